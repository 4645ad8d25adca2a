/**
 * The settings of access from browsers and the network (FILEMILL_AUTH, FILEMILL_ALLOWED_HOSTS,
 * FILEMILL_CORS_ORIGINS) as they are read, and the host names the bind rule and the Host
 * check judge.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { cannotBeRebound, hostHeaderName, isLoopbackHost } from '../../src/http/host-names.js';

describe('the access settings', () => {
  it('default to keys, no extra host names and no CORS', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.auth, 'keys');
    assert.deepEqual(config.allowedHosts, []);
    assert.deepEqual(config.corsOrigins, []);
  });

  it('read comma-separated lists in the form requests are compared with', () => {
    const config = loadConfig({
      env: {
        FILEMILL_AUTH: 'none',
        FILEMILL_ALLOWED_HOSTS: ' Files.Example.com. , intranet,,',
        FILEMILL_CORS_ORIGINS: 'https://App.example.com:443/, http://localhost:5173',
      },
    });
    assert.equal(config.auth, 'none');
    assert.deepEqual(config.allowedHosts, ['files.example.com', 'intranet']);
    assert.deepEqual(config.corsOrigins, ['https://app.example.com', 'http://localhost:5173']);
  });

  it('refuses entries that are not host names or origins, each on its own line', () => {
    assert.throws(
      () =>
        loadConfig({
          env: {
            FILEMILL_AUTH: 'off',
            FILEMILL_ALLOWED_HOSTS: 'https://files.example.com,files.example.com:8080',
            FILEMILL_CORS_ORIGINS: 'https://app.example.com/page,*,ftp://files.example.com',
          },
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const lines = error.problems.join('\n');
        assert.equal(error.problems.length, 6, lines);
        assert.match(lines, /^FILEMILL_AUTH: must be one of keys, none \(got "off"\)$/m);
        assert.match(lines, /^FILEMILL_ALLOWED_HOSTS: each entry must be a host name .*\(got "https:/m);
        assert.match(lines, /^FILEMILL_ALLOWED_HOSTS: .*\(got "files\.example\.com:8080"\)$/m);
        assert.match(lines, /^FILEMILL_CORS_ORIGINS: each entry must be an origin.*\(got "\*"\)$/m);
        return true;
      },
    );
  });
});

describe('host names', () => {
  it('counts 127.0.0.0/8, ::1 and localhost as loopback, and nothing else', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      'localhost',
      'LOCALHOST',
      '::ffff:127.0.0.1',
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '192.168.1.10',
      '10.0.0.1',
      'files.example.com',
      'localhost.example.com',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('reads the name of a Host header without its port, case or final dot', () => {
    assert.equal(hostHeaderName('Files.Example.com.:8080'), 'files.example.com');
    assert.equal(hostHeaderName('localhost'), 'localhost');
    assert.equal(hostHeaderName('[::1]:80'), '::1');
    assert.equal(hostHeaderName('127.0.0.1:8080'), '127.0.0.1');
    assert.equal(hostHeaderName('evil.example/x'), null);
    assert.equal(hostHeaderName('user@evil.example'), null);
    assert.equal(hostHeaderName(''), null);
  });

  it('knows which names no DNS answer can put in a browser request', () => {
    for (const name of ['127.0.0.1', '192.168.1.10', '::1', 'localhost', 'app.localhost']) {
      assert.equal(cannotBeRebound(name), true, name);
    }
    for (const name of ['evil.example', 'localhost.evil.example', 'files.example.com']) {
      assert.equal(cannotBeRebound(name), false, name);
    }
  });
});
