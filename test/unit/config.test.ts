import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, parseBytes } from '../../src/config/load.js';

describe('loadConfig', () => {
  it('runs on a laptop with no settings at all', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.maxFilesPerBatch, 100);
    assert.equal(config.maxFileBytes, 50 * 1024 * 1024);
    assert.ok(config.concurrency >= 1);
    assert.ok(Object.isFrozen(config));
  });
  it('reads FILEMILL_* variables, with units for sizes, and lets flags win', () => {
    const config = loadConfig({
      env: { FILEMILL_PORT: '9000', FILEMILL_MAX_FILE_BYTES: '2MiB', FILEMILL_CONCURRENCY: '3' },
      overrides: { port: '9100' },
    });
    assert.equal(config.port, 9100);
    assert.equal(config.maxFileBytes, 2 * 1024 * 1024);
    assert.equal(config.concurrency, 3);
  });
  it('reports every bad setting at once, one line each, naming the variable or flag', () => {
    assert.throws(
      () =>
        loadConfig({
          env: { FILEMILL_PORT: 'eighty', FILEMILL_SANDBOX: 'docker', FILEMILL_MAX_BATCH_BYTES: '1 lots' },
          overrides: { concurrency: '-1' },
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 4);
        assert.match(error.problems.join('\n'), /^FILEMILL_PORT: must be integer \(got "eighty"\)$/m);
        assert.match(
          error.problems.join('\n'),
          /^FILEMILL_SANDBOX: must be one of auto, bwrap, permission, none/m,
        );
        assert.match(error.problems.join('\n'), /^FILEMILL_MAX_BATCH_BYTES: must be a size/m);
        assert.match(error.problems.join('\n'), /^--concurrency: /m);
        return true;
      },
    );
  });
  it('refuses combinations that cannot work across nodes, naming the variables', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig({ env });
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    };
    assert.deepEqual(problems({ FILEMILL_QUEUE: 'bullmq' }), [
      'FILEMILL_QUEUE: bullmq needs FILEMILL_REDIS_URL',
      'FILEMILL_QUEUE: bullmq needs PostgreSQL (FILEMILL_DATABASE_URL): SQLite cannot be shared by several nodes',
    ]);
    assert.deepEqual(problems({ FILEMILL_QUEUE: 'bullmq', FILEMILL_REDIS_URL: 'redis://127.0.0.1:6379' }), [
      'FILEMILL_QUEUE: bullmq needs PostgreSQL (FILEMILL_DATABASE_URL): SQLite cannot be shared by several nodes',
    ]);
    assert.deepEqual(problems({ FILEMILL_REDIS_URL: 'http://127.0.0.1:6379' }), [
      'FILEMILL_REDIS_URL: must be a redis:// or rediss:// URL, or empty',
    ]);
    assert.match(problems({ FILEMILL_REDIS_PREFIX: 'a:b' }).join(), /^FILEMILL_REDIS_PREFIX: /);
    const node = loadConfig({
      env: {
        FILEMILL_QUEUE: 'bullmq',
        FILEMILL_REDIS_URL: 'redis://127.0.0.1:6379',
        FILEMILL_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        FILEMILL_CONCURRENCY: '0',
      },
    });
    assert.deepEqual([node.queue, node.redisPrefix, node.concurrency], ['bullmq', 'filemill', 0]);
    assert.equal(loadConfig({ env: { FILEMILL_MIGRATE: 'no' } }).migrate, false);
    assert.equal(loadConfig({ env: {} }).migrate, true);
    assert.match(problems({ FILEMILL_MIGRATE: 'maybe' }).join(), /^FILEMILL_MIGRATE: must be boolean/);
  });
  it('reads the limits on slow clients, with a unit for the upload rate', () => {
    const config = loadConfig({
      env: { FILEMILL_MIN_UPLOAD_RATE: '4KiB', FILEMILL_MAX_CONNECTIONS_PER_IP: '0' },
    });
    assert.equal(config.minUploadBytesPerSecond, 4096);
    assert.equal(config.maxConnectionsPerIp, 0);
    assert.equal(config.requestTimeoutMs, 3_600_000);
  });
  it('refuses a headers timeout longer than the request timeout, which Node cannot take', () => {
    assert.throws(
      () => loadConfig({ env: { FILEMILL_HEADERS_TIMEOUT_MS: '5000', FILEMILL_REQUEST_TIMEOUT_MS: '2000' } }),
      (error: ConfigError) =>
        error.problems.length === 1 && error.problems[0]!.startsWith('FILEMILL_HEADERS_TIMEOUT_MS'),
    );
  });
  it('refuses a database URL that is not PostgreSQL', () => {
    assert.throws(() => loadConfig({ env: { FILEMILL_DATABASE_URL: 'mysql://x' } }), /FILEMILL_DATABASE_URL/);
  });
});

describe('parseBytes', () => {
  it('understands plain bytes and binary and decimal units', () => {
    assert.equal(parseBytes('1024'), 1024);
    assert.equal(parseBytes('1.5KiB'), 1536);
    assert.equal(parseBytes('2 MB'), 2_000_000);
    assert.ok(Number.isNaN(parseBytes('12 bananas')));
  });
});
