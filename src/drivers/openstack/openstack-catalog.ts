// Endpoints from Keystone's service catalog. Their URL shapes differ per service and per
// deployment: identity ends in /v3, compute in /v2.1 (sometimes followed by the project id),
// image and network usually carry no version at all. The version is appended only when absent.
export interface CatalogEndpoint {
  interface: string;
  region?: string | null;
  region_id?: string | null;
  url: string;
}

export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export type ServiceKind = 'compute' | 'image' | 'network';

/** Catalog types per service; block storage style renames have happened before, so a list. */
const CATALOG_TYPES: Record<ServiceKind, readonly string[]> = {
  compute: ['compute'],
  image: ['image'],
  network: ['network'],
};

/** The URL of a service for an interface and (when configured) a region; undefined when the catalog has none. */
export function findEndpoint(catalog: readonly CatalogEntry[], kind: ServiceKind, iface: string, region?: string): string | undefined {
  for (const type of CATALOG_TYPES[kind]) {
    for (const entry of catalog) {
      if (entry.type !== type) continue;
      const endpoint = entry.endpoints.find(
        (e) => e.interface === iface && (region === undefined || e.region_id === region || e.region === region),
      );
      if (endpoint) return endpoint.url;
    }
  }
  return undefined;
}

/** Keystone's v3 root from an auth URL given with or without `/v3`. */
export function identityRoot(authUrl: string): string {
  const url = trimSlashes(authUrl);
  return /\/v3$/.test(url) ? url : `${url}/v3`;
}

/** Nova's base URL for calls: `/v2.1` appended only when the URL has no compute version segment. */
export function computeBase(url: string): string {
  const clean = trimSlashes(url);
  return /\/v2(\.1)?(\/|$)/.test(new URL(clean).pathname) ? clean : `${clean}/v2.1`;
}

/** Nova's version document lives at the version segment, before any project id. */
export function computeVersionUrl(base: string): string {
  const url = new URL(base);
  const match = /^(.*?\/v2(\.1)?)(\/|$)/.exec(url.pathname);
  url.pathname = `${match ? match[1] : url.pathname.replace(/\/+$/, '')}/`;
  url.search = '';
  return url.toString();
}

/** Glance (`v2`) and Neutron (`v2.0`): appended when the catalog URL does not already end in it. */
export function versioned(url: string, version: 'v2' | 'v2.0'): string {
  const clean = trimSlashes(url);
  const last = new URL(clean).pathname.split('/').pop() ?? '';
  const present = version === 'v2' ? /^v2(\.\d+)?$/.test(last) : last === 'v2.0';
  return present ? clean : `${clean}/${version}`;
}

/** The host (and port) shown as the cloud's `host`. */
export function hostOf(url: string): string {
  return new URL(url).host;
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
