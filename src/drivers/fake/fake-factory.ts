import type { DriverFactory } from '../driver.js';
import { FakeDriver } from './fake-driver.js';
import { fakeOptionsSchema } from './fake-options.js';

export const fakeDriverFactory: DriverFactory = {
  provider: 'fake',
  displayName: 'Fake',
  optionsSchema: fakeOptionsSchema,
  secretOptions: [],
  create: (context) => new FakeDriver(context),
};
