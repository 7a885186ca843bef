import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openEventStream, type EventStream } from './event-stream';

/** A real HTTP server whose one route opens an event stream; the test drives it through `streams`. */
async function server(heartbeatMs: number): Promise<{ url: string; server: Server; streams: EventStream[] }> {
  const streams: EventStream[] = [];
  const s = createServer((_req, res) => streams.push(openEventStream(res, { heartbeatMs })));
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`, server: s, streams };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('openEventStream', () => {
  let s: Awaited<ReturnType<typeof server>>;
  afterEach(async () => {
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  });

  it('answers a text/event-stream that proxies do not buffer, writes messages and heartbeats, and ends once when the service ends it', async () => {
    s = await server(30);
    const res = await fetch(s.url);
    expect([res.status, res.headers.get('content-type'), res.headers.get('cache-control'), res.headers.get('x-accel-buffering')]).toEqual([200, 'text/event-stream', 'no-cache, no-transform', 'no']);
    await until(() => s.streams.length === 1);
    const stream = s.streams[0]!;
    let ends = 0;
    stream.onEnd(() => ends++);
    stream.write('event: ready\ndata: {}\n\n');
    await new Promise((r) => setTimeout(r, 100));
    stream.end();
    stream.end();
    await stream.ended;
    const text = await res.text();
    expect(text).toContain(': heartbeat\n\n');
    expect(text.replace(/: heartbeat\n\n/g, '')).toBe('event: ready\ndata: {}\n\n');
    expect(ends).toBe(1);
    // Nothing more is written once ended.
    stream.write('event: late\n\n');
    stream.onEnd(() => ends++);
    expect(ends).toBe(2);
  });

  it('ends when the client leaves: its subscriptions are dropped and the route handler resumes', async () => {
    s = await server(60_000);
    const client = new AbortController();
    const res = await fetch(s.url, { signal: client.signal });
    expect(res.status).toBe(200);
    await until(() => s.streams.length === 1);
    // Open before any message: the headers are sent at once.
    const reader = res.body!.getReader();
    s.streams[0]!.write('event: ready\ndata: {}\n\n');
    await reader.read();
    let dropped = false;
    s.streams[0]!.onEnd(() => (dropped = true));
    client.abort();
    await s.streams[0]!.ended;
    expect(dropped).toBe(true);
  });
});
