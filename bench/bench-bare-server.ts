// The baseline server of api-overhead: a bare Express app that answers one path with a JSON body
// the parent captured from the dispatcher. It does what any JSON API must do per request (route,
// serialize, send) and nothing else, so the gap to it is the dispatcher's own cost.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { answerCommands, cpuMicros, measuredMemory, type BareCommands, type ReadyMessage } from './bench-ipc.js';

const app = express();
app.disable('x-powered-by');

const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port, token: '' } satisfies ReadyMessage);
});

const serve = async ({ path, body }: BareCommands['serve']['args']): Promise<true> => {
  app.get(path, (_req, res) => {
    res.json(body);
  });
  return true;
};

answerCommands({ serve, memory: async () => measuredMemory(), cpu: async () => cpuMicros() }, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
