// The logging port every layer writes to (drivers, pool, services, admin, trackers); pino's
// logger satisfies it, and tests pass a silent one. Here, not in drivers/, so that nothing has to
// import the driver contract to log.
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}
