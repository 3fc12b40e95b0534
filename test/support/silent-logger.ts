import type { Logger } from '../../src/log/logger.js';

const noop = () => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
