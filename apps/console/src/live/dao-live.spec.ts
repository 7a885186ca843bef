import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueryClient } from '@tanstack/react-query';
import { followDao, followStream, type LiveNotification, type LiveStatus } from './dao-live';
import { refreshDao } from './useDaoLive';
import { parseSessionChange, refreshSession, type SessionChange } from './useSessionLive';

const note = (txId: string, event = 'VoteCast'): LiveNotification => ({ daoId: 'acme', event, channel: 'dao-acme-v1', version: 1, blockNumber: '9', txId });

/** A bridge's events route, played by a real HTTP server: `answer` decides each request in turn. */
async function bridge(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; server: Server; auth: string[]; open: ServerResponse[] }> {
  const auth: string[] = [];
  const open: ServerResponse[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    auth.push(String(req.headers.authorization ?? ''));
    answer(req, res, n++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/member/daos/acme/events`, server, auth, open };
}

const stream = (res: ServerResponse, ...messages: string[]) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`retry: 50\nevent: ready\ndata: {"daoId":"acme","channels":["dao-acme-v1"]}\n\n`);
  for (const m of messages) res.write(m);
};
const ledger = (n: LiveNotification) => `id: ${n.blockNumber}:${n.txId}\nevent: ledger\ndata: ${JSON.stringify(n)}\n\n`;

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

function recorder() {
  const statuses: LiveStatus[] = [];
  const notes: LiveNotification[] = [];
  let ready = 0;
  let unauthorized = 0;
  return {
    statuses,
    notes,
    ready: () => ready,
    unauthorized: () => unauthorized,
    handlers: { onStatus: (s: LiveStatus) => void statuses.push(s), onNotification: (n: LiveNotification) => void notes.push(n), onReady: () => void ready++, onUnauthorized: () => void unauthorized++ },
  };
}

describe("the console's live stream of a DAO", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('sends the bearer token, is live on ready, passes on the notifications and skips what it cannot read; stopping closes the connection', async () => {
    let closed = false;
    const b = await bridge((_req, res) => {
      res.on('close', () => (closed = true));
      stream(res, ledger(note('tx1')), 'event: ledger\ndata: not json\n\n', ledger(note('tx2', 'ProposalDecided')));
    });
    servers.push(b.server);
    const r = recorder();
    const stop = followDao({ url: b.url, token: () => 'tok-1', ...r.handlers });
    await waitFor(() => r.notes.length === 2);
    expect(b.auth).toEqual(['Bearer tok-1']);
    expect(r.statuses).toEqual(['connecting', 'live']);
    expect(r.ready()).toBe(1);
    expect(r.notes.map((n) => `${n.event} ${n.txId}`)).toEqual(['VoteCast tx1', 'ProposalDecided tx2']);
    stop();
    await waitFor(() => closed);
  });

  it('reconnects when the stream ends (the bridge restarting), with the token as it is then, and is ready again', async () => {
    let token = 'tok-1';
    const b = await bridge((_req, res, n) => {
      if (n === 0) {
        stream(res, ledger(note('tx1')));
        setTimeout(() => res.end(), 30);
      } else stream(res);
    });
    servers.push(b.server);
    const r = recorder();
    const stop = followDao({ url: b.url, token: () => token, ...r.handlers });
    await waitFor(() => r.notes.length === 1);
    token = 'tok-2';
    await waitFor(() => r.ready() === 2);
    stop();
    expect(b.auth).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(r.statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('names the last notification heard on every reconnection, also after a 5xx, and passes on what the bridge replays', async () => {
    const lastIds: string[] = [];
    const b = await bridge((req, res, n) => {
      lastIds.push(String(req.headers['last-event-id'] ?? '-'));
      if (n === 0) {
        stream(res, ledger(note('tx1')));
        setTimeout(() => res.end(), 30);
      } else if (n === 1) res.writeHead(502, { 'content-type': 'application/json' }).end('{"code":"SERVICE_UNAVAILABLE","message":"member did not answer"}');
      else stream(res, ledger(note('tx2')));
    });
    servers.push(b.server);
    const r = recorder();
    const stop = followDao({ url: b.url, token: () => 't', retryMs: 20, ...r.handlers });
    await waitFor(() => r.notes.length === 2);
    stop();
    expect(lastIds).toEqual(['-', '9:tx1', '9:tx1']);
    expect(r.notes.map((n) => n.txId)).toEqual(['tx1', 'tx2']);
  });

  it('tries again after a 5xx (the bridge away behind the proxy), with a backoff', async () => {
    const b = await bridge((_req, res, n) => {
      if (n < 2) res.writeHead(502, { 'content-type': 'application/json' }).end('{"code":"SERVICE_UNAVAILABLE","message":"member did not answer"}');
      else stream(res);
    });
    servers.push(b.server);
    const r = recorder();
    const stop = followDao({ url: b.url, token: () => 't', retryMs: 20, ...r.handlers });
    await waitFor(() => r.ready() === 1);
    stop();
    expect(b.auth).toHaveLength(3);
    expect(r.statuses).toEqual(['connecting', 'reconnecting', 'reconnecting', 'live']);
  });

  it('stops on 403 and 404; on 401 it also tells the session', async () => {
    for (const status of [401, 403, 404]) {
      const b = await bridge((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"code":"FORBIDDEN","message":"no"}'));
      servers.push(b.server);
      const r = recorder();
      const stop = followDao({ url: b.url, token: () => 't', retryMs: 10, ...r.handlers });
      await waitFor(() => r.statuses.includes('refused'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      stop();
      expect(b.auth).toHaveLength(1);
      expect(r.statuses).toEqual(['connecting', 'refused']);
      expect(r.unauthorized()).toBe(status === 401 ? 1 : 0);
    }
  });

  it("a notification marks the DAO page's queries stale (versions and proposals of that DAO and member), not another DAO's", async () => {
    const client = new QueryClient();
    const keys = [
      ['dao', 'AcmeMSP', 'acme', 1],
      ['proposals', 'AcmeMSP', 'acme', 1],
      ['proposals', 'AcmeMSP', 'acme', 2],
      ['proposals', 'AcmeMSP', 'other', 1],
      ['sessions', 'AcmeMSP'],
    ];
    for (const k of keys) client.setQueryData(k, 'read');
    await refreshDao(client, 'AcmeMSP', 'acme');
    expect(keys.map((k) => client.getQueryState(k)?.isInvalidated)).toEqual([true, true, true, false, false]);
    client.clear();
  });

  it("follows a negotiation session's `change` messages (the room's stream), skipping other events and what it cannot read, and names the last seq on reconnection", async () => {
    const lastIds: string[] = [];
    const b = await bridge((req, res, n) => {
      lastIds.push(String(req.headers['last-event-id'] ?? ''));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`retry: 20\nevent: ready\ndata: {"sessionId":"s1","seq":3}\n\n`);
      if (n === 0) {
        res.write('id: 4\nevent: change\ndata: {"sessionId":"s1","seq":4}\n\n');
        res.write('event: ledger\ndata: {"sessionId":"s1","seq":99}\n\n');
        res.write('id: 5\nevent: change\ndata: {"seq":"five"}\n\n');
        res.end();
      }
    });
    servers.push(b.server);
    const changes: SessionChange[] = [];
    let ready = 0;
    const stop = followStream({ url: b.url, event: 'change', parse: parseSessionChange, token: () => 't', onMessage: (c) => void changes.push(c), onReady: () => void ready++, onStatus: () => undefined });
    await waitFor(() => ready === 2);
    stop();
    expect(changes).toEqual([{ sessionId: 's1', seq: 4 }]);
    // The unreadable message's id still counts as heard (EventSource keeps the last id it saw).
    expect(lastIds).toEqual(['', '5']);
  });

  it("a session's change marks the room's queries stale (the session and the session list), not another session's", async () => {
    const client = new QueryClient();
    const keys = [['session', 's1'], ['sessions'], ['session', 's2'], ['session-history', 's1', 'x']];
    for (const k of keys) client.setQueryData(k, 'read');
    await refreshSession(client, 's1');
    expect(keys.map((k) => client.getQueryState(k)?.isInvalidated)).toEqual([true, true, false, false]);
    client.clear();
  });
});
