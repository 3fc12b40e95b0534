// What the running Express app actually routes, read from its router stacks (not from the route
// declarations), so a route added by hand beside the declarations shows up in the spec tests.
import type { Express } from 'express';

export interface RoutedPath {
  /** The mount prefix plus the route's own path, in Express syntax (`/api/v1/vm/start{/:cloud}`). */
  path: string;
  methods: string[];
  /** Whether the route matches a concrete path (`/api/v1/vm/start/default`). */
  matches(concretePath: string): boolean;
}

interface LayerLike {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: unknown;
  match(path: string): false | { path: string };
}

export function routedPaths(app: Express): RoutedPath[] {
  const out: RoutedPath[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
        out.push({
          path: prefix + layer.route.path,
          methods,
          matches: (concrete) => concrete.startsWith(prefix) && layer.match(concrete.slice(prefix.length) || '/') !== false,
        });
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return out;
}

/** An OpenAPI path with each `{param}` replaced by a value. */
export function concretePath(base: string, path: string, values: Record<string, string> = {}): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? 'sample'));
  return base + (filled === '/' ? '/' : filled);
}
