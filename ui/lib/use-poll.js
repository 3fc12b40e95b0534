// usePoll: load now, then every `intervalMs` while the tab is visible; keeps the last good data
// while a refresh fails, so a blip shows as an error line rather than an empty page.
import { useCallback, useEffect, useRef, useState } from './html.js';

export function usePoll(load, intervalMs, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const generation = useRef(0);
  const refresh = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const data = await load();
      if (mine === generation.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    refresh();
    if (!intervalMs) return undefined;
    const timer = setInterval(() => {
      if (!document.hidden) refresh();
    }, intervalMs);
    return () => {
      clearInterval(timer);
      generation.current++; // answers still in flight belong to the old deps
    };
  }, [refresh, intervalMs]);
  return { ...state, refresh };
}
