// Preloaded into a dispatcher process (`node --import tsx --import ./test/support/module-log.ts …`)
// to list what it loaded: every ES module through a load hook, every CommonJS module from
// require.cache, written to $MODULE_LOG when the process exits. Tests of lazy loading read it.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const file = process.env.MODULE_LOG;
if (file) {
  const loaded = new Set<string>();
  const { port1, port2 } = new MessageChannel();
  const hooks = `
    let port;
    export function initialize(data) { port = data.port; }
    export async function load(url, context, next) { port.postMessage(url); return next(url, context); }
  `;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });
  port1.on('message', (url: string) => loaded.add(url));
  port1.unref();
  process.on('exit', () => {
    const required = Object.keys(createRequire(import.meta.url).cache);
    writeFileSync(file, [...loaded, ...required].join('\n'));
  });
}
