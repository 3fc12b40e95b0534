// Which driver ids a cloud's `driver` key may name. Adding a driver = one line here.
import type { DriverFactory } from './driver.js';
import { ec2DriverFactory } from './ec2/ec2-factory.js';
import { fakeDriverFactory } from './fake/fake-factory.js';
import { openstackDriverFactory } from './openstack/openstack-factory.js';

export const DRIVER_FACTORIES: Readonly<Record<string, DriverFactory>> = {
  ec2: ec2DriverFactory,
  fake: fakeDriverFactory,
  openstack: openstackDriverFactory,
};

export function driverFactory(provider: string): DriverFactory | undefined {
  return Object.hasOwn(DRIVER_FACTORIES, provider) ? DRIVER_FACTORIES[provider] : undefined;
}
