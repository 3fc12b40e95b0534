import { defineDriver } from '../driver-plugin.js';
import { OpenstackDriver } from './openstack-driver.js';
import { OPENSTACK_SECRET_OPTIONS, openstackOptionsSchema, type OpenstackOptions } from './openstack-options.js';

export const openstackDriverFactory = defineDriver<OpenstackOptions>({
  provider: 'openstack',
  displayName: 'OpenStack',
  optionsSchema: openstackOptionsSchema,
  secretOptions: OPENSTACK_SECRET_OPTIONS,
  create: (context) => new OpenstackDriver(context),
});
