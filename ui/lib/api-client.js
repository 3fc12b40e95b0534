// The dashboard's only door to the dispatcher: /api/v2, addressed relative to the page so a
// reverse proxy's path prefix is kept. Problems (problem+json) become ApiError.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** The API base for a page at `pageUrl` (…/ui/ or …/ui/index.html) → …/api/v2. */
export function apiBase(pageUrl) {
  return new URL('../api/v2', new URL('./', pageUrl)).pathname;
}

/** Path segments are percent-encoded (cloud names may hold `/` or `:`). */
export function path(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]) : ''), '');
}

/** A query string from an object, dropping empty values; arrays repeat the key. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function createClient({ base, token, onUnauthorized, fetchImpl = (...a) => fetch(...a) }) {
  async function call(method, relative, body, headers = {}) {
    const init = { method, headers: { Accept: 'application/json', ...headers } };
    if (token) init.headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetchImpl(base + relative, init);
    const text = res.status === 204 ? '' : await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { title: text.slice(0, 200) };
    }
    if (!res.ok) {
      if (res.status === 401 && token && onUnauthorized) onUnauthorized();
      throw new ApiError(res.status, data);
    }
    return data;
  }
  return {
    get: (p) => call('GET', p),
    post: (p, body, headers) => call('POST', p, body, headers),
    put: (p, body) => call('PUT', p, body),
    patch: (p, body) => call('PATCH', p, body),
    del: (p) => call('DELETE', p),
    /** A POST that creates: a fresh Idempotency-Key so a double click cannot start twice. */
    create: (p, body) => call('POST', p, body, { 'Idempotency-Key': newKey() }),
  };
}

function newKey() {
  return globalThis.crypto?.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
