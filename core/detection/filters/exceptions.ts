/**
 * Analyst exceptions: "never alert rule X for host Y / user Z / field = value", each with a comment, who created
 * it and when, and an optional expiry. Stored and served by the application; this module only defines the shape
 * and compiles a list into a pure check the pipeline calls before it raises an alert.
 *
 * Matching: every condition given must hold (host AND user AND each field). Values compare case-insensitively and
 * may use the Sigma wildcards `*` and `?` (`\*`, `\?`, `\\` escape them). A host matches the event's host or its
 * first label (`hr-pc-17` matches `HR-PC-17.minfin.local`); a user matches any of the user fields of the event, as
 * a whole or by its account part (`j.doe` matches `MINFIN\j.doe` and `j.doe@minfin.gov.vn`); a field matches when
 * its value (or an item of it, for lists) matches. An expired exception no longer applies.
 */
import { z } from 'zod';
import type { CompiledRule, MatchableEvent } from '../rule.js';
import { compileGetter, scalarString, type Getter } from '../sigma/fields.js';
import { compileStringTest, parseSigmaString, type StrTest } from '../sigma/pattern.js';

const pattern = z.string().trim().min(1).max(1024);

export const exceptionSchema = z
  .object({
    id: z.string().trim().min(1).max(128),
    /** The rule it silences (its id), or `*` for every rule. */
    ruleId: z.string().trim().min(1).max(128),
    /** Only events of this agency (from the agent key); any agency when absent. */
    agencyId: z.string().trim().min(1).max(128).optional(),
    host: pattern.optional(),
    user: pattern.optional(),
    /** Field name (dotted for nested values) → value pattern. */
    fields: z
      .record(z.string().trim().min(1).max(256), z.union([pattern, z.number(), z.boolean()]))
      .refine((f) => Object.keys(f).length > 0 && Object.keys(f).length <= 32, { message: 'between 1 and 32 fields' })
      .optional(),
    /** Why: required, shown wherever the exception is. */
    comment: z.string().trim().min(1).max(2000),
    createdBy: z.string().trim().min(1).max(255),
    createdAt: z.iso.datetime({ offset: true }),
    /** No longer applies from this instant on; never expires when absent or null. */
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict()
  .refine((e) => e.host !== undefined || e.user !== undefined || e.fields !== undefined || e.agencyId !== undefined, {
    message: 'an exception needs at least one of host, user, fields or agencyId (to switch a rule off, remove or deprecate it)',
  })
  .refine((e) => e.expiresAt == null || Date.parse(e.expiresAt) > Date.parse(e.createdAt), {
    message: 'expiresAt must be after createdAt',
    path: ['expiresAt'],
  });

export type Exception = z.infer<typeof exceptionSchema>;

/** Checks a list of exceptions from outside (an API body, a file); returns the valid ones and the problems. */
export function parseExceptions(input: unknown): { exceptions: Exception[]; errors: { index: number; message: string }[] } {
  const exceptions: Exception[] = [];
  const errors: { index: number; message: string }[] = [];
  if (!Array.isArray(input)) return { exceptions, errors: [{ index: -1, message: 'expected a list of exceptions' }] };
  const ids = new Set<string>();
  input.forEach((item, index) => {
    const r = exceptionSchema.safeParse(item);
    if (!r.success) {
      errors.push({ index, message: r.error.issues.map((i) => `${i.path.join('.') || '(exception)'}: ${i.message}`).join('; ') });
      return;
    }
    if (ids.has(r.data.id)) {
      errors.push({ index, message: `duplicate exception id '${r.data.id}'` });
      return;
    }
    ids.add(r.data.id);
    exceptions.push(r.data);
  });
  return { exceptions, errors };
}

/** Event fields that name a user, in the usual sources (Sysmon / Windows, web, proxy, Linux, ECS-style). */
export const DEFAULT_USER_FIELDS: readonly string[] = [
  'User',
  'user',
  'UserName',
  'username',
  'SubjectUserName',
  'TargetUserName',
  'AccountName',
  'ParentUser',
  'cs-username',
  'user.name',
  'src_user',
  'dst_user',
];

export interface CompileExceptionsOptions {
  /** The clock for expiry (ms since the epoch). Default: Date.now. */
  now?: () => number;
  /** Fields that name the user (default DEFAULT_USER_FIELDS). */
  userFields?: readonly string[];
}

/** What the pipeline knows of an event when it decides whether to alert. */
export type ExceptionEvent = Pick<MatchableEvent, 'fields'> & { agencyId?: string | null };

export type ExceptionCheck = (rule: Pick<CompiledRule, 'id'>, event: ExceptionEvent, host: string | null | undefined) => boolean;

interface Compiled {
  exception: Exception;
  /** Position in the list: the first applicable exception is the one reported. */
  order: number;
  expiresAt: number;
  test(event: ExceptionEvent, host: string | null | undefined): boolean;
}

function valueTest(raw: string | number | boolean): StrTest {
  return compileStringTest([parseSigmaString(String(raw))], false);
}

function anyValue(v: unknown, test: StrTest): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (anyValue(x, test)) return true;
    return false;
  }
  const s = scalarString(v);
  return s !== null && test(s);
}

