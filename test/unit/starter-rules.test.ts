import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventSchema } from '../../core/domain/event.js';
import type { CompiledRule, Ruleset } from '../../core/detection/rule.js';
import { loadRuleset, RuleEngine } from '../../core/detection/ruleset.js';
import { ENISA_CLASSES } from '../../core/detection/taxonomy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rulesDir = path.join(root, 'rules');
const fixturesDir = path.join(root, 'test/fixtures/rules');

function readFixture(name: string): { logsource: Record<string, string>; fields: Record<string, unknown> } | null {
  const file = path.join(fixturesDir, name);
  if (!fs.existsSync(file)) return null;
  const event = JSON.parse(fs.readFileSync(file, 'utf8'));
  // Fixtures are events exactly as an agent posts them.
  eventSchema.parse(event);
  return event;
}

describe('starter Sigma rules', () => {
  let ruleset: Ruleset;
  let engine: RuleEngine;

  before(async () => {
    ruleset = await loadRuleset(rulesDir, { baseDir: root });
    engine = new RuleEngine(ruleset.rules);
  });

  it('all load without errors', () => {
    assert.deepEqual(ruleset.errors, []);
    assert.ok(ruleset.rules.length >= 20, `only ${ruleset.rules.length} rules`);
  });

  it('have unique UUIDv4 ids, Vigil metadata, ATT&CK tags and an explicit ENISA taxonomy', () => {
    const uuid4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const ids = new Set<string>();
    for (const r of ruleset.rules) {
      assert.match(r.id, uuid4, `${r.file}: id`);
      assert.ok(!ids.has(r.id), `${r.file}: duplicate id`);
      ids.add(r.id);
      assert.equal(r.author, 'Vigil', `${r.file}: author`);
      assert.ok(r.tags.some((t) => /^attack\.t\d{4}/.test(t)), `${r.file}: no ATT&CK technique tag`);
      assert.ok((ENISA_CLASSES as readonly string[]).includes(r.category), `${r.file}: category ${r.category}`);
      assert.ok(r.falsepositives.length > 0, `${r.file}: falsepositives`);
      assert.match(r.file, /^rules\/sigma\/[a-z]+\/[a-z0-9_]+\.yml$/, `${r.file}: location`);
      const text = fs.readFileSync(path.join(root, r.file), 'utf8');
      assert.match(text, /^taxonomy: [a-z-]+$/m, `${r.file}: explicit taxonomy`);
    }
  });

  it('every rule has a match and a nomatch fixture', () => {
    const missing: string[] = [];
    for (const r of ruleset.rules) {
      const base = path.basename(r.file).replace(/\.ya?ml$/, '');
      for (const kind of ['match', 'nomatch']) {
        if (!fs.existsSync(path.join(fixturesDir, `${base}.${kind}.json`))) missing.push(`${base}.${kind}.json`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('the starter set exercises the main Sigma constructs', () => {
    const texts = ruleset.rules.map((r) => fs.readFileSync(path.join(root, r.file), 'utf8')).join('\n');
    for (const needle of ['1 of ', 'all of ', ' not ', '|re', '|all', ': null', '|cidr', '|windash', '|base64offset', 'keywords:']) {
      assert.ok(texts.includes(needle), `no starter rule uses '${needle}'`);
    }
  });

  // One test per rule, so a failure names the rule.
  describe('fixtures', () => {
    const ruleFiles: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        // Correlation rules have no events of their own; test/integration/correlation-starter.test.ts covers them.
        if (e.isDirectory()) {
          if (e.name !== 'correlation') walk(full);
        } else if (/\.ya?ml$/.test(e.name)) ruleFiles.push(full);
      }
    };
    walk(path.join(rulesDir, 'sigma'));
    ruleFiles.sort();

    for (const file of ruleFiles) {
      const base = path.basename(file).replace(/\.ya?ml$/, '');
      it(`${base}: match fixture fires it, nomatch fixture does not`, () => {
        const rel = path.relative(root, file).split(path.sep).join('/');
        const rule = ruleset.rules.find((r: CompiledRule) => r.file === rel);
        assert.ok(rule, `${rel} did not load`);
        const hit = readFixture(`${base}.match.json`);
        const miss = readFixture(`${base}.nomatch.json`);
        assert.ok(hit, `missing fixture ${base}.match.json`);
        assert.ok(miss, `missing fixture ${base}.nomatch.json`);
        assert.ok(
          engine.match(hit).some((r) => r.id === rule.id),
          `${base}.match.json does not fire ${rule.id}`,
        );
        assert.ok(
          !engine.match(miss).some((r) => r.id === rule.id),
          `${base}.nomatch.json fires ${rule.id}`,
        );
      });
    }
  });
});
