// axios (~5 MB of heap) is loaded by a process that makes an HTTP client (an OpenStack cloud,
// Cistern) when it makes one, not at import: a process with neither never loads it.
import type { AxiosInstance, CreateAxiosDefaults } from 'axios';

/**
 * An axios instance with `config`, once axios is loaded. Loading starts now, so the first request
 * does not wait for it; a failure to load is reported by the first request that awaits it.
 */
export function lazyAxios(config: CreateAxiosDefaults): Promise<AxiosInstance> {
  const instance = import('axios').then(({ default: axios }) => axios.create(config));
  instance.catch(() => undefined);
  return instance;
}
