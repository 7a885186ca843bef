import 'reflect-metadata';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '@datawell/auth';
import { LiveController, type LiveSource } from './live.controller';
import { LIVE_REPLAY_LIMIT, LiveEvents, notificationOf, type DeliveredEvent } from './live-events';

const principal = (mspId: string, role: Principal['role'] = 'DSP'): Principal => ({ mspId, enrollmentId: 'alice', role, certificateFingerprint: 'ab' });
const daoEvent = (eventName: string, blockNumber: bigint, transactionId: string, chaincodeName = 'dao'): DeliveredEvent & { payload: Uint8Array } => ({
  chaincodeName,
  eventName,
  blockNumber,
  transactionId,
  payload: Buffer.from(JSON.stringify({ secret: 'not for the stream' })),
});

function source(events: LiveEvents, heartbeatMs?: number): LiveSource {
  return { mspId: 'AcmeMSP', channels: async () => ['marketplace', 'dao-acme-v1', 'dao-acme-v2', 'dao-other-v1'], events, ...(heartbeatMs ? { heartbeatMs } : {}) };
}

/** The controller behind a real HTTP server, as Nest calls it once the guard has found the principal. */
async function serve(controller: LiveController, who: Principal): Promise<{ url: string; server: Server; failures: unknown[] }> {
  const failures: unknown[] = [];
  const server = createServer((req, res) => {
    const daoId = decodeURIComponent(/^\/daos\/([^/]+)\/events$/.exec(req.url ?? '')?.[1] ?? '');
    controller.events(who, daoId, req, res).catch((error: unknown) => {
      failures.push(error);
      res.writeHead(400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, failures };
}

/** Reads the stream's text until `until` holds for what was read. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: (text: string) => boolean, text = ''): Promise<string> {
  const decoder = new TextDecoder();
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

const noHeaders = { headers: {} };

const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('the live notifications of a DAO', () => {
  it('are the dao chaincode events of its channels only, without their payload', () => {
    expect(notificationOf('dao-acme-v2', daoEvent('VoteCast', 12n, 'tx1'))).toEqual({ daoId: 'acme', event: 'VoteCast', channel: 'dao-acme-v2', version: 2, blockNumber: '12', txId: 'tx1' });
    expect(notificationOf('dao-acme-v2', daoEvent('OfferCreated', 12n, 'tx1', 'marketplace'))).toBeUndefined();
    expect(notificationOf('marketplace', daoEvent('VoteCast', 12n, 'tx1'))).toBeUndefined();
    expect(JSON.stringify(notificationOf('dao-acme-v1', daoEvent('ProposalCreated', 3n, 'tx2')))).not.toMatch(/secret/);
  });

  it("refuses another organisation's identity and a DAO its peer is on no version of, before anything is written", async () => {
    const events = new LiveEvents();
    const c = new LiveController(source(events));
    const written: string[] = [];
    const res = { writeHead: () => written.push('head'), write: () => written.push('write'), on: () => undefined } as unknown as ServerResponse;
    await expect(c.events(principal('OtherMSP'), 'acme', noHeaders, res)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.events(principal('OperatorMSP', 'OPERATOR'), 'acme', noHeaders, res)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.events(principal('AcmeMSP'), 'nope', noHeaders, res)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(written).toEqual([]);
    expect(events.count()).toBe(0);
  });

  it("streams ready, then each of the DAO's events (not other DAOs' nor other chaincodes'), heartbeats, and unsubscribes when the client leaves", async () => {
    const events = new LiveEvents();
    const { url, server, failures } = await serve(new LiveController(source(events, 50)), principal('AcmeMSP', 'VSP'));
    const abort = new AbortController();
    try {
      const response = await fetch(`${url}/daos/acme/events`, { signal: abort.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(response.headers.get('cache-control')).toMatch(/no-cache/);
      const reader = response.body!.getReader();
      let text = await readUntil(reader, (t) => t.includes('event: ready'));
      expect(text).toContain(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ daoId: 'acme', channels: ['dao-acme-v1', 'dao-acme-v2'] })}\n\n`);
      await waitFor(() => events.count('acme') === 1);
      events.publish('dao-other-v1', daoEvent('VoteCast', 7n, 'tx-other'));
      events.publish('dao-acme-v2', daoEvent('Heartbeat', 8n, 'tx-mkt', 'marketplace'));
      events.publish('dao-acme-v2', daoEvent('VoteCast', 9n, 'tx-vote'));
      text = await readUntil(reader, (t) => t.includes('tx-vote') && t.includes(': heartbeat'), text);
      expect(text).toContain(`id: 9:tx-vote\nevent: ledger\ndata: ${JSON.stringify({ daoId: 'acme', event: 'VoteCast', channel: 'dao-acme-v2', version: 2, blockNumber: '9', txId: 'tx-vote' })}\n\n`);
      expect(text).not.toMatch(/tx-other|tx-mkt|secret/);
      abort.abort();
      await waitFor(() => events.count() === 0);
      expect(failures).toEqual([]);
    } finally {
      abort.abort();
      server.closeAllConnections();
      server.close();
    }
  });

  it('ends the open streams when the bridge stops, and ends a late subscriber at once', async () => {
    const events = new LiveEvents();
    const { url, server } = await serve(new LiveController(source(events)), principal('AcmeMSP'));
    try {
      const response = await fetch(`${url}/daos/acme/events`);
      const reader = response.body!.getReader();
      await readUntil(reader, (t) => t.includes('event: ready'));
      await waitFor(() => events.count() === 1);
      events.close();
      // The stream ends: read() reports done.
      await readUntil(reader, () => false);
      expect(events.count()).toBe(0);
      let ended = false;
      events.subscribe('acme', { notify: () => undefined, end: () => void (ended = true) });
      expect(ended).toBe(true);
      expect(events.count()).toBe(0);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('gives a client that reconnects with Last-Event-ID what it missed, after ready and before anything new; says null when that is no longer kept', async () => {
    const events = new LiveEvents();
    const { url, server } = await serve(new LiveController(source(events)), principal('AcmeMSP'));
    const streams: AbortController[] = [];
    const open = async (lastEventId?: string) => {
      const abort = new AbortController();
      streams.push(abort);
      const response = await fetch(`${url}/daos/acme/events`, { signal: abort.signal, ...(lastEventId ? { headers: { 'last-event-id': lastEventId } } : {}) });
      return response.body!.getReader();
    };
    try {
      events.publish('dao-acme-v1', daoEvent('ProposalCreated', 3n, 'tx-a'));
      events.publish('dao-other-v1', daoEvent('VoteCast', 4n, 'tx-other'));
      events.publish('dao-acme-v1', daoEvent('VoteCast', 5n, 'tx-b'));
      events.publish('dao-acme-v2', daoEvent('VoteCast', 6n, 'tx-c'));

      const resumed = await open('3:tx-a');
      let text = await readUntil(resumed, (t) => t.includes('tx-c'));
      const ready = text.indexOf('event: ready');
      expect(text).toContain(`data: ${JSON.stringify({ daoId: 'acme', channels: ['dao-acme-v1', 'dao-acme-v2'], replayed: 2 })}`);
      expect([text.indexOf('id: 5:tx-b'), text.indexOf('id: 6:tx-c')].every((i) => i > ready)).toBe(true);
      expect(text.indexOf('id: 5:tx-b')).toBeLessThan(text.indexOf('id: 6:tx-c'));
      expect(text).not.toMatch(/tx-a\n|tx-other/);
      // New ones follow the replayed ones on the same stream.
      await waitFor(() => events.count('acme') === 1);
      events.publish('dao-acme-v2', daoEvent('ProposalDecided', 7n, 'tx-d'));
      text = await readUntil(resumed, (t) => t.includes('tx-d'), text);
      expect(text.match(/id: /g)).toHaveLength(3);

      // The last one heard: nothing to replay. An id never kept: null, read the state again.
      const current = await open('7:tx-d');
      expect(await readUntil(current, (t) => t.includes('event: ready'))).toContain('"replayed":0');
      const unknown = await open('1:tx-gone');
      const unknownText = await readUntil(unknown, (t) => t.includes('event: ready'));
      expect(unknownText).toContain('"replayed":null');
      expect(unknownText).not.toContain('event: ledger');
      // Only the latest LIVE_REPLAY_LIMIT of a DAO are kept.
      for (let i = 0; i < LIVE_REPLAY_LIMIT; i++) events.publish('dao-acme-v1', daoEvent('VoteCast', 100n + BigInt(i), `tx-${i}`));
      expect(events.since('acme', '7:tx-d')).toBeUndefined();
      expect(events.since('acme', '100:tx-0')).toHaveLength(LIVE_REPLAY_LIMIT - 1);
    } finally {
      for (const s of streams) s.abort();
      server.closeAllConnections();
      server.close();
    }
  });
});
