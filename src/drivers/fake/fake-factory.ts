import type { DriverFactory } from '../driver.js';
import { FakeDriver } from './fake-driver.js';
import { fakeOptionsSchema } from './fake-options.js';
import { SharedFakeDriver } from './fake-shared-driver.js';

export const fakeDriverFactory: DriverFactory = {
  provider: 'fake',
  displayName: 'Fake',
  optionsSchema: fakeOptionsSchema,
  // The shared table's URL may carry a password.
  secretOptions: ['shared'],
  create: (context) => (context.options.shared ? new SharedFakeDriver(context) : new FakeDriver(context)),
};
