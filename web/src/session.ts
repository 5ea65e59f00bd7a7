import type { SessionUser } from './types';

type Listener = (user: SessionUser | null) => void;

let current: SessionUser | null = null;
const listeners = new Set<Listener>();

/** Who is signed in, as the server last told us (`/auth/login` or `/auth/me`). */
export const session = {
  get user(): SessionUser | null {
    return current;
  },
  isAdmin(): boolean {
    return current?.role === 'admin';
  },
  set(user: SessionUser | null): void {
    current = user;
    for (const fn of listeners) fn(current);
  },
  onChange(fn: Listener): () => void {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};
