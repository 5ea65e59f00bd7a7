/**
 * The starter correlation rules (rules/sigma/correlation) end to end below the pipeline: events matched by the
 * starter detection rules (RuleEngine), their hits fed to the correlation engine on a real Redis.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import {
  createCorrelationEngine,
  loadCorrelationRules,
  silencedRuleIds,
  type CorrelationEngine,
  type CorrelationHit,
  type CorrelationRule,
} from '../../core/detection/correlation/index.js';
import { loadRuleset, RuleEngine } from '../../core/detection/ruleset.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { REPO_ROOT, startTestRedis } from '../support/harness.js';

interface FixtureEvent {
  time: string;
  logsource: Record<string, string>;
  host: string;
  fields: Record<string, unknown>;
}

const fixture = (name: string): FixtureEvent => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/rules', `${name}.match.json`), 'utf8'));
const T0 = Date.UTC(2025, 2, 4, 10, 0, 0);
const MIN = 60_000;

describe('starter correlation rules with the starter detection rules (real Redis)', function () {
  this.timeout(30_000);
  let server: EmbeddedRedis;
  let redis: Redis;
  let matcher: RuleEngine;
  let rules: CorrelationRule[];
  let engine: CorrelationEngine;
  let seq = 0;
  const byTitle = (t: RegExp) => rules.find((r) => t.test(r.title))!;

  before(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url);
    const det = await loadRuleset(path.join(REPO_ROOT, 'rules'), { baseDir: REPO_ROOT });
    matcher = new RuleEngine(det.rules);
    const loaded = await loadCorrelationRules(path.join(REPO_ROOT, 'rules'), det.rules, { baseDir: REPO_ROOT });
    assert.deepEqual(loaded.errors, []);
    rules = loaded.rules;
    engine = createCorrelationEngine({ redis, rules });
  });
  after(async () => {
    redis?.disconnect();
    await server?.stop();
  });
  beforeEach(() => redis.flushdb());

  /** Runs events through the detection rules and returns the hits, as the pipeline would. */
  function hits(events: { base: FixtureEvent; atMs: number; fields?: Record<string, unknown>; host?: string }[]): CorrelationHit[] {
    const out: CorrelationHit[] = [];
    for (const e of events) {
      const fields = { ...e.base.fields, ...(e.fields ?? {}) };
      const id = `ev-${++seq}`;
      for (const rule of matcher.match({ logsource: e.base.logsource, fields })) {
        out.push({ ruleId: rule.id, event: { id, time: new Date(T0 + e.atMs).toISOString(), host: e.host ?? e.base.host, fields, agencyId: 'MOF' } });
      }
    }
    return out;
  }
  const times = (n: number, stepMs: number, make: (i: number) => { fields?: Record<string, unknown>; host?: string } = () => ({})) =>
    Array.from({ length: n }, (_, i) => ({ atMs: i * stepMs, ...make(i) }));

  it('SSH brute force: ten failures on one server within five minutes, not nine, not spread out', async () => {
    const ssh = fixture('lnx_sshd_failed_password');
    const mr = byTitle(/SSH Brute Force/);
    const f = await engine.observe(hits(times(10, 20_000).map((t) => ({ base: ssh, ...t }))));
    assert.deepEqual(f.map((x) => [x.rule.id, x.groupKey.host, x.value]), [[mr.id, 'bastion-01', 10]]);
    await redis.flushdb();
    assert.deepEqual(await engine.observe(hits(times(9, 20_000).map((t) => ({ base: ssh, ...t })))), []);
    await redis.flushdb();
    assert.deepEqual(await engine.observe(hits(times(10, MIN).map((t) => ({ base: ssh, ...t })))), []);
    // Two servers with five failures each are two groups.
    await redis.flushdb();
    assert.deepEqual(await engine.observe(hits(times(10, 10_000, (i) => ({ host: `srv-${i % 2}` })).map((t) => ({ base: ssh, ...t })))), []);
  });

  it('RDP: a burst of failures from one address fires the burst rule; five accounts fire password spraying', async () => {
    const rdp = fixture('win_security_rdp_failed_logon');
    const burst = byTitle(/Burst Of Failed RDP/);
    const spray = byTitle(/Password Spraying/);
    const f = await engine.observe(hits(times(10, 15_000).map((t) => ({ base: rdp, ...t }))));
    assert.deepEqual(f.map((x) => [x.rule.id, x.groupKey.IpAddress]), [[burst.id, '198.18.7.21']]);
    await redis.flushdb();
    const users = ['administrator', 'j.doe', 'a.nguyen', 'backup', 'svc-sql'];
    const g = await engine.observe(hits(times(5, 2 * MIN, (i) => ({ fields: { TargetUserName: users[i] } })).map((t) => ({ base: rdp, ...t }))));
    assert.deepEqual(g.map((x) => [x.rule.id, x.value]), [[spray.id, 5]]);
  });

  it('web scan: attacks on ten different URLs from one client, not ten on the same URL', async () => {
    const sqli = fixture('web_sql_injection_in_url');
    const xss = fixture('web_xss_in_url');
    const mr = byTitle(/Web Attack Scan/);
    const mixed = times(10, 5_000, (i) => ({ fields: { 'c-uri': `/page${i}.php` } })).map((t, i) => ({ base: i % 2 ? xss : sqli, ...t }));
    const f = await engine.observe(hits(mixed));
    assert.deepEqual(f.map((x) => [x.rule.id, x.groupKey['c-ip'], x.value]), [[mr.id, '203.0.113.45', 10]]);
    await redis.flushdb();
    assert.deepEqual(await engine.observe(hits(times(30, 5_000).map((t) => ({ base: sqli, ...t })))), []);
  });

  it('web login brute force: twenty rejected logins from one client', async () => {
    const login = fixture('web_login_bruteforce');
    const mr = byTitle(/Web Login Brute Force/);
    assert.deepEqual(await engine.observe(hits(times(19, 10_000).map((t) => ({ base: login, ...t })))), []);
    const f = await engine.observe(hits([{ base: login, atMs: 200_000 }]));
    assert.deepEqual(f.map((x) => x.rule.id), [mr.id]);
  });

  it('dropper then beacon: temp-folder executable, then a C2 lookup on the same host within 30 minutes, in that order', async () => {
    const dropper = fixture('win_proc_exec_from_temp_or_appdata');
    const beacon = fixture('dns_known_bad_c2_domain');
    const mr = byTitle(/Dropped Executable/);
    const f = await engine.observe(hits([{ base: beacon, atMs: 5 * MIN }, { base: dropper, atMs: 0 }]));
    assert.deepEqual(f.map((x) => [x.rule.id, x.groupKey.host, x.events.length]), [[mr.id, 'HR-PC-17', 2]]);
    assert.equal(f[0]!.rule.level, 'critical');
    await redis.flushdb();
    assert.deepEqual(await engine.observe(hits([{ base: beacon, atMs: 0 }, { base: dropper, atMs: MIN }])), [], 'wrong order');
    await redis.flushdb();
    assert.deepEqual(await engine.observe(hits([{ base: dropper, atMs: 0 }, { base: beacon, atMs: MIN, host: 'OTHER-PC' }])), [], 'other host');
    await redis.flushdb();
    assert.deepEqual(await engine.observe(hits([{ base: dropper, atMs: 0 }, { base: beacon, atMs: 31 * MIN }])), [], 'too late');
  });

  it('generate: the SSH and web-login single failures only feed their correlation; the others still alert', () => {
    const silenced = silencedRuleIds(rules);
    assert.deepEqual([...silenced].sort(), ['b84d9e0a-6b23-42de-987d-f7a43c3c16fa', 'f6b81990-bd55-4088-b56a-7270ada9b9d5']);
  });
});
