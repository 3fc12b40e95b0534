// The login session: the token lives in sessionStorage (this tab only, gone when it closes).
const KEY = 'cloud-dispatcher.session';

export function loadSession(storage = globalThis.sessionStorage) {
  try {
    const session = JSON.parse(storage.getItem(KEY) ?? 'null');
    if (!session?.token || !session.user) return null;
    if (session.expiresAt && Date.parse(session.expiresAt) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export function saveSession(session, storage = globalThis.sessionStorage) {
  if (session) storage.setItem(KEY, JSON.stringify(session));
  else storage.removeItem(KEY);
}

export function isAdmin(session) {
  return session?.user?.role === 'admin';
}
