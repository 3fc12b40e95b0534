// The drivers this build knows, by the id a cloud's `driver` key names. Adding a driver = one
// line here. Only the composition root imports it: the config loader and the pool are given it.
import { type DriverRegistry } from './driver-plugin.js';
import { ec2DriverFactory } from './ec2/ec2-factory.js';
import { fakeDriverFactory } from './fake/fake-factory.js';
import { openstackDriverFactory } from './openstack/openstack-factory.js';

export const DRIVERS: DriverRegistry = new Map([ec2DriverFactory, fakeDriverFactory, openstackDriverFactory].map((plugin) => [plugin.provider, plugin]));
