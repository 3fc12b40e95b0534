import type { DriverFactory } from '../driver.js';
import { OpenstackDriver } from './openstack-driver.js';
import { OPENSTACK_SECRET_OPTIONS, openstackOptionsSchema } from './openstack-options.js';

export const openstackDriverFactory: DriverFactory = {
  provider: 'openstack',
  displayName: 'OpenStack',
  optionsSchema: openstackOptionsSchema,
  secretOptions: OPENSTACK_SECRET_OPTIONS,
  create: (context) => new OpenstackDriver(context),
};
