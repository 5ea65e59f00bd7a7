import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../core/config/config.js';

describe('config', () => {
  it('has working defaults for the embedded mode', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, path.resolve('./data'));
    assert.equal(c.rulesDir, path.resolve('./rules'));
    assert.equal(c.redisUrl, null);
    assert.equal(c.mongodbUri, null);
    assert.equal(c.role, 'all');
    assert.deepEqual({ ...c.ingest }, { maxEvents: 5000, maxBytes: 5 * 1024 * 1024, queueHighWater: 2000 });
    assert.equal(c.suppressionMs, 600_000);
    assert.ok(Object.isFrozen(c));
  });

  it('reads every key it documents', () => {
    const c = loadConfig({
      PORT: '9000',
      DATA_DIR: '/tmp/v',
      REDIS_URL: 'redis://r:6379',
      MONGODB_URI: 'mongodb://m/vigil',
      RULES_DIR: '/etc/vigil/rules',
      VIGIL_ROLE: 'worker',
      VIGIL_ADMIN_PASSWORD: 'long-enough-pw',
      INGEST_MAX_EVENTS: '10',
      INGEST_MAX_BYTES: '1000',
      COOKIE_SECURE: 'true',
    });
    assert.equal(c.port, 9000);
    assert.equal(c.redisUrl, 'redis://r:6379');
    assert.equal(c.mongodbUri, 'mongodb://m/vigil');
    assert.equal(c.rulesDir, '/etc/vigil/rules');
    assert.equal(c.role, 'worker');
    assert.equal(c.adminPassword, 'long-enough-pw');
    assert.equal(c.ingest.maxEvents, 10);
    assert.equal(c.ingest.maxBytes, 1000);
    assert.equal(c.cookieSecure, true);
  });

  it('treats empty values as unset', () => {
    assert.equal(loadConfig({ PORT: '', REDIS_URL: '' }).port, 8080);
  });

  it('lists every bad key at once', () => {
    try {
      loadConfig({ PORT: 'eighty', VIGIL_ROLE: 'boss', REDIS_URL: 'http://x', INGEST_MAX_EVENTS: '-1', VIGIL_ADMIN_PASSWORD: 'short' });
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems.map((p) => p.key).sort(), ['INGEST_MAX_EVENTS', 'PORT', 'REDIS_URL', 'VIGIL_ADMIN_PASSWORD', 'VIGIL_ROLE']);
      assert.match(err.message, /REDIS_URL: must start with redis:\/\//);
    }
  });
});
