import type { Logger } from '../../src/drivers/driver.js';

const noop = () => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
