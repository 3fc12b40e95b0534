// Sign in: the same username and password as the API; POST /auth/tokens answers the token.
import { html } from '../lib/html.js';
import { useSubmit } from '../lib/form-submit.js';
import { problemMessage } from '../lib/format.js';

export function LoginPage({ api, notice, onLogin }) {
  const { error, busy, submit } = useSubmit(
    async (form) => {
      const answer = await api.post('/auth/tokens', { username: form.get('username'), password: form.get('password') });
      onLogin({ token: answer.token, expiresAt: answer.expiresAt, user: answer.user });
    },
    (err) => (err.status === 401 ? 'Wrong username or password.' : problemMessage(err.problem ?? err.message)),
  );
  return html`<main id="main" class="login">
    <h1>cloud-dispatcher</h1>
    <form onSubmit=${submit} aria-describedby="login-message">
      <h2>Sign in</h2>
      <p id="login-message" role="status">${error ? html`<span class="error">${error}</span>` : notice}</p>
      <label for="username">Username</label>
      <input id="username" name="username" autocomplete="username" required />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}
