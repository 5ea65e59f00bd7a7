import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileMappingSource, createEventNormalizer, normalizerFromMappings } from '../../core/detection/mappings/index.js';
import { RuleEngine } from '../../core/detection/ruleset.js';
import { compileRuleSource } from '../../core/detection/sigma/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const normalizer = createEventNormalizer(path.join(root, 'rules', 'mappings'), { baseDir: root });

function evtx(system: Record<string, unknown>, data: Record<string, unknown>, section = 'EventData') {
  return {
    logsource: {},
    fields: {
      Event: {
        '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
        System: {
          Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}' } },
          EventID: 1,
          Channel: 'Microsoft-Windows-Sysmon/Operational',
          Computer: 'mof-ws-114',
          Execution: { '#attributes': { ProcessID: 3208, ThreadID: 1724 } },
          Security: { '#attributes': { UserID: 'S-1-5-18' } },
          Correlation: null,
          ...system,
        },
        [section]: data,
      },
    },
  };
}

describe('field mappings: the repository mappings (rules/mappings)', () => {
  it('load without errors', () => {
    assert.deepEqual(normalizer.errors, []);
    assert.ok(normalizer.mappings.length >= 2);
  });

  it('flatten Windows event log JSON: System values, System attributes as <Element>_<Attribute>, EventData by name', () => {
    const e = normalizer.normalize(evtx({}, { Image: 'C:\\Windows\\System32\\cmd.exe', ProcessId: 6400, CommandLine: 'cmd /c whoami' }));
    assert.deepEqual(e.logsource, { product: 'windows', category: 'process_creation', service: 'sysmon' });
    assert.equal(e.fields.EventID, 1);
    assert.equal(e.fields.Channel, 'Microsoft-Windows-Sysmon/Operational');
    assert.equal(e.fields.Computer, 'mof-ws-114');
    assert.equal(e.fields.Provider_Name, 'Microsoft-Windows-Sysmon');
    assert.equal(e.fields.Execution_ProcessID, 3208);
    assert.equal(e.fields.Security_UserID, 'S-1-5-18');
    assert.equal(e.fields.ProcessId, 6400, 'numbers stay numbers');
    assert.equal(e.fields.Image, 'C:\\Windows\\System32\\cmd.exe');
    assert.equal(e.fields.Event, undefined, 'the nested original is removed');
  });

  it('map Sysmon event IDs to their Sigma categories', () => {
    const cat = (id: number, data: Record<string, unknown> = {}) => normalizer.normalize(evtx({ EventID: id }, data)).logsource.category;
    assert.equal(cat(1), 'process_creation');
    assert.equal(cat(3), 'network_connection');
    assert.equal(cat(7), 'image_load');
    assert.equal(cat(11), 'file_event');
    assert.equal(cat(13), 'registry_set');
    assert.equal(cat(12, { EventType: 'CreateKey' }), 'registry_add');
    assert.equal(cat(12, { EventType: 'DeleteValue' }), 'registry_delete');
    assert.equal(cat(17), 'pipe_created');
    assert.equal(cat(22), 'dns_query');
    assert.equal(cat(16), 'sysmon_status');
    assert.equal(cat(999), undefined);
    assert.equal(normalizer.normalize(evtx({ EventID: 999 }, {})).logsource.service, 'sysmon');
  });

  it('registry events also belong to registry_event, and the engine routes them there too', () => {
    const e = normalizer.normalize(evtx({ EventID: 13 }, { EventType: 'SetValue', TargetObject: 'HKLM\\Software\\x\\Run\\evil', Details: 'C:\\evil.exe' }));
    assert.deepEqual(e.alsoLogsources, [{ product: 'windows', category: 'registry_event', service: 'sysmon' }]);
    const rule = (category: string) =>
      compileRuleSource(
        `title: ${category}\nid: ${category}\nlogsource:\n    product: windows\n    category: ${category}\ndetection:\n    sel:\n        TargetObject|contains: '\\Run\\'\n    condition: sel\n`,
        `${category}.yml`,
      ).rules[0]!.rule;
    const engine = new RuleEngine([rule('registry_event'), rule('registry_set'), rule('registry_add')]);
    assert.deepEqual(engine.match(e).map((r) => r.id), ['registry_event', 'registry_set']);
  });

  it('Security channel: service security; 4688 also process_creation with the Sigma field names', () => {
    const sec = (id: number, data: Record<string, unknown>) =>
      normalizer.normalize(evtx({ EventID: id, Channel: 'Security', Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } } }, data));
    const logon = sec(4624, { TargetUserName: 'bob' });
    assert.deepEqual(logon.logsource, { product: 'windows', service: 'security' });
    const proc = sec(4688, { NewProcessName: 'C:\\Windows\\System32\\whoami.exe', ParentProcessName: 'C:\\Windows\\explorer.exe' });
    assert.deepEqual(proc.logsource, { product: 'windows', category: 'process_creation', service: 'security' });
    assert.equal(proc.fields.Image, 'C:\\Windows\\System32\\whoami.exe');
    assert.equal(proc.fields.NewProcessName, 'C:\\Windows\\System32\\whoami.exe');
    assert.equal(proc.fields.ParentImage, 'C:\\Windows\\explorer.exe');
  });

  it("field names with spaces are also given without them ('Source Name' → SourceName)", () => {
    const e = normalizer.normalize(
      evtx({ EventID: 1119, Channel: 'Microsoft-Windows-Windows Defender/Operational' }, { 'Source Name': 'Real-Time Protection', 'Threat Name': 'EICAR' }),
    );
    assert.deepEqual(e.logsource, { product: 'windows', service: 'windefend' });
    assert.equal(e.fields.SourceName, 'Real-Time Protection');
    assert.equal(e.fields['Source Name'], 'Real-Time Protection');
    assert.equal(e.fields.ThreatName, 'EICAR');
  });

  it('UserData (one element of values), <Data Name=...> lists and attributes on EventID are flattened', () => {
    const wmi = normalizer.normalize(
      evtx({ EventID: 5858, Channel: 'Microsoft-Windows-WMI-Activity/Operational' }, { Operation_ClientFailure: { '#attributes': { xmlns: 'x' }, Operation: 'ExecMethod', ClientProcessId: 25920 } }, 'UserData'),
    );
    assert.deepEqual(wmi.logsource, { product: 'windows', service: 'wmi' });
    assert.equal(wmi.fields.Operation, 'ExecMethod');
    assert.equal(wmi.fields.ClientProcessId, 25920);
    const sys = normalizer.normalize(
      evtx(
        { EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7045 }, Channel: 'System' },
        { Data: [{ '#attributes': { Name: 'ServiceName' }, '#text': 'evil' }, { '#attributes': { Name: 'ImagePath' }, '#text': 'C:\\evil.exe' }] },
      ),
    );
    assert.deepEqual(sys.logsource, { product: 'windows', service: 'system' });
    assert.equal(sys.fields.EventID, 7045);
    assert.equal(sys.fields.EventID_Qualifiers, 16384);
    assert.equal(sys.fields.ServiceName, 'evil');
    assert.equal(sys.fields.ImagePath, 'C:\\evil.exe');
  });

  it('flat Windows events that already carry Channel and EventID get their logsource too', () => {
    const e = normalizer.normalize({ logsource: { product: 'windows' }, fields: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: '3', Image: 'x' } });
    assert.deepEqual(e.logsource, { product: 'windows', category: 'network_connection', service: 'sysmon' });
  });

  it('events no mapping handles come back as the same object; the input is never modified', () => {
    const plain = { logsource: { product: 'linux', service: 'auth' }, fields: { message: 'Failed password for root' } };
    assert.equal(normalizer.normalize(plain), plain);
    const already = { logsource: { product: 'windows', category: 'process_creation', service: 'sysmon' }, fields: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 } };
    assert.equal(normalizer.normalize(already), already);
    const raw = evtx({}, { Image: 'x' });
    const copy = JSON.parse(JSON.stringify(raw));
    const out = normalizer.normalize({ ...raw, host: 'h1', id: 'e1' } as typeof raw & { host: string; id: string });
    assert.deepEqual(raw, copy);
    assert.equal(out.host, 'h1', 'other properties are kept');
  });
});

