// A configuration mistake, named by its key (the loader and the CLI's settings both raise it).
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid configuration: ${key}: ${reason}`);
    this.name = 'ConfigError';
  }
}
