/**
 * What people do to incidents: change status (through the transition table), assign, re-classify, comment, merge,
 * link, act in bulk; and the admin-defined statuses and the audit log. Every change lands in the incident's
 * timeline (written by the store), in the audit log, and is pushed live through `publish`.
 *
 * Roles: admins and analysts act on any incident; an agency admin may read and comment on its own agency's
 * incidents only (another agency's incident is "not found", exactly like a missing one); leadership reads.
 * Concurrency: every change is a compare-and-set on the incident's revision. A caller that sends the revision (or
 * an if-unmodified-since time) it saw gets a 409 when someone else changed the incident in between; without one,
 * the change is re-checked against the fresh incident and retried.
 */
import { z } from 'zod';
import {
  INCIDENT_STATUSES,
  type AuditEntry,
  type Incident,
  type IncidentComment,
  type Role,
  type StatusDefinition,
  type TimelineEntry,
} from '../domain/types.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import { assertFresh, displayStatus, revisionOf } from '../storage/shared/incident-changes.js';
import { nowIso } from '../storage/shared/time.js';
import type { AuditFilter, IncidentPatch, Storage } from '../storage/storage.port.js';
import { isEnisaType, ENISA_TYPES } from './incident-taxonomy.js';
import {
  allowedNextStatuses,
  BUILT_IN_STATUS_LABELS,
  INCIDENT_EDITOR_ROLES,
  isBuiltInStatus,
  resolveStatus,
  TRANSITIONS,
} from './incident-transitions.js';

/** Who acts: the session user. */
export interface IncidentActor {
  username: string;
  role: Role;
  agencyId: string | null;
}

/** A PATCH body after validation at the edge (see server/http/routes/incident-actions.ts). */
export interface IncidentChangeInput {
  /** A built-in or admin-defined status key. */
  status?: string;
  assignee?: string | null;
  severity?: Incident['severity'];
  category?: string;
  type?: string | null;
  techniques?: string[];
  entities?: IncidentPatch['entities'];
  /** The revision the caller saw: refused (409) when the incident has moved on. */
  revision?: number;
  /** The updatedAt the caller saw: refused (409) when the incident changed after it. */
  ifUnmodifiedSince?: string;
}

export type BulkAction =
  | { action: 'assign'; assignee: string | null }
  | { action: 'status'; status: string }
  | { action: 'false_positive' };

export interface BulkResult {
  id: string;
  ok: boolean;
  error?: string;
  code?: string;
}

export type PublishIncident = (kind: 'new' | 'updated', incident: Incident) => void;

/** Roles that read incidents (an agency admin within its agency only). */
export const INCIDENT_READER_ROLES: readonly Role[] = ['admin', 'analyst', 'agency_admin', 'leadership'];
/** Roles that comment (an agency admin within its agency only). */
export const INCIDENT_COMMENTER_ROLES: readonly Role[] = ['admin', 'analyst', 'agency_admin'];
/** Users an incident may be assigned to. */
export const ASSIGNABLE_ROLES: readonly Role[] = ['admin', 'analyst'];

/** How often an unconditional change is re-checked and retried after losing a race. */
const MAX_ATTEMPTS = 5;

export const newStatusDefinitionSchema = z
  .object({
    key: z
      .string()
      .regex(/^[a-z][a-z0-9_]{1,39}$/, 'lower-case letters, digits and _, starting with a letter, 2 to 40 long'),
    label: z.string().trim().min(1).max(80),
    stage: z.enum(INCIDENT_STATUSES),
  })
  .strict();

const isStale = (err: unknown) =>
  err instanceof ConflictError && (err.details as { reason?: unknown } | undefined)?.reason === 'stale';

export interface IncidentServiceDeps {
  storage: Pick<Storage, 'incidents' | 'comments' | 'audit' | 'users' | 'statusDefinitions'>;
  publish?: PublishIncident;
  /** ISO time of a change; defaults to the wall clock. */
  now?: () => string;
}

