import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { TlsIdentity } from '@datawell/mpc';
import type { NodeInventory } from '@datawell/mpc';
import { certificateBlocks } from './tls.adapter';

/**
 * The node's control API for the coordinator: `GET /inventory`, `POST /ops` (JSON) over mutually
 * authenticated TLS 1.3 on the control interface (loopback by default). The node serves it with its
 * mesh identity and accepts only a client certificate chaining to its control CA (`identity.ca`; no
 * certificate or another CA's: the handshake fails); a mesh party's certificate is refused with 403
 * (another member's node is not the coordinator): named by its CN, or, when the parties are pinned,
 * that exact certificate. When `clientNames` is given the certificate's CN must be one of them. It
 * carries job descriptions and results, never dataset values.
 */
export interface ControlTls {
  readonly identity: TlsIdentity;
  /** Certificate CNs that may not call (the mesh's party names). */
  readonly refusedNames: readonly string[];
  /** Certificates (DER) that may not call: the mesh parties' pinned ones, as far as they are known yet. */
  readonly refusedCertificates?: () => readonly Buffer[];
  /** When given, the only certificate CNs that may call (the coordinator's). */
  readonly clientNames?: readonly string[];
}

export interface ControlHandlers {
  /** The inventory, or undefined while the node is not ready (`notReady` says why). */
  inventory(): NodeInventory | undefined;
  notReady(): string;
  op(body: unknown): Promise<unknown>;
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For a refused op (403 NOT_ALLOWED): the check that refused it, answered beside the code. */
    readonly check?: string,
    /** More of the answer beside the code (409 PARTY_REFUSED: `refusedBy`, the refusing parties). */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ControlError(413, 'INVALID_REQUEST', 'body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ControlError(400, 'INVALID_REQUEST', 'body is not JSON');
  }
}

function cnOf(cert: PeerCertificate | undefined): string | undefined {
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

export async function startControlServer(host: string, port: number, tls: ControlTls, handlers: ControlHandlers): Promise<Server> {
  const { key, cert, ca } = tls.identity;
  const server = createServer({ key, cert, ca: certificateBlocks(ca), minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true }, (req, res) => {
    void (async () => {
      try {
        const certificate = (req.socket as TLSSocket).getPeerCertificate();
        const caller = cnOf(certificate);
        const party = tls.refusedNames.includes(caller ?? '') || (tls.refusedCertificates?.() ?? []).some((der) => certificate?.raw?.equals(der));
        if (caller === undefined || party || (tls.clientNames && !tls.clientNames.includes(caller))) {
          throw new ControlError(403, 'FORBIDDEN', `certificate CN=${caller ?? '?'} may not call the control API`);
        }
        if (req.method === 'GET' && req.url === '/inventory') {
          const inv = handlers.inventory();
          if (!inv) throw new ControlError(503, 'NODE_NOT_READY', handlers.notReady());
          send(res, 200, inv);
        } else if (req.method === 'POST' && req.url === '/ops') {
          send(res, 200, await handlers.op(await readJson(req)));
        } else throw new ControlError(404, 'NOT_FOUND', `no route ${req.method} ${req.url}`);
      } catch (error) {
        const e = error as { status?: number; code?: string; message?: string };
        const status = error instanceof ControlError ? error.status : 500;
        const check = error instanceof ControlError && error.check !== undefined ? { check: error.check } : {};
        const details = error instanceof ControlError ? error.details : undefined;
        send(res, status, { ...details, code: e.code ?? 'INTERNAL', ...check, message: e.message ?? String(error) });
      }
    })();
  });
  // A refused handshake is the client's problem, not the node's.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done());
  });
  return server;
}
