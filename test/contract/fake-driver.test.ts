import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { fakeDriverFactory } from '../../src/drivers/fake/fake-factory.js';
import { describeDriverContract } from './driver-contract.js';
import { silentLogger } from '../support/silent-logger.js';
import { postgresUrl } from '../support/store-backends.js';

const FAST = { bootDelayMs: 50, stopDelayMs: 20, destroyDelayMs: 20 };

function fake(raw: Record<string, unknown>) {
  const { value, error } = fakeDriverFactory.optionsSchema.validate({ ...FAST, ...raw });
  if (error) throw error;
  return fakeDriverFactory.create({ cloudName: 'contract', options: value, logger: silentLogger });
}

describeDriverContract('fake', async () => {
  const driver = fake({});
  return { driver, imageId: 'img-ubuntu-24', sizeId: 'small', keyName: 'default', idempotentCreate: true, close: async () => {} };
});

// The same contract with the VMs in a PostgreSQL table (the cloud several processes share).
const url = postgresUrl();
if (url) {
  describeDriverContract('fake, shared through PostgreSQL', async () => {
    const table = `fake_contract_${randomBytes(6).toString('hex')}`;
    const driver = fake({ shared: { databaseUrl: url, table } });
    const close = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop table if exists ${table}`);
      await client.end();
    };
    return { driver, imageId: 'img-ubuntu-24', sizeId: 'small', keyName: 'default', idempotentCreate: true, close };
  });
}
