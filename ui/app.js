// The dashboard shell: login, navigation, the page for the current hash route.
import { html, render, useEffect, useMemo, useState } from './lib/html.js';
import { apiBase, createClient } from './lib/api-client.js';
import { isAdmin, loadSession, saveSession } from './lib/session.js';
import { href, parseRoute } from './lib/route.js';
import { LoginPage } from './pages/login-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { VmsPage } from './pages/vms-page.js';
import { OperationsPage } from './pages/operations-page.js';
import { StatusPage } from './pages/status-page.js';
import { AdminPage } from './pages/admin-page.js';
import { ClustersPage } from './pages/clusters-page.js';

const BASE = apiBase(location.href);

const NAV = [
  ['overview', 'Overview'],
  ['vms', 'VMs'],
  ['operations', 'Operations'],
  ['status', 'Status'],
  ['clusters', 'Clusters'],
  ['admin', 'Admin'],
];

function App() {
  const [session, setSession] = useState(() => loadSession());
  const [notice, setNotice] = useState(null);
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const signOut = (message) => {
    saveSession(null);
    setSession(null);
    setNotice(message ?? null);
  };
  const api = useMemo(
    () => createClient({ base: BASE, token: session?.token, onUnauthorized: () => signOut('Your session ended; sign in again.') }),
    [session?.token],
  );

  if (!session) {
    return html`<${LoginPage}
      api=${createClient({ base: BASE })}
      notice=${notice}
      onLogin=${(s) => {
        saveSession(s);
        setNotice(null);
        setSession(s);
      }}
    />`;
  }

  const logout = async () => {
    try {
      await api.del('/auth/tokens/current'); // revoked server-side, not just forgotten here
    } catch {
      // an expired or already revoked token: forgetting it is all that is left to do
    }
    signOut('Signed out.');
  };
  const admin = isAdmin(session);
  const props = { api, session, arg: route.arg };
  const pages = { overview: OverviewPage, vms: VmsPage, operations: OperationsPage, status: StatusPage, clusters: ClustersPage, admin: AdminPage };
  const Page = route.page === 'admin' && !admin ? NotAllowed : pages[route.page];

  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <span class="brand">cloud-dispatcher</span>
      <nav aria-label="Main">
        <ul>
          ${NAV.filter(([page]) => page !== 'admin' || admin).map(
            ([page, label]) => html`<li><a href=${href(page)} aria-current=${route.page === page ? 'page' : undefined}>${label}</a></li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        <span><span class="visually-hidden">Signed in as </span>${session.user.username} <span class="muted">(${session.user.role})</span></span>
        <button type="button" class="secondary" onClick=${logout}>Sign out</button>
      </div>
    </header>
    <main id="main">
      <${Page} key=${`${route.page}/${route.arg ?? ''}`} ...${props} />
    </main>
  `;
}

function NotAllowed() {
  return html`<h1>Admin</h1><p>This page needs the admin role.</p>`;
}

render(html`<${App} />`, document.getElementById('app'));
