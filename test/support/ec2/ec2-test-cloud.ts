// A fresh EC2 test server plus an ec2 driver pointed at it, the way the config loader would build
// one: options validated by the factory's schema, static fake keys, an explicit endpoint and region,
// so the SDK never looks for the internet or for real credentials.
import { ec2DriverFactory } from '../../../src/drivers/ec2/ec2-factory.js';
import type { Ec2Driver } from '../../../src/drivers/ec2/ec2-driver.js';
import { silentLogger } from '../silent-logger.js';
import { startEc2TestServer, type Ec2TestServer, type Ec2TestServerOptions } from './ec2-test-server.js';

// The SDK warns once per process that it will require Node 22 from 2027; noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_EC2_METADATA_DISABLED ??= 'true';

export const TEST_IMAGE_ID = 'ami-0a1b2c3d4e5f60001';
export const TEST_SIZE_ID = 't3.micro';

export interface Ec2TestCloud {
  server: Ec2TestServer;
  driver: Ec2Driver;
  close(): Promise<void>;
}

/** Driver options for a cloud served by `endpoint` (also what an app-level test puts in its config). */
export function ec2TestOptions(endpoint: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region: 'us-east-1',
    endpoint,
    accessKeyId: 'AKIDTESTTESTTESTTEST',
    secretAccessKey: 'test-secret-key-not-checked',
    maxAttempts: 2,
    requestTimeoutMs: 5_000,
    connectionTimeoutMs: 1_000,
    ...overrides,
  };
}

/** An ec2 driver for a running test server, options validated as the config loader would. */
export function createEc2TestDriver(endpoint: string, overrides: Record<string, unknown> = {}, cloudName = 'ec2-test'): Ec2Driver {
  const { value, error } = ec2DriverFactory.optionsSchema.validate(ec2TestOptions(endpoint, overrides));
  if (error) throw error;
  return ec2DriverFactory.create({ cloudName, options: value, logger: silentLogger }) as Ec2Driver;
}

export async function startEc2TestCloud(
  setup: { server?: Ec2TestServerOptions; driver?: Record<string, unknown>; cloudName?: string } = {},
): Promise<Ec2TestCloud> {
  const server = await startEc2TestServer({ transitionDelayMs: 30, ...setup.server });
  let driver: Ec2Driver;
  try {
    driver = createEc2TestDriver(server.endpoint, setup.driver, setup.cloudName);
  } catch (err) {
    await server.close();
    throw err;
  }
  return {
    server,
    driver,
    async close() {
      await driver.close();
      await server.close();
    },
  };
}
