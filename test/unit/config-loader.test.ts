import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildConfig, ConfigError, loadConfig } from '../../src/config/config-loader.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'dispatcher-config-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function refused(fn: () => unknown, key: string, reason?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.key, key);
    if (reason) assert.match(err.message, reason);
    return true;
  });
}

describe('config loader', () => {
  it('serves two fake clouds, default and fake-east, with no configuration at all', () => {
    const config = loadConfig(DRIVERS, {});
    assert.deepEqual(config.clouds.map((c) => [c.name, c.driver, c.default]), [['default', 'fake', true], ['fake-east', 'fake', false]]);
    assert.equal(config.server.port, 5070);
    assert.equal(config.server.host, '127.0.0.1');
    assert.deepEqual(config.clouds.map((c) => c.listCacheMs), [1_000, 1_000]);
    assert.match(config.database.url, /^sqlite:.*data\//);
    assert.ok(Object.isFrozen(config.clouds[0]));
  });

  it('reads YAML and JSON files named by DISPATCHER_CONFIG, with env overrides on top', () => {
    const yaml = file('c.yaml', 'server:\n  port: 6000\nclouds:\n  - name: one\n    driver: fake\n    aliases: [uno]\n');
    const config = loadConfig(DRIVERS, { DISPATCHER_CONFIG: yaml, DISPATCHER_PORT: '7000', LOG_LEVEL: 'debug' });
    assert.equal(config.server.port, 7000);
    assert.equal(config.log.level, 'debug');
    assert.deepEqual(config.clouds[0].aliases, ['uno']);
    const json = file('c.json', JSON.stringify({ clouds: [{ name: 'two', driver: 'fake', options: { latencyMs: 5 } }] }));
    assert.equal(loadConfig(DRIVERS, { DISPATCHER_CONFIG: json }).clouds[0].options.latencyMs, 5);
  });

  it('reads *_FILE secrets from the environment and <key>File secrets from the file', () => {
    const secret = file('pw', 'from-a-file\n');
    assert.equal(loadConfig(DRIVERS, { DISPATCHER_ADMIN_PASSWORD_FILE: secret }).auth.adminPassword, 'from-a-file');
    const config = buildConfig({ cistern: { url: 'http://127.0.0.1:5071/api/v1', tokenFile: secret }, clouds: [{ name: 'a', driver: 'fake' }] }, DRIVERS);
    assert.equal(config.cistern?.token, 'from-a-file');
    refused(() => loadConfig(DRIVERS, { DATABASE_URL_FILE: join(dir, 'missing') }), 'DATABASE_URL_FILE', /cannot read/);
  });

  it('names the key and the reason when the configuration is bad', () => {
    refused(() => buildConfig({ server: { port: 'x' }, clouds: [{ name: 'a', driver: 'fake' }] }, DRIVERS), 'server.port', /must be a number/);
    refused(() => buildConfig({ clouds: [{ name: 'a', driver: 'azure' }] }, DRIVERS), 'clouds[0].driver', /unknown driver "azure"/);
    refused(() => buildConfig({ clouds: [{ name: 'a', driver: 'fake', options: { latencyMs: -1 } }] }, DRIVERS), 'clouds[0].options.latencyMs');
    refused(() => buildConfig({ clouds: [{ name: 'a', driver: 'fake' }, { name: 'b', driver: 'fake', aliases: ['a'] }] }, DRIVERS), 'clouds[1].aliases[0]', /already used/);
    refused(() => buildConfig({ clouds: [] }, DRIVERS), 'clouds', /at least 1/);
    refused(() => buildConfig({ clouds: [{ name: 'a', driver: 'fake', listCacheMs: -1 }] }, DRIVERS), 'clouds[0].listCacheMs', /greater than or equal to 0/);
    refused(() => buildConfig({ clouds: [{ name: 'a', driver: 'fake', listCacheMs: 3_600_000 }] }, DRIVERS), 'clouds[0].listCacheMs', /less than or equal to 60000/);
    refused(() => buildConfig({ clouds: [{ name: 'a', driver: 'fake' }], database: { url: 'mysql://x' } }, DRIVERS), 'database.url');
    refused(() => buildConfig({ clouds: [{ name: 'a', driver: 'fake' }], bogus: 1 }, DRIVERS), 'bogus', /not allowed/);
    refused(() => loadConfig(DRIVERS, { DISPATCHER_CONFIG: file('bad.yaml', 'clouds: [') }), 'DISPATCHER_CONFIG', /does not parse/);
  });
});
