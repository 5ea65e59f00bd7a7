import { randomUUID } from 'node:crypto';
import type { Role, User } from '../../domain/types.js';
import { nowIso } from '../shared/time.js';
import type { UserStore } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { translate } from './errors.js';

interface UserRow {
  id: string;
  username: string;
  username_key: string;
  password_hash: string;
  role: string;
  agency_id: string | null;
  created_at: string;
  disabled: number;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  role: r.role as Role,
  agencyId: r.agency_id,
  createdAt: r.created_at,
  disabled: r.disabled !== 0,
});

/** The key usernames are unique and found by: case-insensitive. */
export const usernameKey = (username: string) => username.toLowerCase();

/** Users, listed by username (case-insensitively). */
export function createSqliteUserStore(h: SqliteHandle): UserStore {
  return {
    async create(input) {
      const user: User = {
        id: randomUUID(),
        username: input.username,
        passwordHash: input.passwordHash,
        role: input.role,
        agencyId: input.agencyId,
        createdAt: nowIso(),
        disabled: false,
      };
      translate(
        () =>
          h
            .stmt(
              `INSERT INTO users (id, username, username_key, password_hash, role, agency_id, created_at, disabled)
               VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
            )
            .run(
              user.id,
              user.username,
              usernameKey(user.username),
              user.passwordHash,
              user.role,
              user.agencyId,
              user.createdAt,
            ),
        { conflict: `username ${input.username} already exists`, missing: `agency ${String(input.agencyId)}` },
      );
      return user;
    },
    async get(id) {
      const row = h.stmt('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
      return row ? toUser(row) : null;
    },
    async findByUsername(username) {
      const row = h.stmt('SELECT * FROM users WHERE username_key = ?').get(usernameKey(username)) as
        | UserRow
        | undefined;
      return row ? toUser(row) : null;
    },
    async list() {
      return (h.stmt('SELECT * FROM users ORDER BY username_key, id').all() as UserRow[]).map(toUser);
    },
    async count() {
      return (h.stmt('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
    },
  };
}
