// A request with exactly the bytes a test chooses (Host, paths fetch would normalise, odd
// Content-Types), over node:http: what an attacker's client sends, not what fetch would.
import { request, type Agent } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export function rawRequest(baseUrl: string, method: string, path: string, options: { headers?: Record<string, string>; body?: string; agent?: Agent } = {}): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    // Node's client sends a GET/DELETE/HEAD body with neither length nor chunking: say its length.
    const headers = { ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}), ...options.headers };
    const req = request({ host: url.hostname, port: url.port, method, path, headers, agent: options.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
