import { defineDriver } from '../driver-plugin.js';
import { FakeDriver } from './fake-driver.js';
import { fakeOptionsSchema, type FakeOptions } from './fake-options.js';
import { SharedFakeDriver } from './fake-shared-driver.js';

export const fakeDriverFactory = defineDriver<FakeOptions>({
  provider: 'fake',
  displayName: 'Fake',
  optionsSchema: fakeOptionsSchema,
  // The shared table's URL may carry a password.
  secretOptions: ['shared'],
  create: (context) => (context.options.shared ? new SharedFakeDriver(context) : new FakeDriver(context)),
});
