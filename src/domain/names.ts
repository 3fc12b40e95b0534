// What a name may be, in one place (docs/operations.md lists the same rules). Names end up in
// logs, terminals, cloud consoles and other users' listings: no control characters (NUL, escape
// sequences, newlines), no bidi overrides that display text reversed, no zero-width characters
// that make two names look identical — Unicode's categories Cc, Cf, Co, Cn, Cs, Zl, Zp.

/** Any visible text: VM names and hostnames, tracker user names, metadata. */
export const SAFE_TEXT = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;

/** Accounts: ASCII letters and digits first, then letters, digits, `.`, `_`, `@`, `-`; 1–64 characters. */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/**
 * Cloud names and aliases: no whitespace either, and never `.`, `..` (path segments) or an
 * Object.prototype key such as `__proto__` (cloud names key lookups).
 */
export const CLOUD_LABEL = /^(?!\.{1,2}$)(?!(__proto__|constructor|prototype)$)[^\s\p{C}\p{Zl}\p{Zp}]{1,128}$/u;

/** The key JSON.parse turns into an own property but JavaScript objects treat specially. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__']);
