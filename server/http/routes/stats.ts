/**
 * Leadership statistics, read from the roll-ups (core/services/stats.ts).
 *
 *   GET /stats/yearly?from=YYYY&to=YYYY[&agencyId=][&category=a,b][&severity=high,critical]
 *   GET /stats/summary[?year=YYYY][&agencyId=][&format=json|pdf|csv]
 *
 * Admins, analysts and leadership see every agency (or one, with agencyId). An agency admin always sees only their
 * own agency: the filter is forced, and asking for another agency explicitly is 403.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { SEVERITIES } from '../../../core/domain/types.js';
import { ForbiddenError, ValidationError } from '../../../core/errors/app-error.js';
import { createStatsService, MAX_YEAR, MIN_YEAR } from '../../../core/services/stats.js';
import { summaryCsv } from '../../../core/services/stats-csv.js';
import { renderSummaryPdf } from '../../../core/services/stats-pdf.js';
import type { ServerContext } from '../../context.js';
import { agencyScope, currentUser, requireRole } from '../middleware/auth.js';

const year = z.coerce.number().int().min(MIN_YEAR).max(MAX_YEAR);
const commaList = z
  .string()
  .max(2000)
  .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean));
const agencyId = z.string().trim().min(1).max(128);

const yearlyQuery = z.object({
  from: year.optional(),
  to: year.optional(),
  agencyId: agencyId.optional(),
  category: commaList.pipe(z.array(z.string().regex(/^[a-z0-9_-]{1,64}$/, 'a category slug')).min(1).max(50)).optional(),
  severity: commaList.pipe(z.array(z.enum(SEVERITIES)).min(1)).optional(),
});

const summaryQuery = z.object({
  year: year.optional(),
  agencyId: agencyId.optional(),
  format: z.enum(['json', 'pdf', 'csv']).default('json'),
});

function parse<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw new ValidationError('invalid query', parsed.error.issues);
  return parsed.data;
}

/** The agencies the figures cover: forced for an agency admin (403 for another one), optional for everyone else. */
function agenciesFor(req: Request, asked: string | undefined): string[] | undefined {
  const scope = agencyScope(currentUser(req));
  if (scope) {
    if (asked !== undefined && !scope.includes(asked)) throw new ForbiddenError('statistics of another agency');
    return scope;
  }
  return asked !== undefined ? [asked] : undefined;
}

export function statsRoutes(ctx: ServerContext): Router {
  const r = Router();
  const stats = createStatsService({ storage: ctx.storage });
  const readers = requireRole('admin', 'analyst', 'leadership', 'agency_admin');

  r.get('/stats/yearly', readers, async (req, res) => {
    const q = parse(yearlyQuery, req);
    const to = q.to ?? (q.from !== undefined ? Math.max(q.from, new Date().getUTCFullYear()) : new Date().getUTCFullYear());
    const from = q.from ?? to - 4;
    const agencyIds = agenciesFor(req, q.agencyId);
    const body = await stats.yearly({
      from,
      to,
      ...(agencyIds ? { agencyIds } : {}),
      ...(q.category ? { categories: q.category } : {}),
      ...(q.severity ? { severities: q.severity } : {}),
    });
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });

  r.get('/stats/summary', readers, async (req, res) => {
    const q = parse(summaryQuery, req);
    const agencyIds = agenciesFor(req, q.agencyId);
    const summary = await stats.summary({ ...(q.year !== undefined ? { year: q.year } : {}), ...(agencyIds ? { agencyIds } : {}) });
    res.setHeader('Cache-Control', 'no-store');
    if (q.format === 'json') {
      res.json(summary);
      return;
    }
    const agency = agencyIds?.length === 1 ? await ctx.storage.agencies.get(agencyIds[0]!) : null;
    const scopeLabel = agencyIds ? (agency ? `${agency.name} (${agency.code})` : 'One agency') : 'All agencies';
    const fileName = `vigil-statistics-${summary.year}${agency ? `-${agency.code}` : ''}`;
    if (q.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
      res.setHeader('Content-Disposition', `attachment; filename="${fileName}.csv"`);
      // A byte-order mark, so spreadsheet programs read the Vietnamese names as UTF-8.
      res.send(`\uFEFF${summaryCsv(summary, { scopeLabel })}`);
      return;
    }
    const pdf = await renderSummaryPdf(summary, { scopeLabel });
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}.pdf"`);
    res.send(pdf);
  });

  return r;
}
