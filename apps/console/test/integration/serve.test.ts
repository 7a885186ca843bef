import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';

/** The console's static server and proxy, against a stand-in upstream that echoes what it got. */
let dist: string;
let upstream: Server;
let server: ConsoleServer;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'console-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dist, 'assets', 'app-1234.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
  writeFileSync(join(dist, '.build-stamp'), 'secret-ish\n');
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json', 'x-upstream': 'yes' }).end(JSON.stringify({ method: req.method, url: req.url, authorization: req.headers['authorization'] ?? null, body: Buffer.concat(chunks).toString() })));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  server = await startConsoleServer({ distDir: dist, upstreams: { marketplace: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` } });
});

afterAll(async () => {
  await server?.close();
  await new Promise((r) => upstream?.close(r));
  rmSync(dist, { recursive: true, force: true });
});

describe('console server', () => {
  it('proxies /api/<service>/… with method, path, query, headers and body, and passes the answer through', async () => {
    const res = await fetch(`${server.url}/api/marketplace/offers/o1?q=a%20b`, { method: 'PATCH', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"title":"x"}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(await res.json()).toEqual({ method: 'PATCH', url: '/offers/o1?q=a%20b', authorization: 'Bearer t', body: '{"title":"x"}' });
  });

  it('passes a stream through as it comes, and ends the upstream request when the page goes away', async () => {
    let upstreamClosed = false;
    const stream = createServer((_req, res) => {
      res.on('close', () => (upstreamClosed = true));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: ready\ndata: {}\n\n');
    });
    await new Promise<void>((r) => stream.listen(0, '127.0.0.1', () => r()));
    const proxied = await startConsoleServer({ distDir: dist, upstreams: { negotiation: `http://127.0.0.1:${(stream.address() as AddressInfo).port}` } });
    try {
      const page = new AbortController();
      const res = await fetch(`${proxied.url}/api/negotiation/sessions/s1/events`, { signal: page.signal });
      const reader = res.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('event: ready\ndata: {}\n\n');
      expect(upstreamClosed).toBe(false);
      page.abort();
      for (let i = 0; i < 100 && !upstreamClosed; i++) await new Promise((r) => setTimeout(r, 50));
      expect(upstreamClosed).toBe(true);
    } finally {
      await proxied.close();
      stream.closeAllConnections();
      await new Promise((r) => stream.close(r));
    }
  });

  it('answers 404 for an unknown service and 502 when a service does not answer', async () => {
    const unknown = await fetch(`${server.url}/api/nothing/x`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND' });
    const down = await startConsoleServer({ distDir: dist, upstreams: { marketplace: 'http://127.0.0.1:1' } });
    try {
      const res = await fetch(`${down.url}/api/marketplace/offers`);
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await down.close();
    }
  });

  it('serves files (gzip when asked, immutable assets), the page for app routes, and nothing outside the build', async () => {
    const asset = await fetch(`${server.url}/assets/app-1234.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toContain('xxxx'); // fetch decodes gzip itself
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(`${server.url}/assets/app-1234.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
        }).on('error', reject),
      );
    });
    expect(raw.encoding).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toContain('console.log');

    const route = await fetch(`${server.url}/offers/some-offer`);
    expect(route.status).toBe(200);
    expect(route.headers.get('cache-control')).toBe('no-cache');
    expect(await route.text()).toContain('<title>console</title>');

    expect((await fetch(`${server.url}/assets/gone-999.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/..%2f..%2fetc%2fpasswd`)).status).toBe(400);
    expect(await (await fetch(`${server.url}/.build-stamp`)).text()).toContain('<title>console</title>');
    expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('serves a rebuilt page without a restart', async () => {
    expect(await (await fetch(`${server.url}/`)).text()).toContain('<title>console</title>');
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console, rebuilt</title>');
    expect(await (await fetch(`${server.url}/`)).text()).toContain('<title>console, rebuilt</title>');
  });
});
