import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface ConsoleServerOptions {
  /** The built console (index.html and assets/). */
  distDir: string;
  /** Base URL of each service the page calls under /api/<name>/, e.g. {marketplace: 'http://127.0.0.1:4100'}. */
  upstreams: Record<string, string>;
  port?: number;
  host?: string;
}

export interface ConsoleServer {
  readonly url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Hop-by-hop headers are the connection's own, not the message's (RFC 9110 §7.6.1). */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

function json(res: ServerResponse, status: number, body: { code: string; message: string }): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * The console's static files and a reverse proxy to the services under /api/<service>/, so that the
 * page and the APIs share one origin (no CORS on the services). Paths outside the build are refused;
 * a path that is no file is the single-page app's route and gets index.html.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const index = join(options.distDir, 'index.html');
  if (!existsSync(index)) throw new Error(`no console build in ${options.distDir}: build it first`);
  // Keyed by size and mtime too: a rebuild under a running server (./dev up, the browser tests) is served at once.
  const cache = new Map<string, { version: string; body: Buffer; gzip: Buffer | undefined }>();

  const file = (path: string) => {
    const stat = statSync(path);
    const version = `${stat.size}:${stat.mtimeMs}`;
    let entry = cache.get(path);
    if (entry?.version !== version) {
      const body = readFileSync(path);
      const compressible = /\.(html|js|css|svg|json)$/.test(path) && body.length > 1024;
      entry = { version, body, gzip: compressible ? gzipSync(body) : undefined };
      cache.set(path, entry);
    }
    return entry;
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not served here` });
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return json(res, 400, { code: 'INVALID_REQUEST', message: 'malformed path' });
    }
    const candidate = normalize(join(options.distDir, decoded));
    if (candidate !== options.distDir && !candidate.startsWith(options.distDir + sep)) return json(res, 400, { code: 'INVALID_REQUEST', message: 'path outside the console' });
    const isFile = existsSync(candidate) && statSync(candidate).isFile() && !candidate.endsWith('.build-stamp');
    // Missing assets are 404s (a stale page asking for an old chunk must not get HTML).
    if (!isFile && decoded.startsWith('/assets/')) return json(res, 404, { code: 'NOT_FOUND', message: `no ${decoded}` });
    const path = isFile ? candidate : index;
    const { body, gzip } = file(path);
    const useGzip = gzip !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      // Hashed asset names change with their content; the page itself is always asked again.
      'cache-control': path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
      ...(useGzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : useGzip ? gzip : body);
  };

  const proxy = (req: IncomingMessage, res: ServerResponse, service: string, rest: string) => {
    const base = options.upstreams[service];
    if (!base) return json(res, 404, { code: 'NOT_FOUND', message: `no service "${service}" behind this console` });
    const target = new URL(rest, base.endsWith('/') ? base : `${base}/`);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send(target, { method: req.method, headers }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (res.destroyed) return;
      if (!res.headersSent) json(res, 502, { code: 'SERVICE_UNAVAILABLE', message: `${service} did not answer: ${error.message}` });
      else res.destroy();
    });
    // The page went away before the answer ended (a live stream it stopped following, a reload):
    // the upstream request goes too, or the service would keep streaming to nobody.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://console');
    const api = /^\/api\/([a-z-]+)(\/.*)?$/.exec(url.pathname);
    if (api) return proxy(req, res, api[1]!, `.${api[2] ?? '/'}${url.search}`);
    serveStatic(req, res, url.pathname);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
