// Composition root: load config → open store → build drivers and services → createApp → listen.
import type { Server } from 'node:http';
import { loadConfig, ConfigError } from './config/config-loader.js';
import { composeDispatcher } from './compose.js';
import { secretOptionsOf } from './drivers/driver-plugin.js';
import { DRIVERS } from './drivers/driver-registry.js';
import { createHttpServer } from './http-server.js';
import { StoreOpenError } from './store/store-open.js';
import { createLogger, routeProcessWarnings } from './log/log-factory.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(DRIVERS);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cloud-dispatcher: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.log.level, { format: config.log.format, secretOptions: secretOptionsOf(DRIVERS) });
  routeProcessWarnings(logger);
  // A reload re-reads what this start read: the same file (DISPATCHER_CONFIG) and environment.
  const dispatcher = await composeDispatcher(config, logger, { drivers: DRIVERS, configSource: () => loadConfig(DRIVERS) });
  if (dispatcher.firstPasswordFile) {
    // The path only: stderr usually ends in a log file, and the password would live there forever.
    process.stderr.write(
      `\n  No users existed: created admin user "${config.auth.adminUser}"; its password is in ${dispatcher.firstPasswordFile} (mode 0600).\n` +
        `  Log in, change it, and delete the file (or set DISPATCHER_ADMIN_PASSWORD to choose it).\n\n`,
    );
  }
  if (!config.auth.required) logger.warn('auth.required is false: API v1 routes are open to anyone who can reach them (legacy mode)');

  const server: Server = createHttpServer(dispatcher.app, config.server);
  server.listen(config.server.port, config.server.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    logger.info(
      { host: config.server.host, port, clouds: config.clouds.map((c) => `${c.name}(${c.driver})`), tracker: dispatcher.services.tracker.kind },
      `cloud-dispatcher listening on http://${config.server.host}:${port}`,
    );
  });
  dispatcher.startBackground();
  server.on('error', (err) => {
    logger.fatal({ err }, 'cannot listen');
    process.exit(1);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    dispatcher.services.state.draining = true;
    logger.info({ signal }, 'draining: finishing requests in flight');
    const force = setTimeout(() => {
      logger.warn('shutdown timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.server.shutdownTimeoutMs);
    force.unref();
    server.close(() => {
      dispatcher
        .close()
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'error while closing');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  // A database path or file the operator must fix: a configuration error, like a bad key.
  if (err instanceof StoreOpenError) {
    process.stderr.write(`cloud-dispatcher: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`cloud-dispatcher: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
