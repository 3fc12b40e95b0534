import type { DriverFactory } from '../driver.js';
import { Ec2Driver } from './ec2-driver.js';
import { EC2_SECRET_OPTIONS, ec2OptionsSchema } from './ec2-options.js';

export const ec2DriverFactory: DriverFactory = {
  provider: 'ec2',
  displayName: 'Amazon EC2',
  optionsSchema: ec2OptionsSchema,
  secretOptions: EC2_SECRET_OPTIONS,
  create: (context) => new Ec2Driver(context),
};
