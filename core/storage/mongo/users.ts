import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../errors/app-error.js';
import type { User } from '../../domain/types.js';
import { nowIso } from '../shared/time.js';
import type { UserStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { conflictOnDuplicate } from './errors.js';
import { docToUser } from './mappers.js';

/** The key usernames are unique and found by: case-insensitive. */
export const usernameKey = (username: string) => username.toLowerCase();

/** Users, listed by username (case-insensitively). */
export function createMongoUserStore(c: MongoConnection): UserStore {
  return {
    async create(input) {
      const { Agency, User } = c.models;
      if (input.agencyId !== null && !(await Agency.exists({ _id: input.agencyId }))) {
        throw new NotFoundError(`agency ${input.agencyId}`);
      }
      const user: User = {
        id: randomUUID(),
        username: input.username,
        passwordHash: input.passwordHash,
        role: input.role,
        agencyId: input.agencyId,
        createdAt: nowIso(),
        disabled: false,
      };
      const { id, ...rest } = user;
      await conflictOnDuplicate(
        () => User.create({ _id: id, ...rest, usernameKey: usernameKey(user.username) }),
        `username ${input.username} already exists`,
      );
      return user;
    },
    async get(id) {
      const doc = await c.models.User.findById(id).lean();
      return doc ? docToUser(doc) : null;
    },
    async findByUsername(username) {
      const doc = await c.models.User.findOne({ usernameKey: usernameKey(username) }).lean();
      return doc ? docToUser(doc) : null;
    },
    async list() {
      const docs = await c.models.User.find().sort({ usernameKey: 1, _id: 1 }).lean();
      return docs.map(docToUser);
    },
    async count() {
      return c.models.User.countDocuments();
    },
  };
}
