// The HTTP server around the app, with the limits a public listener needs: a client must send its
// headers within server.headersTimeoutMs and its whole request within requestTimeoutMs (Node's
// 300 s default let one slow body hold a connection for minutes, before any authentication),
// idle keep-alive connections close, and connections and requests per connection are capped.
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { Config } from './config/config-schema.js';

export function createHttpServer(app: Express, limits: Config['server']): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks both timeouts on this period (30 s by default), which would stretch a 10 s limit.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 2))),
    },
    app,
  );
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  return server;
}
