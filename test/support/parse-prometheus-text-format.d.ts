// The package ships no types; the tests read family names and types.
declare module 'parse-prometheus-text-format' {
  export default function parse(text: string): Array<{ name: string; help: string; type: string; metrics: unknown[] }>;
}
