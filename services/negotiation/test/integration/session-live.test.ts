import { proposalSigningText } from '@datawell/domain';
import { asParty, bootNegotiation, hex, waitFor, type Party } from './harness';

jest.setTimeout(180_000);

interface SseMessage {
  readonly event: string;
  readonly id?: string;
  readonly data: Record<string, unknown>;
}

/** An open `GET /sessions/:id/events` stream read with Node's fetch: the messages so far, and its close. */
async function openStream(url: string, token: string, lastEventId?: string): Promise<{ status: number; body?: unknown; messages: SseMessage[]; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: controller.signal });
  if (res.status !== 200) return { status: res.status, body: await res.json(), messages: [], close: () => controller.abort() };
  const messages: SseMessage[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const event = field('event');
        const data = field('data');
        if (event && data) messages.push({ event, ...(field('id') ? { id: field('id')! } : {}), data: JSON.parse(data) as Record<string, unknown> });
      }
    }
  })();
  return { status: 200, messages, close: () => controller.abort() };
}

/**
 * The negotiation room's live stream against the real stack (PostgreSQL NOTIFY at commit, one
 * LISTEN per service): each party's open stream hears every committed change of its session (the
 * other party's proposal, its own acceptance), with the history entry's seq; a client that was away
 * learns at `ready` that it missed changes; no one else may follow the session.
 */
describe('negotiation: a session\'s changes as server-sent events', () => {
  let neg: Awaited<ReturnType<typeof bootNegotiation>>;
  const as = (p: Party) => asParty(neg, p);

  beforeAll(async () => {
    neg = await bootNegotiation();
  });
  afterAll(async () => {
    await neg?.close();
  });

  it("sends each party every committed change of its session, and refuses the session to anyone else", async () => {
    const [dsp, vsp, outsider] = [await neg.party('DSP'), await neg.party('VSP'), await neg.party('VSP')];
    const id = (await as(dsp).post('/sessions', { kind: 'formation', daoId: `live-${hex()}`, parties: [vsp.mspId] }).expect(201)).body.id as string;
    const url = `${neg.url}/sessions/${id}/events`;
    const streams = [await openStream(url, dsp.token), await openStream(url, vsp.token)];
    try {
      const created = (await as(dsp).get(`/sessions/${id}/history`).expect(200)).body as Array<{ seq: number }>;
      for (const s of streams) {
        await waitFor('ready', async () => (s.messages.length > 0 ? true : undefined), { timeoutMs: 30_000 });
        expect(s.messages[0]).toEqual({ event: 'ready', data: { sessionId: id, seq: created.at(-1)!.seq } });
      }

      // The VSP proposes: both streams hear it, with the seq of the new history entry.
      const terms = { durationDays: 30, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30, exitNoticeSeconds: 0, computations: [{ name: 'mean', resultRecipients: [vsp.mspId] }] };
      const proposal = { betaPpm: 700_000, members: [{ mspId: dsp.mspId }, { mspId: vsp.mspId }], terms, infrastructure: { workloads: [{ name: 'mpc-dsp', owner: dsp.mspId, placement: 'cloud', kind: 'mpc-node' }] } };
      await as(vsp).post(`/sessions/${id}/proposals`, { answers: 0, proposal, certificatePem: vsp.certificatePem, signature: vsp.sign(proposalSigningText(id, 0, proposal)) }).expect(201);
      const proposed = ((await as(dsp).get(`/sessions/${id}/history`).expect(200)).body as Array<{ seq: number; change: string }>).at(-1)!;
      expect(proposed.change).toBe('proposed');
      for (const s of streams) {
        await waitFor('the proposal heard', async () => (s.messages.some((m) => m.event === 'change') ? true : undefined), { timeoutMs: 30_000 });
        expect(s.messages.slice(1)).toEqual([{ event: 'change', id: String(proposed.seq), data: { sessionId: id, seq: proposed.seq } }]);
      }

      // A client back after missing that change says what it heard last: `ready` tells it it missed something.
      const late = await openStream(url, dsp.token, String(created.at(-1)!.seq));
      const current = await openStream(url, dsp.token, String(proposed.seq));
      try {
        await waitFor('both ready', async () => (late.messages.length > 0 && current.messages.length > 0 ? true : undefined), { timeoutMs: 30_000 });
        expect(late.messages[0]).toEqual({ event: 'ready', data: { sessionId: id, seq: proposed.seq, missed: true } });
        expect(current.messages[0]).toEqual({ event: 'ready', data: { sessionId: id, seq: proposed.seq, missed: false } });
      } finally {
        late.close();
        current.close();
      }

      // Not a party, no token, an unknown session: refused before any stream.
      expect(await openStream(url, outsider.token)).toMatchObject({ status: 404, body: { code: 'SESSION_NOT_FOUND' } });
      expect((await fetch(url)).status).toBe(401);
      expect(await openStream(`${neg.url}/sessions/00000000-0000-4000-8000-000000000000/events`, dsp.token)).toMatchObject({ status: 404, body: { code: 'SESSION_NOT_FOUND' } });
    } finally {
      for (const s of streams) s.close();
    }
  });
});
