/**
 * The mapping document format (`rules/mappings/*.yml`): how events shaped by a source become events with Sigma
 * field names and a Sigma logsource. See rules/README.md ("Field mappings") for the reference.
 */
import { z } from 'zod';

const name = z.string().trim().min(1).max(256);

export const mappingLogsourceSchema = z
  .object({
    product: z.string().trim().min(1).max(64).optional(),
    category: z.string().trim().min(1).max(64).optional(),
    service: z.string().trim().min(1).max(64).optional(),
  })
  .strict();

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Which events a document handles. Every key of `logsource` must equal the event's; every path in `fields` exist. */
export const mappingWhenSchema = z
  .object({
    logsource: mappingLogsourceSchema.optional(),
    fields: z.array(name).min(1).optional(),
  })
  .strict();

/** Copies the children of the object(s) at `from` (dotted path; `*` = every child) to the top level of the fields. */
export const flattenSchema = z
  .object({
    from: name,
    /**
     * Child elements carrying XML attributes (`{"#attributes": {...}}`) become one field per attribute, named by
     * this template: `{element}` and `{attribute}` are replaced (e.g. `{element}_{attribute}` → `Provider_Name`).
     * Without it such children are copied as they are.
     */
    attributes: z
      .string()
      .min(1)
      .refine((t) => t.includes('{attribute}'), { message: "the template needs '{attribute}'" })
      .optional(),
    /** `from` is a list of name/value items (`<Data Name="x">v</Data>`): dotted paths of the name and the value. */
    list: z.object({ name, value: name }).strict().optional(),
  })
  .strict();

/** One logsource derivation: when every `when` field has (one of) the given values, the event gets `logsource`. */
export const logsourceEntrySchema = z
  .object({
    when: z
      .record(z.string().min(1), z.union([scalar, z.array(scalar).min(1)]))
      .refine((w) => Object.keys(w).length > 0, { message: "'when' needs at least one field" }),
    logsource: mappingLogsourceSchema.refine((l) => Object.keys(l).length > 0, { message: 'logsource is empty' }),
    /** Further logsources the record also belongs to (merged over `logsource`). */
    also: z.array(mappingLogsourceSchema).min(1).optional(),
    /** Sigma field name: source field name. The source field is copied; it stays too. */
    fieldmappings: z.record(z.string().min(1), z.string().min(1)).optional(),
  })
  .strict();

export const mappingDocumentSchema = z
  .object({
    title: name,
    id: z.string().trim().min(1).max(128).optional(),
    description: z.string().optional(),
    author: z.string().optional(),
    date: z.union([z.string(), z.date()]).optional(),
    modified: z.union([z.string(), z.date()]).optional(),
    /** Documents apply in ascending order (then by file path); each sees what the earlier ones produced. */
    order: z.number().int().min(0).max(1_000_000).optional(),
    when: mappingWhenSchema.optional(),
    flatten: z.array(flattenSchema).min(1).optional(),
    /** Top-level fields removed after flattening (typically the nested original). */
    remove: z.array(name).min(1).optional(),
    /** Sigma field name: source field name, copied for every event the document handles. */
    fieldmappings: z.record(z.string().min(1), z.string().min(1)).optional(),
    /** `strip`: every top-level field whose name has spaces is also copied without them (`Source Name` → `SourceName`). */
    spaces: z.enum(['keep', 'strip']).optional(),
    /** Logsource keys given to events that have none for them. */
    logsource: mappingLogsourceSchema.optional(),
    /** Logsource derivations, first match wins. */
    logsources: z.array(logsourceEntrySchema).min(1).optional(),
  })
  .strict()
  .refine(
    (d) =>
      d.flatten !== undefined ||
      d.remove !== undefined ||
      d.fieldmappings !== undefined ||
      d.spaces !== undefined ||
      d.logsource !== undefined ||
      d.logsources !== undefined,
    { message: 'the mapping does nothing (no flatten, remove, fieldmappings, spaces, logsource or logsources)' },
  );

export type MappingDocument = z.infer<typeof mappingDocumentSchema>;
export type MappingLogsource = z.infer<typeof mappingLogsourceSchema>;
export type LogsourceEntry = z.infer<typeof logsourceEntrySchema>;
export type FlattenSpec = z.infer<typeof flattenSchema>;