describe('field mappings: documents', () => {
  it('report invalid documents with file and line', () => {
    const text = [
      'title: Broken',
      'flatten:',
      '    - from: Event.System',
      '      attributes: "{element}"',
      'logsources:',
      '    - when: {}',
      '      logsource: { product: windows }',
      'spaces: sometimes',
    ].join('\n');
    const res = compileMappingSource(text, 'rules/mappings/broken.yml');
    assert.equal(res.mappings.length, 0);
    const byLine = res.errors.map((e) => [e.line, e.message]);
    assert.ok(byLine.some(([l, m]) => l === 4 && String(m).includes("'{attribute}'")), JSON.stringify(byLine));
    assert.ok(byLine.some(([l, m]) => l === 6 && String(m).includes("'when' needs at least one field")), JSON.stringify(byLine));
    assert.ok(byLine.some(([l, m]) => l === 8 && String(m).includes('spaces')), JSON.stringify(byLine));
    assert.match(compileMappingSource('title: x\nunknown: 1\nspaces: strip\n', 'f.yml').errors[0]!.message, /unknown|unrecognized/i);
    assert.match(compileMappingSource('title: x\n', 'f.yml').errors[0]!.message, /does nothing/);
    assert.match(compileMappingSource('title: [x\n', 'f.yml').errors[0]!.message, /YAML syntax error/);
  });

  it('apply in order; a later document sees what an earlier one produced; first matching entry wins', () => {
    const a = compileMappingSource(
      'title: a\norder: 1\nwhen:\n    fields: [raw]\nflatten:\n    - from: raw\nremove: [raw]\nlogsource:\n    product: acme\n',
      'a.yml',
    );
    const b = compileMappingSource(
      [
        'title: b',
        'order: 2',
        'when:',
        '    logsource: { product: acme }',
        'fieldmappings:',
        '    SourceIp: src',
        'logsources:',
        '    - when: { kind: [login, LOGOUT], ok: false }',
        '      logsource: { category: authentication, service: acme-auth }',
        '    - when: { kind: login }',
        '      logsource: { service: acme-auth }',
      ].join('\n'),
      'b.yml',
    );
    assert.deepEqual([...a.errors, ...b.errors], []);
    const n = normalizerFromMappings([...b.mappings, ...a.mappings]);
    const out = n.normalize({ logsource: {}, fields: { raw: { kind: 'Login', ok: false, src: '10.0.0.1' } } });
    assert.deepEqual(out.logsource, { product: 'acme', category: 'authentication', service: 'acme-auth' });
    assert.deepEqual(out.fields, { kind: 'Login', ok: false, src: '10.0.0.1', SourceIp: '10.0.0.1' });
    const ok = n.normalize({ logsource: {}, fields: { raw: { kind: 'login', ok: true } } });
    assert.deepEqual(ok.logsource, { product: 'acme', service: 'acme-auth' });
  });

  it('a missing directory gives a normalizer that changes nothing; broken files are reported and skipped', () => {
    const none = createEventNormalizer(path.join(os.tmpdir(), 'vigil-no-such-mappings-dir'));
    assert.deepEqual(none.errors, []);
    const e = { logsource: {}, fields: { Event: { System: {} } } };
    assert.equal(none.normalize(e), e);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-mappings-'));
    try {
      fs.writeFileSync(path.join(dir, 'good.yml'), 'title: good\nspaces: strip\n');
      fs.writeFileSync(path.join(dir, 'bad.yml'), 'title: bad\nspaces: 3\n');
      const n = createEventNormalizer(dir, { baseDir: dir });
      assert.equal(n.mappings.length, 1);
      assert.deepEqual(n.errors.map((x) => [x.file, x.line]), [['bad.yml', 2]]);
      assert.deepEqual(n.normalize({ logsource: {}, fields: { 'A B': 1 } }).fields, { 'A B': 1, AB: 1 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
