import { api } from './api';
import type { Agency } from './types';

/**
 * The agencies the signed-in user may see, fetched once and shared by every page that shows an agency name.
 * An unknown id (an agency created since) triggers a throttled reload.
 */

type Listener = (agencies: readonly Agency[]) => void;

const RELOAD_THROTTLE_MS = 3_000;

let list: Agency[] = [];
let byId = new Map<string, Agency>();
let pending: Promise<readonly Agency[]> | null = null;
let lastLoad = 0;
let reloadTimer: number | undefined;
const listeners = new Set<Listener>();

function store(items: Agency[]): void {
  list = [...items].sort((a, b) => a.name.localeCompare(b.name));
  byId = new Map(list.map((a) => [a.id, a]));
  for (const fn of listeners) fn(list);
}

/** Loads (or reloads with `force`) the agency list; concurrent calls share one request. */
export function loadAgencies(force = false): Promise<readonly Agency[]> {
  if (pending) return pending;
  if (!force && lastLoad > 0) return Promise.resolve(list);
  lastLoad = Date.now();
  pending = api
    .agencies()
    .then((res) => {
      store(res.items);
      return list;
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}

export function agencies(): readonly Agency[] {
  return list;
}

export function findAgency(id: string | null | undefined): Agency | undefined {
  return id ? byId.get(id) : undefined;
}

/** The agency's name; while unknown, a short form of its id (and a reload is requested). */
export function agencyName(id: string | null | undefined): string {
  if (!id) return '';
  const agency = byId.get(id);
  if (agency) return agency.name;
  requestReload();
  return id.length > 10 ? `${id.slice(0, 8)}…` : id;
}

/** An unknown agency was met (created since we loaded): reload soon, at most once per throttle window. */
function requestReload(): void {
  if (pending || reloadTimer !== undefined || lastLoad === 0) return;
  const wait = Math.max(0, lastLoad + RELOAD_THROTTLE_MS - Date.now());
  reloadTimer = window.setTimeout(() => {
    reloadTimer = undefined;
    void loadAgencies(true).catch(() => undefined);
  }, wait);
}

/** Adds one the admin just created, without a round trip. */
export function addAgency(agency: Agency): void {
  store([...list.filter((a) => a.id !== agency.id), agency]);
}

export function onAgenciesChange(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Forgets everything (sign-out). */
export function resetAgencies(): void {
  list = [];
  byId = new Map();
  lastLoad = 0;
  window.clearTimeout(reloadTimer);
  reloadTimer = undefined;
}