export function createIncidentService(deps: IncidentServiceDeps) {
  const { storage } = deps;
  const now = deps.now ?? nowIso;
  const publish = (incident: Incident) => {
    try {
      deps.publish?.('updated', incident);
    } catch {
      // A console push must never fail the change itself.
    }
  };

  const requireRole = (actor: IncidentActor, roles: readonly Role[]) => {
    if (!roles.includes(actor.role)) throw new ForbiddenError();
  };

  /** The incident if this actor may see it; another agency's incident is "not found", like a missing one. */
  const load = async (actor: IncidentActor, id: string): Promise<Incident> => {
    const incident = await storage.incidents.get(id);
    if (!incident || (actor.role === 'agency_admin' && incident.agencyId !== actor.agencyId)) {
      throw new NotFoundError('incident');
    }
    return incident;
  };

  const audit = async (actor: IncidentActor, entries: readonly TimelineEntry[]) => {
    for (const e of entries) {
      await storage.audit.record({
        at: e.at,
        actor: actor.username,
        action: `incident.${e.action}`,
        targetType: 'incident',
        target: e.incidentId,
        details: e.details,
      });
    }
  };

  /** The storage patch for `input` against `incident`, every field checked; throws on the first bad one. */
  const buildPatch = async (
    actor: IncidentActor,
    incident: Incident,
    input: IncidentChangeInput,
    definitions: readonly StatusDefinition[],
  ): Promise<IncidentPatch> => {
    const patch: IncidentPatch = {};
    if (input.status !== undefined && input.status !== displayStatus(incident)) {
      const target = resolveStatus(input.status, definitions);
      if (!target) {
        throw new ValidationError(`unknown status ${input.status}`, {
          known: [...INCIDENT_STATUSES, ...definitions.map((d) => d.key)],
        });
      }
      const allowed = allowedNextStatuses(incident, actor.role, definitions);
      if (!allowed.includes(input.status)) {
        const why =
          incident.mergedInto !== undefined
            ? `incident ${incident.id} was merged into ${incident.mergedInto}: its status cannot change`
            : incident.status === 'closed' && input.status === 'investigating'
              ? 'only an admin can reopen a closed incident'
              : `an incident cannot move from ${displayStatus(incident)} to ${input.status}`;
        throw new ConflictError(why, { allowed });
      }
      patch.status = target.stage;
      patch.customStatus = target.customStatus;
    }
    if (input.assignee !== undefined) {
      if (input.assignee === null) patch.assignee = null;
      else {
        const user = await storage.users.findByUsername(input.assignee);
        if (!user || user.disabled || !ASSIGNABLE_ROLES.includes(user.role)) {
          throw new ValidationError(`assignee ${input.assignee} is not an active admin or analyst`);
        }
        patch.assignee = user.username;
      }
    }
    if (input.severity !== undefined) patch.severity = input.severity;
    const category = input.category ?? incident.category;
    if (input.category !== undefined) patch.category = input.category;
    if (input.type !== undefined && input.type !== null) {
      if (!isEnisaType(category, input.type)) {
        throw new ValidationError(`type ${input.type} is not an ENISA type of category ${category}`, {
          types: (ENISA_TYPES as Record<string, readonly string[] | undefined>)[category] ?? [],
        });
      }
      patch.type = input.type;
    } else if (input.type === null) {
      patch.type = null;
    } else if (input.category !== undefined && incident.type !== undefined && !isEnisaType(category, incident.type)) {
      // A new category drops a type that does not belong to it.
      patch.type = null;
    }
    if (input.techniques !== undefined) patch.techniques = input.techniques;
    if (input.entities !== undefined) patch.entities = input.entities;
    return patch;
  };

  /** Applies one change with the compare-and-set retry described at the top. */
  const change = async (actor: IncidentActor, id: string, input: IncidentChangeInput): Promise<Incident> => {
    requireRole(actor, INCIDENT_EDITOR_ROLES);
    const conditional = input.revision !== undefined || input.ifUnmodifiedSince !== undefined;
    for (let attempt = 1; ; attempt++) {
      const incident = await load(actor, id);
      // A caller who saw an older incident hears that first, not a judgement of their change against the new one.
      assertFresh(incident, { expectedRevision: input.revision, unmodifiedSince: input.ifUnmodifiedSince });
      const definitions = await storage.statusDefinitions.list();
      const patch = await buildPatch(actor, incident, input, definitions);
      try {
        const result = await storage.incidents.update(id, patch, {
          actor: actor.username,
          at: now(),
          expectedRevision: input.revision ?? revisionOf(incident),
          ...(input.ifUnmodifiedSince !== undefined ? { unmodifiedSince: input.ifUnmodifiedSince } : {}),
        });
        if (result.entries.length) {
          await audit(actor, result.entries);
          publish(result.incident);
        }
        return result.incident;
      } catch (err) {
        if (!isStale(err) || conditional || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  };

  return {
    load,

    /** PATCH: every field at once or none. */
    update: change,

    async timeline(actor: IncidentActor, id: string): Promise<TimelineEntry[]> {
      requireRole(actor, INCIDENT_READER_ROLES);
      await load(actor, id);
      return storage.incidents.timeline(id);
    },

    async comments(actor: IncidentActor, id: string): Promise<IncidentComment[]> {
      requireRole(actor, INCIDENT_READER_ROLES);
      await load(actor, id);
      return storage.comments.list(id);
    },

    async comment(actor: IncidentActor, id: string, body: string): Promise<IncidentComment> {
      requireRole(actor, INCIDENT_COMMENTER_ROLES);
      const incident = await load(actor, id);
      const comment = await storage.comments.add({ incidentId: id, author: actor.username, body, at: now() });
      const entry = await storage.incidents.addTimeline({
        incidentId: id,
        at: comment.at,
        actor: actor.username,
        action: 'commented',
        details: { commentId: comment.id, excerpt: body.length > 140 ? `${body.slice(0, 139)}…` : body },
      });
      await audit(actor, [entry]);
      publish(incident);
      return comment;
    },

    async merge(
      actor: IncidentActor,
      id: string,
      intoId: string,
      opts: Pick<IncidentChangeInput, 'revision' | 'ifUnmodifiedSince'> = {},
    ): Promise<{ source: Incident; target: Incident }> {
      requireRole(actor, INCIDENT_EDITOR_ROLES);
      if (id === intoId) throw new ValidationError('an incident cannot be merged into itself');
      const source = await load(actor, id);
      await load(actor, intoId);
      const result = await storage.incidents.merge(id, intoId, {
        actor: actor.username,
        at: now(),
        expectedRevision: opts.revision ?? revisionOf(source),
        ...(opts.ifUnmodifiedSince !== undefined ? { unmodifiedSince: opts.ifUnmodifiedSince } : {}),
      });
      await audit(actor, result.entries);
      publish(result.source);
      publish(result.target);
      return { source: result.source, target: result.target };
    },

    /** The incidents linked to this one that the actor may see. */
    async links(actor: IncidentActor, id: string): Promise<Incident[]> {
      requireRole(actor, INCIDENT_READER_ROLES);
      await load(actor, id);
      const out: Incident[] = [];
      for (const other of await storage.incidents.links(id)) {
        const incident = await storage.incidents.get(other);
        if (incident && (actor.role !== 'agency_admin' || incident.agencyId === actor.agencyId)) out.push(incident);
      }
      return out;
    },

    async link(actor: IncidentActor, id: string, otherId: string, add = true): Promise<{ changed: boolean; links: string[] }> {
      requireRole(actor, INCIDENT_EDITOR_ROLES);
      if (id === otherId) throw new ValidationError('an incident cannot be linked to itself');
      const a = await load(actor, id);
      const b = await load(actor, otherId);
      const ctx = { actor: actor.username, at: now() };
      const result = add ? await storage.incidents.link(id, otherId, ctx) : await storage.incidents.unlink(id, otherId, ctx);
      if (result.changed) {
        await audit(actor, result.entries);
        publish(a);
        publish(b);
      }
      return { changed: result.changed, links: await storage.incidents.links(id) };
    },

    /** One result per id, in order; each item succeeds or fails on its own. */
    async bulk(actor: IncidentActor, ids: readonly string[], action: BulkAction): Promise<BulkResult[]> {
      requireRole(actor, INCIDENT_EDITOR_ROLES);
      const input: IncidentChangeInput =
        action.action === 'assign'
          ? { assignee: action.assignee }
          : action.action === 'status'
            ? { status: action.status }
            : { status: 'false_positive' };
      const results: BulkResult[] = [];
      for (const id of ids) {
        try {
          await change(actor, id, input);
          results.push({ id, ok: true });
        } catch (err) {
          if (err instanceof AppError && err.isPublic) results.push({ id, ok: false, error: err.message, code: err.code });
          else results.push({ id, ok: false, error: 'internal error', code: 'internal' });
        }
      }
      return results;
    },

    /** Built-in statuses, then admin-defined ones, and the transition table between stages. */
    async statuses() {
      const definitions = await storage.statusDefinitions.list();
      return {
        items: [
          ...INCIDENT_STATUSES.map((s) => ({ key: s, label: BUILT_IN_STATUS_LABELS[s], stage: s, builtIn: true })),
          ...definitions.map((d) => ({ ...d, builtIn: false })),
        ],
        transitions: TRANSITIONS,
      };
    },

    async createStatus(actor: IncidentActor, input: unknown): Promise<StatusDefinition> {
      requireRole(actor, ['admin']);
      const parsed = newStatusDefinitionSchema.safeParse(input);
      if (!parsed.success) throw new ValidationError('invalid status', parsed.error.issues);
      if (isBuiltInStatus(parsed.data.key)) throw new ConflictError(`status ${parsed.data.key} already exists`);
      const def = await storage.statusDefinitions.create({ ...parsed.data, createdBy: actor.username, createdAt: now() });
      await storage.audit.record({
        at: def.createdAt,
        actor: actor.username,
        action: 'status_definition.created',
        targetType: 'status_definition',
        target: def.key,
        details: { label: def.label, stage: def.stage },
      });
      return def;
    },

    async audit(actor: IncidentActor, filter: AuditFilter, limit?: number): Promise<AuditEntry[]> {
      requireRole(actor, ['admin']);
      return storage.audit.list(filter, limit === undefined ? {} : { limit });
    },
  };
}

export type IncidentService = ReturnType<typeof createIncidentService>;