/** The account part of a user name: after the last backslash, before an `@`. */
function accountPart(s: string): string {
  const bs = s.lastIndexOf('\\');
  const a = bs >= 0 ? s.slice(bs + 1) : s;
  const at = a.indexOf('@');
  return at > 0 ? a.slice(0, at) : a;
}

function compileOne(e: Exception, order: number, userGetters: readonly Getter[]): Compiled {
  const tests: ((event: ExceptionEvent, host: string | null | undefined) => boolean)[] = [];
  if (e.agencyId !== undefined) {
    const agency = e.agencyId;
    tests.push((event) => event.agencyId === agency);
  }
  if (e.host !== undefined) {
    const t = valueTest(e.host);
    tests.push((_event, host) => {
      if (host === null || host === undefined || host === '') return false;
      if (t(host)) return true;
      const dot = host.indexOf('.');
      return dot > 0 && t(host.slice(0, dot));
    });
  }
  if (e.user !== undefined) {
    const t = valueTest(e.user);
    const userTest: StrTest = (s) => t(s) || t(accountPart(s));
    tests.push((event) => {
      for (const g of userGetters) if (anyValue(g(event.fields), userTest)) return true;
      return false;
    });
  }
  for (const [name, raw] of Object.entries(e.fields ?? {})) {
    const get = compileGetter(name);
    const t = valueTest(raw);
    tests.push((event) => anyValue(get(event.fields), t));
  }
  return {
    exception: e,
    order,
    expiresAt: e.expiresAt == null ? Infinity : Date.parse(e.expiresAt),
    test(event, host) {
      if (event.fields === null || typeof event.fields !== 'object') return false;
      for (const t of tests) if (!t(event, host)) return false;
      return true;
    },
  };
}

/**
 * Compiles exceptions into a lookup that returns the first exception (in list order) silencing this rule for
 * this event and host, or null. Throws when an exception is invalid (check input with parseExceptions first).
 */
export function compileExceptionMatcher(
  list: readonly Exception[],
  opts: CompileExceptionsOptions = {},
): (rule: Pick<CompiledRule, 'id'>, event: ExceptionEvent, host: string | null | undefined) => Exception | null {
  const now = opts.now ?? Date.now;
  const userGetters = (opts.userFields ?? DEFAULT_USER_FIELDS).map((f) => compileGetter(f));
  const byRule = new Map<string, Compiled[]>();
  const everyRule: Compiled[] = [];
  list.forEach((raw, i) => {
    const parsed = exceptionSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`exception #${i} (${String((raw as { id?: unknown }).id)}) is invalid: ${parsed.error.issues[0]!.message}`);
    }
    const c = compileOne(parsed.data, i, userGetters);
    if (c.exception.ruleId === '*') everyRule.push(c);
    else {
      const key = c.exception.ruleId.toLowerCase();
      const l = byRule.get(key);
      if (l === undefined) byRule.set(key, [c]);
      else l.push(c);
    }
  });
  const none: Compiled[] = [];
  return (rule, event, host) => {
    const specific = byRule.get(rule.id.toLowerCase()) ?? none;
    if (specific.length === 0 && everyRule.length === 0) return null;
    const t = now();
    let best: Compiled | null = null;
    for (const list of [specific, everyRule]) {
      for (const c of list) {
        if (best !== null && c.order > best.order) break;
        if (c.expiresAt <= t || !c.test(event, host)) continue;
        best = c;
        break;
      }
    }
    return best === null ? null : best.exception;
  };
}

/**
 * Compiles exceptions into the check the pipeline calls before raising an alert: true when an exception that has
 * not expired silences this rule for this event and host.
 */
export function compileExceptions(list: readonly Exception[], opts: CompileExceptionsOptions = {}): ExceptionCheck {
  const match = compileExceptionMatcher(list, opts);
  return (rule, event, host) => match(rule, event, host) !== null;
}
