import { proposalSigningText } from '@datawell/domain';
import { asParty, bootNegotiation, hex, waitFor, type Party } from './harness';

jest.setTimeout(180_000);

const IDLE_SECONDS = 3;

const terms = (recipients: string[]) => ({
  durationDays: 365,
  businessModel: 'pay-per-use',
  heartbeatIntervalSeconds: 5,
  abandonAfterSeconds: 30,
  exitNoticeSeconds: 0,
  computations: [{ name: 'mean', resultRecipients: recipients }],
});

/**
 * The idle deadline on the real PostgreSQL and Kafka: a session nobody touches for longer than
 * NEGOTIATION_SESSION_IDLE_SECONDS ends (terminated, SESSION_EXPIRED) by the service's own sweep,
 * with no request arriving; every later proposal or acceptance is refused with 409
 * SESSION_TERMINATED and changes nothing. Nothing here depends on how fast the machine is: the
 * test waits (up to a minute) for the state, and a deadline can only have passed, never be early.
 */
describe('negotiation: idle sessions end with a reason', () => {
  let neg: Awaited<ReturnType<typeof bootNegotiation>>;
  const as = (p: Party) => asParty(neg, p);
  const proposal = (dsp: Party, vsp: Party) => ({
    betaPpm: 800_000,
    members: [{ mspId: dsp.mspId }, { mspId: vsp.mspId }],
    terms: terms([vsp.mspId]),
    infrastructure: { workloads: [{ name: `mpc-${vsp.mspId.toLowerCase()}`, owner: vsp.mspId, placement: 'self-hosted', kind: 'mpc-node', parameters: { memoryMb: 256 } }] },
  });
  const signedProposal = (p: Party, sessionId: string, body: unknown, answers: number) => ({
    answers,
    proposal: body,
    certificatePem: p.certificatePem,
    signature: p.sign(proposalSigningText(sessionId, answers, body)),
  });

  beforeAll(async () => {
    neg = await bootNegotiation({ NEGOTIATION_SESSION_IDLE_SECONDS: String(IDLE_SECONDS), NEGOTIATION_EXPIRY_SWEEP_SECONDS: '1' });
  });
  afterAll(async () => {
    await neg?.close();
  });

  it('a session left idle is terminated by the sweep (SESSION_EXPIRED, in the timeline and history); proposals and acceptances are then refused with 409 SESSION_TERMINATED', async () => {
    const dsp = await neg.party('DSP');
    const vsp = await neg.party('VSP');
    const daoId = `x-${hex()}`;
    const created = await as(dsp).post('/sessions', { kind: 'formation', daoId, parties: [vsp.mspId] }).expect(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ status: 'open', state: 'requested' });
    expect(Date.parse(created.body.deadline) - Date.parse(created.body.updatedAt)).toBe(IDLE_SECONDS * 1000);

    const ended = await waitFor('the session to expire', async () => {
      const { body } = await as(dsp).get(`/sessions/${id}`).expect(200);
      return body.state === 'terminated' ? body : undefined;
    }, { timeoutMs: 60_000 });
    expect(ended).toMatchObject({ status: 'failed', state: 'terminated', deadline: null, failure: { code: 'SESSION_EXPIRED' } });
    expect(ended.timeline.map((t: { state: string }) => t.state)).toEqual(['requested', 'terminated']);
    expect(ended.timeline[1]).toMatchObject({ change: 'terminated', reason: { code: 'SESSION_EXPIRED' } });
    expect(ended.timeline[1].reason.message).toContain(`${IDLE_SECONDS} s`);
    expect(Date.parse(ended.timeline[1].at) - Date.parse(ended.timeline[0].at)).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000);

    const late = await as(vsp).post(`/sessions/${id}/proposals`, signedProposal(vsp, id, proposal(dsp, vsp), 0));
    expect([late.status, late.body.code]).toEqual([409, 'SESSION_TERMINATED']);
    expect(late.body.message).toContain('SESSION_EXPIRED');
    const acceptance = await as(dsp).post(`/sessions/${id}/acceptances`, { revision: 1, certificatePem: dsp.certificatePem, signature: dsp.sign('anything') });
    expect([acceptance.status, acceptance.body.code]).toEqual([409, 'SESSION_TERMINATED']);

    // Nothing was recorded by the refused writes.
    const { body: history } = await as(vsp).get(`/sessions/${id}/history`).expect(200);
    expect(history.map((h: { change: string; state: string | null }) => [h.change, h.state])).toEqual([
      ['created', 'requested'],
      ['terminated', 'terminated'],
    ]);
    expect(history[1].detail).toMatchObject({ code: 'SESSION_EXPIRED', from: 'requested' });
    expect((await as(vsp).get(`/sessions/${id}`).expect(200)).body.revision).toBe(0);
    const { body: list } = await as(vsp).get('/sessions').expect(200);
    expect(list.find((s: { id: string }) => s.id === id)).toMatchObject({ status: 'failed', state: 'terminated', deadline: null });
  });

  it('a session still negotiating keeps its state until its deadline has passed: a fresh one is requested with a deadline ahead', async () => {
    const dsp = await neg.party('DSP');
    const vsp = await neg.party('VSP');
    const created = await as(dsp).post('/sessions', { kind: 'formation', daoId: `y-${hex()}`, parties: [vsp.mspId] }).expect(201);
    expect(created.body.state).toBe('requested');
    expect(Date.parse(created.body.deadline)).toBeGreaterThan(Date.parse(created.body.createdAt));
  });
});
