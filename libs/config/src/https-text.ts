import type { IncomingMessage } from 'node:http';
import { request, type RequestOptions } from 'node:https';

/** An HTTPS answer read whole: its status and its body as text. */
export interface HttpsText {
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTPS request whose answer is read whole as text (a Fabric CA's REST API, an MPC node's control
 * API): the caller's TLS options (CA, client certificate, pinning) as given. Rejects when the server
 * cannot be reached or does not answer within `timeoutMs`, with `timeoutMessage`; any status resolves.
 */
export function httpsText(url: string | URL, options: RequestOptions, body: string | undefined, timeoutMs: number, timeoutMessage: string): Promise<HttpsText> {
  return new Promise((resolve, reject) => {
    const handle = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const headers = { ...(options.headers as Record<string, string> | undefined), ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) };
    const req = request(url, { ...options, headers, timeout: timeoutMs }, handle);
    req.on('timeout', () => req.destroy(Object.assign(new Error(timeoutMessage), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}
