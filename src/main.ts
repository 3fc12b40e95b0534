// Composition root: load config → open store → build drivers and services → createApp → listen.
import type { Server } from 'node:http';
import { loadConfig, ConfigError } from './config/config-loader.js';
import { composeDispatcher } from './compose.js';
import { createLogger, routeProcessWarnings } from './log/log-factory.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`cloud-dispatcher: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.log.level, undefined, config.log.format);
  routeProcessWarnings(logger);
  // A reload re-reads what this start read: the same file (DISPATCHER_CONFIG) and environment.
  const dispatcher = await composeDispatcher(config, logger, { configSource: () => loadConfig() });
  if (dispatcher.generatedAdminPassword) {
    // Printed once, on stderr and never through the logger: it is the only copy.
    process.stderr.write(
      `\n  No users existed: created admin user "${config.auth.adminUser}" with password ${dispatcher.generatedAdminPassword}\n` +
        `  (set DISPATCHER_ADMIN_PASSWORD to choose it; this is the only time it is shown)\n\n`,
    );
  }
  if (!config.auth.required) logger.warn('auth.required is false: API v1 routes are open to anyone who can reach them (legacy mode)');

  // Express 5 hands a listen failure (port taken) to this callback as well as to 'error'.
  const server: Server = dispatcher.app.listen(config.server.port, config.server.host, (err?: Error) => {
    if (err) return;
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
  process.stderr.write(`cloud-dispatcher: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
