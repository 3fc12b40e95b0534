// Admin: accounts (create, role, active, revoke tokens) and per-user assignment limits.
import { html } from '../lib/html.js';
import { path } from '../lib/api-client.js';
import { usePoll } from '../lib/use-poll.js';
import { ErrorLine, Loading, TableWrap } from '../lib/components.js';

export function AdminUsers({ api, change }) {
  const { data, error, refresh } = usePoll(async () => {
    const [users, limits] = await Promise.all([api.get('/admin/users'), api.get('/admin/user-limits')]);
    return { users: users.items, limits: limits.items };
  }, 0);
  if (!data) return html`<${ErrorLine} error=${error} /><${Loading} what="users" />`;
  const createUser = (event) => {
    event.preventDefault();
    const formEl = event.currentTarget;
    const form = new FormData(formEl);
    change(`create ${form.get('username')}`, () => api.post('/admin/users', { username: form.get('username'), password: form.get('password'), role: form.get('role') }), () => {
      formEl.reset();
      refresh();
    });
  };
  const setLimit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    change(`limit of ${form.get('user')}`, () => api.put(path`/admin/user-limits/${form.get('user')}`, { maxAssigned: Number(form.get('maxAssigned')) }), refresh);
  };
  const patchUser = (u, body, label) => change(label, () => api.patch(path`/admin/users/${u.username}`, body), refresh);
  return html`
    <${ErrorLine} error=${error} />
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <${TableWrap} label="Users"><table>
        <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Active</th><th scope="col">Actions</th></tr></thead>
        <tbody>
          ${data.users.map(
            (u) => html`<tr>
              <th scope="row">${u.username}</th>
              <td>${u.role}</td>
              <td>${u.active ? 'yes' : 'no'}</td>
              <td class="actions">
                <button type="button" class="secondary" aria-label=${`${u.role === 'admin' ? 'Make user' : 'Make admin'}: ${u.username}`}
                  onClick=${() => patchUser(u, { role: u.role === 'admin' ? 'user' : 'admin' }, `role of ${u.username}`)}>${u.role === 'admin' ? 'Make user' : 'Make admin'}</button>
                <button type="button" class="secondary" aria-label=${`${u.active ? 'Disable' : 'Enable'} ${u.username}`}
                  onClick=${() => patchUser(u, { active: !u.active }, `${u.active ? 'disable' : 'enable'} ${u.username}`)}>${u.active ? 'Disable' : 'Enable'}</button>
                <button type="button" class="secondary" aria-label=${`Revoke tokens of ${u.username}`}
                  onClick=${() => change(`revoke tokens of ${u.username}`, () => api.del(path`/admin/users/${u.username}/tokens`), refresh)}>Revoke tokens</button>
              </td>
            </tr>`,
          )}
        </tbody>
      </table><//>
      <form class="filters" onSubmit=${createUser} aria-label="Create a user">
        <label>Username <input name="username" required autocomplete="off" /></label>
        <label>Password <input name="password" type="password" required minlength="8" autocomplete="new-password" /></label>
        <label>Role <select name="role"><option value="user">user</option><option value="admin">admin</option></select></label>
        <button type="submit" class="secondary">Create user</button>
      </form>
    </section>
    <section aria-labelledby="limits-title">
      <h2 id="limits-title">Assignment limits</h2>
      <p class="muted">The most VMs assigned at once to a tracker user, over every cloud.</p>
      <${TableWrap} label="Assignment limits"><table>
        <thead><tr><th scope="col">User</th><th scope="col">Limit</th><th scope="col">Assigned now</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          ${data.limits.length === 0 ? html`<tr><td colspan="4" class="muted">No limit set.</td></tr>` : null}
          ${data.limits.map(
            (l) => html`<tr>
              <th scope="row">${l.user}</th><td>${l.maxAssigned}</td><td>${l.held}</td>
              <td><button type="button" class="secondary" aria-label=${`Remove the limit of ${l.user}`}
                onClick=${() => change(`remove limit of ${l.user}`, () => api.del(path`/admin/user-limits/${l.user}`), refresh)}>Remove</button></td>
            </tr>`,
          )}
        </tbody>
      </table><//>
      <form class="filters" onSubmit=${setLimit} aria-label="Set a limit">
        <label>User <input name="user" required /></label>
        <label>Most assigned <input name="maxAssigned" type="number" min="0" required class="short" /></label>
        <button type="submit" class="secondary">Set limit</button>
      </form>
    </section>
  `;
}
