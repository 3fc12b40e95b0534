import { readFileSync } from 'node:fs';

// Read once at load; package.json sits two levels above src/domain/ and dist/domain/.
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
