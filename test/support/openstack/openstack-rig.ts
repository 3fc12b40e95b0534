// A fresh OpenStack test server and a driver pointed at it, for one test file.
import { OpenstackDriver } from '../../../src/drivers/openstack/openstack-driver.js';
import { openstackOptionsSchema, type OpenstackOptions } from '../../../src/drivers/openstack/openstack-options.js';
import { silentLogger } from '../silent-logger.js';
import { TEST_CLOUD } from './keystone-routes.js';
import { OpenstackTestServer, type OpenstackTestServerOptions } from './openstack-test-server.js';

export interface OpenstackRig {
  server: OpenstackTestServer;
  driver: OpenstackDriver;
  options: OpenstackOptions;
  close(): Promise<void>;
}

/** The `options` of an openstack cloud entry for this server, as a config file would give them. */
export function cloudOptions(server: OpenstackTestServer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    authUrl: server.authUrl,
    region: 'RegionOne',
    username: TEST_CLOUD.username,
    password: TEST_CLOUD.password,
    projectName: TEST_CLOUD.projectName,
    ...overrides,
  };
}

/** Validated options, as the config loader hands them to the factory. */
export function validOptions(raw: Record<string, unknown>): OpenstackOptions {
  const { value, error } = openstackOptionsSchema.validate(raw, { convert: true });
  if (error) throw error;
  return value;
}

export async function startOpenstackRig(
  serverOptions: OpenstackTestServerOptions = {},
  driverOverrides: Record<string, unknown> = {},
): Promise<OpenstackRig> {
  const server = await OpenstackTestServer.start(serverOptions);
  const options = validOptions(cloudOptions(server, driverOverrides));
  const driver = new OpenstackDriver({ cloudName: 'os-test', options: { ...options }, logger: silentLogger });
  return {
    server,
    driver,
    options,
    async close() {
      await driver.close();
      await server.close();
    },
  };
}
