/**
 * `npm run demo`: simulated agents of several agencies post a realistic mix of benign and attack events to a
 * running Vigil, so a newcomer sees incidents arrive within seconds.
 *
 *   VIGIL_URL            where Vigil listens (default http://localhost:8080)
 *   VIGIL_ADMIN_PASSWORD the admin password (the one printed at first start, or the one you set)
 *   --duration <s>       stop after this many seconds (default: run until Ctrl-C)
 *   --rate <events/s>    events per second across all agents (default 200)
 *
 * Attack events are the sample events each starter rule ships with (test/fixtures/rules/*.match.json), replayed
 * with fresh hosts, users, addresses and times; benign traffic comes from their near-miss twins and a generator.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const baseUrl = (process.env.VIGIL_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const password = arg('password') ?? process.env.VIGIL_ADMIN_PASSWORD;
const durationS = Number(arg('duration') ?? 0);
const rate = Number(arg('rate') ?? 200);

const AGENCIES = [
  { code: 'MOF', name: 'Ministry of Finance', hosts: ['mof-dc01', 'mof-web01', 'mof-ws-114'] },
  { code: 'MOH', name: 'Ministry of Health', hosts: ['moh-mail01', 'moh-ws-020', 'moh-portal'] },
  { code: 'HAN', name: 'Ha Noi Provincial People’s Committee', hosts: ['han-fw01', 'han-web02', 'han-ws-301'] },
  { code: 'DNG', name: 'Da Nang Provincial People’s Committee', hosts: ['dng-dns01', 'dng-ws-007', 'dng-srv-ssh'] },
];

interface SampleEvent {
  time: string;
  host?: string;
  logsource: Record<string, string>;
  fields: Record<string, unknown>;
}

function loadSamples(kind: 'match' | 'nomatch'): SampleEvent[] {
  const dir = path.join(root, 'test', 'fixtures', 'rules');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(`.${kind}.json`))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as SampleEvent);
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const randomIp = () => `203.0.113.${1 + Math.floor(Math.random() * 254)}`;
const USERS = ['nguyen.an', 'tran.binh', 'le.chi', 'pham.dung', 'svc-backup', 'administrator'];

function benignGenerated(host: string): SampleEvent {
  const now = new Date().toISOString();
  switch (Math.floor(Math.random() * 4)) {
    case 0:
      return { time: now, host, logsource: { category: 'webserver' }, fields: { 'cs-method': 'GET', 'c-uri': pick(['/', '/news', '/contact', '/assets/app.js']), 'sc-status': 200, 'c-ip': randomIp(), 'c-useragent': 'Mozilla/5.0' } };
    case 1:
      return { time: now, host, logsource: { product: 'windows', category: 'process_creation' }, fields: { Image: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE', CommandLine: '"EXCEL.EXE" /dde', ParentImage: 'C:\\Windows\\explorer.exe', User: `GOV\\${pick(USERS)}` } };
    case 2:
      return { time: now, host, logsource: { category: 'dns' }, fields: { query: pick(['portal.gov.example', 'mail.gov.example', 'update.microsoft.com']), record_type: 'A', src_ip: '10.0.0.5' } };
    default:
      return { time: now, host, logsource: { product: 'linux', service: 'auth' }, fields: { message: `Accepted publickey for ${pick(USERS)} from 10.1.2.3 port 51000 ssh2` } };
  }
}

function freshen(sample: SampleEvent, host: string): SampleEvent {
  const fields = { ...sample.fields };
  for (const k of Object.keys(fields)) {
    if (/(^|[-_.])(ip|src|c-ip|IpAddress|SourceIp)$/i.test(k) && typeof fields[k] === 'string') fields[k] = randomIp();
  }
  return { ...sample, time: new Date().toISOString(), host, fields };
}

async function api<T>(method: string, url: string, body: unknown, cookie: string): Promise<{ status: number; body: T; cookie: string }> {
  const res = await fetch(baseUrl + url, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, body: (await res.json().catch(() => null)) as T, cookie: setCookie ? setCookie.split(';')[0]! : cookie };
}

async function main(): Promise<void> {
  if (!password) {
    console.error('Set VIGIL_ADMIN_PASSWORD (or pass --password) to the admin password of the running Vigil.');
    process.exit(2);
  }
  try {
    await fetch(`${baseUrl}/api/v1/health`);
  } catch {
    console.error(`No Vigil answers at ${baseUrl}. Start it first (npm start) or set VIGIL_URL.`);
    process.exit(2);
  }
  const login = await api<{ message?: string }>('POST', '/api/v1/auth/login', { username: 'admin', password }, '');
  if (login.status !== 200) {
    console.error(`Login as admin failed (${login.status}): ${login.body?.message ?? ''}`);
    process.exit(2);
  }
  const cookie = login.cookie;

  // Agent keys are shown once; the demo keeps its own in the data directory to reuse them on the next run.
  const keyFile = path.join(process.env.DATA_DIR ?? path.join(root, 'data'), 'demo-agents.json');
  let saved: Record<string, string> = {};
  try {
    saved = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as Record<string, string>;
  } catch {
    // first run
  }
  const existing = (await api<{ items: { id: string; code: string }[] }>('GET', '/api/v1/agencies', undefined, cookie)).body.items;
  const agents: { agency: string; host: string; key: string }[] = [];
  for (const a of AGENCIES) {
    let agency = existing.find((x) => x.code === a.code);
    if (!agency) agency = (await api<{ id: string; code: string }>('POST', '/api/v1/agencies', { name: a.name, code: a.code }, cookie)).body;
    for (const host of a.hosts) {
      let key: string | undefined = saved[host];
      if (key) {
        const probe = await fetch(`${baseUrl}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"events":[]}' });
        if (probe.status === 401) key = undefined;
      }
      if (!key) {
        key = (await api<{ key: string }>('POST', '/api/v1/agents', { agencyId: agency.id, name: `demo-${host}` }, cookie)).body.key;
        saved[host] = key;
      }
      agents.push({ agency: a.code, host, key });
    }
  }
  fs.mkdirSync(path.dirname(keyFile), { recursive: true });
  fs.writeFileSync(keyFile, JSON.stringify(saved, null, 2), { mode: 0o600 });

  const attacks = loadSamples('match');
  const nearMisses = loadSamples('nomatch');
  console.log(`Demo: ${agents.length} agents in ${AGENCIES.length} agencies → ${baseUrl} at ~${rate} events/s (${attacks.length} attack samples). Ctrl-C to stop.`);

  let sent = 0;
  let attacksSent = 0;
  const started = Date.now();
  const tickMs = 1000;
  const timer = setInterval(async () => {
    if (durationS && Date.now() - started > durationS * 1000) {
      clearInterval(timer);
      console.log(`Demo finished: ${sent} events sent, ${attacksSent} of them attacks.`);
      return;
    }
    const perAgent = Math.max(1, Math.round(rate / agents.length));
    await Promise.all(
      agents.map(async (agent) => {
        const events: SampleEvent[] = [];
        for (let i = 0; i < perAgent; i++) {
          const roll = Math.random();
          if (attacks.length && roll < 0.01) {
            events.push(freshen(pick(attacks), agent.host));
            attacksSent++;
          } else if (nearMisses.length && roll < 0.2) events.push(freshen(pick(nearMisses), agent.host));
          else events.push(benignGenerated(agent.host));
        }
        const res = await fetch(`${baseUrl}/api/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${agent.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        }).catch(() => null);
        if (res?.status === 202) sent += events.length;
      }),
    );
    process.stdout.write(`\rsent ${sent} events (${attacksSent} attacks) `);
  }, tickMs);
}

void main();
