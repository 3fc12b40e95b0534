// `dispatcher <command>`: a small client of the HTTP API (v1 dialect) for operators' shells.
import { cliSettings } from '../config/config-loader.js';

const USAGE = `usage: dispatcher [--url URL] [--token TOKEN] <command> [args]
  serve                                   start the server (the default)
  login <username> <password>             print a token (export DISPATCHER_TOKEN=…)
  clouds                                  list the served clouds
  nodes [cloud]                           list a cloud's VMs
  images [cloud] | flavors [cloud]        what can be started
  start <name> <image> <size> [cloud]     start a VM
  stop <node-id|hostname> [cloud]         destroy a VM
  assign <hostname> <user> <vm_type> [cloud]
  release <hostname> [cloud]              un-assign, destroy, wait until gone
  status [cloud]                          the tracker's records
environment: DISPATCHER_URL (default http://127.0.0.1:5070), DISPATCHER_TOKEN (or DISPATCHER_TOKEN_FILE)`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env?: Record<string, string | undefined>;
}

const defaultIo: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const settings = cliSettings(io.env);
  const args = [...argv];
  for (let i = 0; i < args.length; ) {
    if (args[i] === '--url' || args[i] === '--token') {
      const [flag, value] = args.splice(i, 2);
      if (flag === '--url') settings.url = value;
      else settings.token = value;
    } else i++;
  }
  const [command, ...rest] = args;
  const at = (cloud?: string) => (cloud ? `/${encodeURIComponent(cloud)}` : '');
  const routes: Record<string, () => [string, string, unknown?] | undefined> = {
    login: () => (rest.length >= 2 ? ['POST', '/auth', { username: rest[0], password: rest[1] }] : undefined),
    clouds: () => ['GET', '/cloud'],
    nodes: () => ['GET', `/nodes${at(rest[0])}`],
    images: () => ['GET', `/images${at(rest[0])}`],
    flavors: () => ['GET', `/flavors${at(rest[0])}`],
    status: () => ['GET', `/vm/status${at(rest[0])}`],
    start: () => (rest.length >= 3 ? ['POST', `/vm/start${at(rest[3])}`, { name: rest[0], image: rest[1], size: rest[2] }] : undefined),
    stop: () => (rest.length >= 1 ? ['PUT', `/vm/stop${at(rest[1])}`, refBody(rest[0])] : undefined),
    assign: () => (rest.length >= 3 ? ['PUT', `/vm/action/assign${at(rest[3])}`, { hostname: rest[0], user: rest[1], vm_type: rest[2] }] : undefined),
    release: () => (rest.length >= 1 ? ['PUT', `/vm/action/release${at(rest[1])}`, { hostname: rest[0] }] : undefined),
  };
  const route = command && Object.hasOwn(routes, command) ? routes[command]() : undefined;
  if (!route) {
    io.err(USAGE);
    return 2;
  }
  const [method, path, body] = route;
  try {
    const response = await fetch(`${settings.url.replace(/\/$/, '')}/api/v1${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(settings.token && command !== 'login' ? { authorization: `Bearer ${settings.token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      io.err(`error ${response.status}: ${String(answer.message ?? JSON.stringify(answer))}`);
      return 1;
    }
    io.out(command === 'login' ? String(answer.token) : JSON.stringify(answer, null, 2));
    return 0;
  } catch (err) {
    io.err(`cannot reach ${settings.url}: ${(err as Error).message}`);
    return 1;
  }
}

/** A cloud VM id (uuid or i-…) is a node; anything else is taken as a hostname. */
function refBody(ref: string): { node?: string; hostname?: string } {
  return /^([0-9a-f]{8}-[0-9a-f-]{27}|i-[0-9a-f]{8,17})$/.test(ref) ? { node: ref } : { hostname: ref };
}
