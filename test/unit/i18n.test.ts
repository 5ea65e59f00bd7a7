import assert from 'node:assert/strict';
import { en } from '../../web/src/i18n/en.js';
import { vi } from '../../web/src/i18n/vi.js';

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

describe('console translations', () => {
  it('Vietnamese has exactly the keys of English', () => {
    const enKeys = Object.keys(en).sort();
    const viKeys = Object.keys(vi).sort();
    assert.deepEqual(
      viKeys.filter((k) => !(k in en)),
      [],
      'keys in vi.ts that en.ts does not have',
    );
    assert.deepEqual(
      enKeys.filter((k) => !(k in vi)),
      [],
      'keys of en.ts missing from vi.ts',
    );
    assert.equal(viKeys.length, enKeys.length);
  });

  it('every Vietnamese message has the same {placeholders} as the English one', () => {
    const enMessages = en as Record<string, string>;
    const viMessages = vi as Record<string, string>;
    const mismatches = Object.keys(en)
      .filter((k) => JSON.stringify(placeholders(enMessages[k]!)) !== JSON.stringify(placeholders(viMessages[k] ?? '')))
      .map((k) => `${k}: en {${placeholders(enMessages[k]!).join(',')}} vi {${placeholders(viMessages[k] ?? '').join(',')}}`);
    assert.deepEqual(mismatches, []);
  });

  it('every Vietnamese message is a non-empty string', () => {
    const empty = Object.entries(vi as Record<string, unknown>).filter(([, v]) => typeof v !== 'string' || !v.trim());
    assert.deepEqual(empty, []);
  });

  it('plural families are complete in both languages (vi-VN has only "other"; "_one" is kept)', () => {
    const families = (d: object) => Object.keys(d).filter((k) => k.endsWith('_other')).map((k) => k.slice(0, -'_other'.length));
    assert.deepEqual(families(vi).sort(), families(en).sort());
    assert.deepEqual(new Intl.PluralRules('vi-VN').resolvedOptions().pluralCategories, ['other']);
  });
});
