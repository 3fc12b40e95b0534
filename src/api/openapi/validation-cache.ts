// A route's validated path and query values, kept per raw input: the same few URLs are asked for
// over and over (a dashboard's poll, a client paging), and joi costs tens of microseconds per part
// where a lookup costs one. Only what the URL parsers make is kept (strings and arrays of
// strings in, primitives and arrays of primitives out), only successes (a failure validates
// again, for its own details), and every hit is a fresh copy: a handler may change its input.

/** Inputs kept per route and part; past it the cache starts over (a scan of distinct URLs cannot grow it). */
const MAX_ENTRIES = 256;

type Plain = Record<string, unknown>;

export class ValidationCache {
  private readonly entries = new Map<string, Plain>();

  /** `validate(input)`, or a copy of what it returned for the same input before. */
  validated(input: Plain, validate: (input: Plain) => unknown): unknown {
    const key = keyOf(input);
    if (key === undefined) return validate(input);
    return this.validatedAs(key, () => input, validate);
  }

  /**
   * The same keyed by a text the input is made from, made only when not kept: a raw query string
   * (Express parses the query again on every read of req.query).
   */
  validatedAs(key: string, input: () => Plain, validate: (input: Plain) => unknown): unknown {
    const hit = this.entries.get(key);
    if (hit) return copy(hit);
    const out = validate(input());
    if (isPlain(out)) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, copy(out));
    }
    return out;
  }
}

/** A key for inputs of strings and arrays of strings; undefined for anything else. */
function keyOf(input: Plain): string | undefined {
  for (const key in input) {
    const value = input[key];
    if (typeof value === 'string') continue;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) continue;
    return undefined;
  }
  return JSON.stringify(input);
}

function isPlain(value: unknown): value is Plain {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    const item = (value as Plain)[key];
    if (Array.isArray(item) ? !item.every(isPrimitive) : !isPrimitive(item)) return false;
  }
  return true;
}

function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

function copy(value: Plain): Plain {
  const out: Plain = {};
  for (const key in value) {
    const item = value[key];
    out[key] = Array.isArray(item) ? [...item] : item;
  }
  return out;
}
