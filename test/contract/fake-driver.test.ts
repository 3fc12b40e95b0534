import { fakeDriverFactory } from '../../src/drivers/fake/fake-factory.js';
import { describeDriverContract } from './driver-contract.js';
import { silentLogger } from '../support/silent-logger.js';

describeDriverContract('fake', async () => {
  const options = fakeDriverFactory.optionsSchema.validate({ bootDelayMs: 50, stopDelayMs: 20, destroyDelayMs: 20 }).value;
  const driver = fakeDriverFactory.create({ cloudName: 'contract', options, logger: silentLogger });
  return { driver, imageId: 'img-ubuntu-24', sizeId: 'small', keyName: 'default', idempotentCreate: true, close: async () => {} };
});
