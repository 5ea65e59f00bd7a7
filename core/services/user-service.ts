import { z } from 'zod';
import { ROLES, type User } from '../domain/types.js';
import { UnauthorizedError, ValidationError } from '../errors/app-error.js';
import type { Storage } from '../storage/storage.port.js';
import { generatePassword, hashPassword, verifyPassword } from './passwords.js';

export const newUserSchema = z
  .object({
    username: z
      .string()
      .min(3)
      .max(64)
      .regex(/^[a-zA-Z0-9._@-]+$/, 'letters, digits and . _ @ - only'),
    password: z.string().min(10, 'at least 10 characters').max(256),
    role: z.enum(ROLES),
    agencyId: z.string().min(1).nullish(),
  })
  .strict()
  .refine((u) => u.role !== 'agency_admin' || !!u.agencyId, {
    message: 'agencyId is required for role agency_admin',
    path: ['agencyId'],
  });

/** What may leave the server about a user: never the hash. */
export function publicUser(u: User): Omit<User, 'passwordHash'> {
  const { passwordHash: _hidden, ...rest } = u;
  return rest;
}

// A real hash to verify against when the user does not exist, so response time does not reveal usernames.
let decoyHash: Promise<string> | null = null;

export function createUserService(deps: { storage: Pick<Storage, 'users' | 'agencies'> }) {
  const { storage } = deps;
  return {
    async create(input: unknown): Promise<User> {
      const parsed = newUserSchema.safeParse(input);
      if (!parsed.success) throw new ValidationError('invalid user', parsed.error.issues);
      const { username, password, role, agencyId } = parsed.data;
      if (agencyId && !(await storage.agencies.get(agencyId))) {
        throw new ValidationError(`agency ${agencyId} does not exist`);
      }
      return storage.users.create({
        username,
        passwordHash: await hashPassword(password),
        role,
        agencyId: role === 'agency_admin' ? agencyId! : (agencyId ?? null),
      });
    },

    async authenticate(username: unknown, password: unknown): Promise<User> {
      if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
        throw new ValidationError('username and password are required');
      }
      const user = await storage.users.findByUsername(username);
      if (!user) {
        decoyHash ??= hashPassword(generatePassword());
        await verifyPassword(password, await decoyHash);
        throw new UnauthorizedError('invalid username or password');
      }
      if (user.disabled || !(await verifyPassword(password, user.passwordHash))) {
        throw new UnauthorizedError('invalid username or password');
      }
      return user;
    },

    /**
     * Creates the first admin when there are no users. Returns the generated password when one was made, so the
     * caller can print it once; null when an admin existed or the password came from the configuration.
     */
    async ensureFirstAdmin(configured: string | null): Promise<{ created: boolean; generatedPassword: string | null }> {
      if ((await storage.users.count()) > 0) return { created: false, generatedPassword: null };
      const password = configured ?? generatePassword();
      await storage.users.create({
        username: 'admin',
        passwordHash: await hashPassword(password),
        role: 'admin',
        agencyId: null,
      });
      return { created: true, generatedPassword: configured ? null : password };
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
