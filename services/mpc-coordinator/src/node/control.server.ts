import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { NodeInventory } from './node-ops';

/**
 * The node's control API for the coordinator: `GET /inventory`, `POST /ops` (JSON). Plain HTTP on
 * the control interface (loopback by default): it carries job descriptions and results, never
 * dataset values.
 */
export interface ControlHandlers {
  inventory(): NodeInventory | undefined;
  op(body: unknown): Promise<unknown>;
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
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

export async function startControlServer(host: string, port: number, handlers: ControlHandlers): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/inventory') {
          const inv = handlers.inventory();
          if (!inv) throw new ControlError(503, 'NODE_NOT_READY', 'the node is still connecting to the other nodes');
          send(res, 200, inv);
        } else if (req.method === 'POST' && req.url === '/ops') {
          send(res, 200, await handlers.op(await readJson(req)));
        } else throw new ControlError(404, 'NOT_FOUND', `no route ${req.method} ${req.url}`);
      } catch (error) {
        const e = error as { status?: number; code?: string; message?: string };
        const status = error instanceof ControlError ? error.status : 500;
        send(res, status, { code: e.code ?? 'INTERNAL', message: e.message ?? String(error) });
      }
    })();
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done());
  });
  return server;
}
