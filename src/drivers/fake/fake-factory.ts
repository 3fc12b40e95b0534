import { defineDriver } from '../driver-plugin.js';
import { FakeDriver } from './fake-driver.js';
import { fakeOptionsSchema, type FakeOptions } from './fake-options.js';

export const fakeDriverFactory = defineDriver<FakeOptions>({
  provider: 'fake',
  displayName: 'Fake',
  optionsSchema: fakeOptionsSchema,
  secretOptions: [],
  create: (context) => new FakeDriver(context),
});
