// login / logout / profiles, and the completion scripts.
import type { Command } from './cli-command.js';
import { CliError, EXIT, usageError } from './cli-errors.js';
import { ApiClient } from './cli-http.js';
import { readLine, readSecret } from './cli-prompt.js';

export const sessionCommands: Command[] = [
  {
    name: 'login',
    args: '[username]',
    summary: 'log in and keep the URL and token in the profile (password prompted without echo, or the first line of stdin)',
    details: 'examples:\n  dispatcher login admin --url http://127.0.0.1:5070\n  printf "%s\\n" "$PASSWORD" | dispatcher login alice --profile prod',
    run: async (ctx, [given]) => {
      const username = given ?? (ctx.stdin.isTTY ? await readLine('Username: ', ctx.stdin, ctx.stderr) : undefined);
      if (!username) throw usageError('login needs a user name (dispatcher login <username>)');
      const password = await readSecret(`Password for ${username}: `, ctx.stdin, ctx.stderr);
      if (!password) throw usageError('no password given (type it at the prompt or pipe it on stdin)');
      const anonymous = new ApiClient(ctx.url);
      let body: { token: string; expiresAt: string; user: { username: string; role: string } };
      try {
        body = (await anonymous.request('POST', 'api/v2/auth/tokens', { body: { username, password } })).body;
      } catch (err) {
        if (err instanceof CliError && err.exitCode === EXIT.auth) throw new CliError(`login to ${ctx.url} failed: wrong user name or password`, EXIT.auth);
        throw err;
      }
      ctx.profiles.save(ctx.profileName, { url: ctx.url, token: body.token, username: body.user.username, expiresAt: body.expiresAt });
      const data = { url: ctx.url, profile: ctx.profileName, username: body.user.username, role: body.user.role, expiresAt: body.expiresAt, file: ctx.profiles.path };
      return { data, text: `logged in to ${ctx.url} as ${body.user.username} (${body.user.role}); token kept in ${ctx.profiles.path} [${ctx.profileName}] until ${body.expiresAt}` };
    },
  },
  {
    name: 'logout',
    summary: "revoke the profile's token at the dispatcher and forget it",
    run: async (ctx) => {
      const profile = ctx.profiles.get(ctx.profileName);
      if (!profile?.token) return { data: { profile: ctx.profileName, loggedOut: false }, text: `profile ${ctx.profileName} holds no token` };
      let note = '';
      try {
        await new ApiClient(profile.url, profile.token).request('DELETE', 'api/v2/auth/tokens/current', { allow: [401] });
      } catch (err) {
        // The local copy goes anyway: a dispatcher that cannot be reached cannot be asked.
        note = ` (could not revoke it at ${profile.url}: ${(err as Error).message})`;
      }
      ctx.profiles.clearToken(ctx.profileName);
      return { data: { profile: ctx.profileName, loggedOut: true }, text: `logged out of ${profile.url} [${ctx.profileName}]${note}` };
    },
  },
  {
    name: 'profiles',
    summary: 'the saved profiles (tokens not shown)',
    run: async (ctx) => {
      const items = Object.entries(ctx.profiles.list()).map(([name, p]) => ({ name, url: p.url, username: p.username ?? null, loggedIn: Boolean(p.token), expiresAt: p.expiresAt ?? null }));
      return {
        data: { file: ctx.profiles.path, items },
        columns: [
          { header: 'PROFILE', get: (p) => (p.name === ctx.profileName ? `${p.name}*` : p.name) },
          { header: 'URL', get: (p) => p.url },
          { header: 'USER', get: (p) => p.username },
          { header: 'LOGGED IN', get: (p) => (p.loggedIn ? 'yes' : 'no') },
          { header: 'EXPIRES', get: (p) => p.expiresAt },
        ],
      };
    },
  },
];
