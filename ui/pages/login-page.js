// Sign in: the same username and password as the API; POST /auth/tokens answers the token.
import { html, useState } from '../lib/html.js';
import { problemMessage } from '../lib/format.js';

export function LoginPage({ api, notice, onLogin }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post('/auth/tokens', { username: form.get('username'), password: form.get('password') });
      onLogin({ token: answer.token, expiresAt: answer.expiresAt, user: answer.user });
    } catch (err) {
      setError(err.status === 401 ? 'Wrong username or password.' : problemMessage(err.problem ?? err.message));
      setBusy(false);
    }
  };
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
