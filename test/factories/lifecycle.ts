/**
 * Helpers for the incident lifecycle integration tests: people of every role logged in over real HTTP, incidents
 * made the real way (an agent posts events, the pipeline opens an incident), and a live console socket.
 */
import assert from 'node:assert/strict';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Incident } from '../../core/domain/types.js';
import { ApiClient, postEvents, provisionAgent, shadowCopyDeletion, waitFor } from '../support/harness.js';

export const PASSWORD = 'a-good-password';

export interface LifecycleWorld {
  url: string;
  admin: ApiClient;
  /** Two analysts. */
  ana: ApiClient;
  ben: ApiClient;
  /** Agency admins of agency A and agency B. */
  aAdmin: ApiClient;
  bAdmin: ApiClient;
  lead: ApiClient;
  anonymous: ApiClient;
  agencyA: string;
  agencyB: string;
  keyA: string;
  keyB: string;
}

/** Two agencies with an agent each, and a logged-in client for every role. */
export async function setUpWorld(url: string): Promise<LifecycleWorld> {
  const a = await provisionAgent(url, 'AGA');
  const admin = a.admin;
  const agencyB = (await admin.post('/api/v1/agencies', { name: 'Agency B', code: 'AGB' })).body.id as string;
  const keyB = (await admin.post('/api/v1/agents', { agencyId: agencyB, name: 'b-sensor' })).body.key as string;
  const people: [string, string, string | null][] = [
    ['ana', 'analyst', null],
    ['ben', 'analyst', null],
    ['a-admin', 'agency_admin', a.agencyId],
    ['b-admin', 'agency_admin', agencyB],
    ['lead', 'leadership', null],
  ];
  const clients: Record<string, ApiClient> = {};
  for (const [username, role, agencyId] of people) {
    const r = await admin.post('/api/v1/users', { username, password: PASSWORD, role, ...(agencyId ? { agencyId } : {}) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const c = new ApiClient(url);
    await c.login(username, PASSWORD);
    clients[username] = c;
  }
  return {
    url,
    admin,
    ana: clients.ana!,
    ben: clients.ben!,
    aAdmin: clients['a-admin']!,
    bAdmin: clients['b-admin']!,
    lead: clients.lead!,
    anonymous: new ApiClient(url),
    agencyA: a.agencyId,
    agencyB,
    keyA: a.key,
    keyB,
  };
}

let hostSeq = 0;

/** Opens a new incident the real way: the agent posts a shadow-copy deletion from a fresh host. */
export async function makeIncident(w: LifecycleWorld, agency: 'A' | 'B' = 'A', host = `LC-${process.pid}-${++hostSeq}`): Promise<Incident> {
  const r = await postEvents(w.url, agency === 'A' ? w.keyA : w.keyB, { events: [shadowCopyDeletion(host)] });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return waitFor(
    async () => {
      const page = await w.admin.get(`/api/v1/incidents?q=${encodeURIComponent(host)}`);
      return (page.body.items as Incident[]).find((i) => i.host === host) ?? null;
    },
    15_000,
    `incident on ${host}`,
  );
}

export const patch = (c: ApiClient, id: string, body: unknown) => c.request('PATCH', `/api/v1/incidents/${id}`, body);
export const del = (c: ApiClient, url: string) => c.request('DELETE', url);

/** A console socket on /console with this client's session. */
export function connectConsole(url: string, cookie: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = ioClient(`${url}/console`, { extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}
