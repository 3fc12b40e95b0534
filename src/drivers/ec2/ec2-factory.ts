import { defineDriver } from '../driver-plugin.js';
import { Ec2Driver } from './ec2-driver.js';
import { EC2_SECRET_OPTIONS, ec2OptionsSchema, type Ec2Options } from './ec2-options.js';

export const ec2DriverFactory = defineDriver<Ec2Options>({
  provider: 'ec2',
  displayName: 'Amazon EC2',
  optionsSchema: ec2OptionsSchema,
  secretOptions: EC2_SECRET_OPTIONS,
  create: (context) => new Ec2Driver(context),
});
