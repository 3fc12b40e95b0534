// Printing answers: -o json (the API's resource as is), yaml, table (the columns that matter)
// or wide (more columns). Tables are the default on a terminal, JSON when piped.
import { usageError } from './cli-errors.js';

export const FORMATS = ['json', 'yaml', 'table', 'wide'] as const;
export type Format = (typeof FORMATS)[number];

export interface Column {
  header: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, read by field where shown
  get: (row: any) => unknown;
  /** Only with -o wide. */
  wide?: boolean;
}

export interface Shown {
  data: unknown;
  /** Rows of the table (default: data.items, or data itself when it is an array). */
  rows?: unknown[];
  columns?: Column[];
  /** Printed instead of a table when there are no columns (a sentence, a key: value list). */
  text?: string;
  /** Printed above the table (table and wide): a resource's own fields over its parts' rows. */
  heading?: string;
}

export function parseFormat(value: string | undefined, isTTY: boolean): Format {
  if (value === undefined) return isTTY ? 'table' : 'json';
  if (!(FORMATS as readonly string[]).includes(value)) throw usageError(`-o ${value}: expected one of ${FORMATS.join(', ')}`);
  return value as Format;
}

export async function render(shown: Shown, format: Format): Promise<string> {
  if (format === 'json') return JSON.stringify(shown.data ?? null, null, 2);
  if (format === 'yaml') {
    const { stringify } = await import('yaml'); // only when asked: the CLI's start stays small
    return stringify(shown.data ?? null).trimEnd();
  }
  if (shown.text !== undefined && !shown.columns) return shown.text;
  const rows = shown.rows ?? (Array.isArray(shown.data) ? shown.data : ((shown.data as { items?: unknown[] })?.items ?? undefined));
  if (shown.columns && rows) return `${shown.heading ? `${shown.heading}\n\n` : ''}${table(rows, shown.columns.filter((c) => format === 'wide' || !c.wide))}`;
  if (shown.columns) return table([shown.data], shown.columns.filter((c) => format === 'wide' || !c.wide));
  return keyValues(shown.data);
}

export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.map(cell).join(',') : '-';
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${cell(v)}`)
      .join(',') || '-';
  }
  return String(value);
}

export function table(rows: unknown[], columns: Column[]): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.get(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  if (rows.length === 0) return `${line(columns.map((c) => c.header))}\n(none)`;
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** An object as aligned `key: value` lines (nested objects flattened with dots). */
export function keyValues(data: unknown): string {
  if (data === null || data === undefined) return '';
  if (typeof data !== 'object') return String(data);
  const pairs: Array<[string, string]> = [];
  const walk = (value: unknown, prefix: string) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, prefix ? `${prefix}.${k}` : k);
    } else pairs.push([prefix, cell(value)]);
  };
  walk(data, '');
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join('\n');
}
