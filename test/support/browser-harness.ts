// Real pieces for the dashboard's end-to-end test: a dispatcher process on 127.0.0.1 port 0 with
// fake clouds, and Debian's chromium driven by playwright-core (no browser download), with
// axe-core injected into the page and every console error collected.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { waitFor } from './wait-for.js';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumPresent = (): boolean => existsSync(CHROMIUM);

export interface DispatcherProcess {
  baseUrl: string;
  adminPassword: string;
  /** fetch against the API v2 with a token (JSON in and out). */
  api(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  login(username: string, password: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startDispatcher(configYaml: string): Promise<DispatcherProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'dispatcher-e2e-'));
  writeFileSync(join(dir, 'config.yaml'), configYaml);
  const adminPassword = 'e2e-admin-password';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      DISPATCHER_CONFIG: join(dir, 'config.yaml'),
      DISPATCHER_PORT: '0',
      DATABASE_URL: `sqlite:${join(dir, 'd.sqlite')}`,
      DISPATCHER_ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => (out += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
      clearTimeout(timer); // a pending timer would hold the test process for its full length
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = (await waitFor('the dispatcher to listen', () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out) ?? (child.exitCode !== null ? Promise.reject(new Error(out)) : null), 30_000))[1];
    const baseUrl = `http://127.0.0.1:${port}`;
    const api = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${baseUrl}/api/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    const login = async (username: string, password: string) => {
      const res = await api('', 'POST', '/auth/tokens', { username, password });
      if (res.status !== 201) throw new Error(`login ${username}: ${res.status}`);
      return res.body.token as string;
    };
    return { baseUrl, adminPassword, api, login, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface Browser {
  context: BrowserContext;
  /** Console errors and uncaught exceptions, each with the page label it happened on. */
  errors: { page: string; text: string }[];
  newPage(label: string, viewport?: { width: number; height: number }): Promise<Page & { label: string }>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'dispatcher-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const errors: { page: string; text: string }[] = [];
  return {
    context,
    errors,
    async newPage(label, viewport) {
      const page = Object.assign(await context.newPage(), { label });
      if (viewport) await page.setViewportSize(viewport);
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push({ page: page.label, text: msg.text() });
      });
      page.on('pageerror', (err) => errors.push({ page: page.label, text: `uncaught: ${err.message}` }));
      page.on('dialog', (dialog) => void dialog.accept()); // the confirm() before a stop or release
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.1 A/AA rules on the page as it is now; the violations, readable. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    (globalThis as any).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v: any) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n: any) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

/**
 * A reverse proxy that serves the dispatcher under a path prefix and strips it (nginx's
 * `location /prefix/ { proxy_pass http://upstream/; }`), to show the dashboard needs no base URL.
 */
export async function startPrefixProxy(upstream: string, prefix: string): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    if (!req.url?.startsWith(`${prefix}/`)) {
      res.writeHead(404).end('outside the prefix');
      return;
    }
    const upstreamReq = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url.slice(prefix.length), headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.writeHead(502).end());
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
