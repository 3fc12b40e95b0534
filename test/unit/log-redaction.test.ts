// Every secret option of every registered driver, in a real config: the logger main builds
// (redaction paths from the drivers' secretOptions) and the status view of the config show none
// of the values. A driver added to the registry without sample options here fails the test.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { redactConfig } from '../../src/admin/config-redact.js';
import { buildConfig } from '../../src/config/config-loader.js';
import { secretOptionsOf } from '../../src/drivers/driver-plugin.js';
import { DRIVERS } from '../../src/drivers/driver-registry.js';
import { createLogger } from '../../src/log/log-factory.js';
import { CloudPool } from '../../src/pool/cloud-pool.js';
import { silentLogger } from '../support/silent-logger.js';

const secret = (driver: string, key: string) => `S3CR3T-${driver}-${key}`;

/** Valid options per driver, every secret option set in one of them (OpenStack's two are exclusive). */
const SAMPLES: Record<string, Array<Record<string, unknown>>> = {
  ec2: [
    {
      region: 'eu-west-1',
      accessKeyId: secret('ec2', 'accessKeyId'),
      secretAccessKey: secret('ec2', 'secretAccessKey'),
      sessionToken: secret('ec2', 'sessionToken'),
    },
  ],
  openstack: [
    { authUrl: 'https://keystone.example/v3', username: 'u', projectName: 'p', password: secret('openstack', 'password') },
    { authUrl: 'https://keystone.example/v3', applicationCredentialId: 'ac', applicationCredentialSecret: secret('openstack', 'applicationCredentialSecret') },
  ],
  fake: [{ seed: 7 }, { seed: 8, shared: { databaseUrl: `postgres://demo:${secret('fake', 'shared')}@127.0.0.1:5432/demo` } }],
};

function everySecretConfig() {
  const clouds = [...DRIVERS.keys()].flatMap((driver) => {
    const samples = SAMPLES[driver];
    assert.ok(samples, `no sample options for driver ${driver}: add them to SAMPLES`);
    return samples.map((options, i) => ({ name: `${driver}-${i}`, driver, options }));
  });
  const values = [...DRIVERS.values()].flatMap((plugin) => plugin.secretOptions.map((key) => secret(plugin.provider, key)));
  const sampled = JSON.stringify(clouds);
  for (const value of values) assert.ok(sampled.includes(value), `the samples set ${value}`);
  return { config: buildConfig({ clouds }, DRIVERS), values };
}

describe('secrets of every driver', () => {
  it('covers the options each factory declares secret (EC2 accessKeyId included)', () => {
    assert.ok(secretOptionsOf(DRIVERS).includes('accessKeyId'));
    assert.deepEqual(secretOptionsOf(DRIVERS), [...new Set([...DRIVERS.values()].flatMap((p) => p.secretOptions))].sort());
  });

  it('are redacted from the log: a cloud logged whole or its options alone', () => {
    const { config, values } = everySecretConfig();
    const sink = new PassThrough();
    let output = '';
    sink.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // As main.ts builds it.
    const logger = createLogger('info', { destination: sink, secretOptions: secretOptionsOf(DRIVERS) });
    for (const cloud of config.clouds) {
      logger.info({ cloud }, 'cloud configured');
      logger.warn({ cloud: cloud.name, options: cloud.options }, 'cloud options');
    }
    const lines = output.trim().split('\n');
    assert.equal(lines.length, config.clouds.length * 2);
    for (const value of values) assert.equal(output.includes(value), false, `${value} is in the log`);
    assert.match(output, /"region":"eu-west-1"/, 'options that are no secret are logged');
    assert.match(output, /"accessKeyId":"\[redacted\]"/);
  });

  it('are redacted from the configuration status shows', () => {
    const { config, values } = everySecretConfig();
    const pool = new CloudPool(config.clouds, silentLogger, DRIVERS);
    const shown = JSON.stringify(redactConfig(config, (driver) => pool.secretOptions(driver)));
    for (const value of values) assert.equal(shown.includes(value), false, `${value} is shown`);
    assert.match(shown, /"authUrl":"https:\/\/keystone.example\/v3"/);
  });
});
