import 'reflect-metadata';
import { createPrivateKey, sign, verify, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { Principal } from '@datawell/auth';
import { proposalSigningText } from '@datawell/domain';
import type { DaosRepository } from '../daos/daos.repository';
import type { SessionPlan } from './agreement';
import { NegotiationError } from './negotiation.errors';
import type { HistoryRecord, RevisionRecord, SessionRecord, SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { callerCertificate } from './signatures';

/*
 * Signed proposals (docs/negotiation.md, "Signed proposals"): every way a signed proposal can be
 * wrong is refused with its code and nothing is written; a good one is stored with its signature,
 * which anyone re-verifies from the history. The repository is an in-memory stand-in (the
 * integration test runs the same paths on PostgreSQL); keys and certificates are real ECDSA P-256.
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

interface Identity {
  readonly principal: Principal;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  sign(text: string): string;
}

async function identity(mspId: string, role: 'DSP' | 'VSP'): Promise<Identity> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=user1, O=${mspId}`,
    notBefore: new Date(Date.UTC(2025, 0, 1)),
    notAfter: new Date(Date.UTC(2035, 0, 1)),
    keys,
    signingAlgorithm: ALG,
  });
  const certificatePem = certificate.toString('pem');
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64')}\n-----END PRIVATE KEY-----\n`;
  const fingerprint = new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();
  return {
    principal: { mspId, enrollmentId: 'user1', role, certificateFingerprint: fingerprint },
    certificatePem,
    privateKeyPem,
    sign: (text) => sign('sha256', Buffer.from(text, 'utf8'), createPrivateKey(privateKeyPem)).toString('base64'),
  };
}

const plan: SessionPlan = {
  kind: 'formation',
  daoId: 'd1',
  version: 1,
  parties: [
    { mspId: 'DspMSP', role: 'DSP' },
    { mspId: 'VspMSP', role: 'VSP' },
  ],
};

const proposal = (betaPpm = 800_000) => ({
  betaPpm,
  members: [{ mspId: 'DspMSP' }, { mspId: 'VspMSP', weight: 1 }],
  terms: { durationDays: 365, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30, exitNoticeSeconds: 0, computations: [{ name: 'mean', resultRecipients: ['VspMSP'] }] },
  infrastructure: { workloads: [{ name: 'vsp-mpc', owner: 'VspMSP', placement: 'cloud', kind: 'mpc-node', parameters: { memoryMb: 256 } }] },
});

/** A session at `revision` in memory, recording every write. */
function memory(revision = 0, idle = false) {
  let session: SessionRecord = {
    id: 'ses-1',
    kind: 'formation',
    daoId: 'd1',
    version: 1,
    plan,
    createdBy: 'DspMSP',
    status: 'open',
    state: revision === 0 ? 'requested' : 'offered',
    stateChangedAt: '2026-01-01T00:00:00.000Z',
    revision,
    agreementId: null,
    failure: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const revisions: RevisionRecord[] = [];
  const history: HistoryRecord[] = [];
  const writes: string[] = [];
  const repository = {
    dataSource: { transaction: async (work: (manager: unknown) => Promise<unknown>) => work({}) },
    lock: async (_manager: unknown, id: string) => (id === session.id ? session : undefined),
    get: async (id: string) => (id === session.id ? session : undefined),
    addRevision: async (_manager: unknown, _id: string, r: Omit<RevisionRecord, 'createdAt'>) => {
      writes.push('revision');
      revisions.push({ ...r, createdAt: session.updatedAt });
      session = { ...session, revision: r.revision };
    },
    setState: async (_manager: unknown, _id: string, state: SessionRecord['state'], status: SessionRecord['status']) => {
      session = { ...session, state, status };
    },
    isIdle: async () => idle,
    addHistory: async (_manager: unknown, _id: string, h: { revision?: number; change: HistoryRecord['change']; state?: HistoryRecord['state']; mspId?: string; enrollmentId?: string; detail?: Record<string, unknown> }) => {
      writes.push(h.change);
      history.push({ seq: history.length + 1, revision: h.revision ?? null, change: h.change, state: h.state ?? null, mspId: h.mspId ?? null, enrollmentId: h.enrollmentId ?? null, detail: h.detail ?? {}, at: session.updatedAt });
    },
    revision: async (_id: string, r: number) => revisions.find((x) => x.revision === r),
    acceptances: async () => [],
    history: async () => history,
  };
  const service = new SessionsService({
    sessions: repository as unknown as SessionsRepository,
    daos: {} as DaosRepository,
    directory: { get: async () => undefined },
    schema: 'negotiation',
    agreementsTopic: 'agreements',
    idleSeconds: 3600,
  });
  return { service, writes, history, session: () => session, close: () => (session = { ...session, status: 'agreed', state: 'agreed' }) };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; kind: string } | string> {
  try {
    await promise;
  } catch (e) {
    return e instanceof NegotiationError ? { code: e.code, kind: e.kind } : `not a NegotiationError: ${String(e)}`;
  }
  return 'accepted';
}

describe('signed proposals', () => {
  let vsp: Identity;
  let dsp: Identity;
  let stranger: Identity;
  beforeAll(async () => {
    [vsp, dsp, stranger] = await Promise.all([identity('VspMSP', 'VSP'), identity('DspMSP', 'DSP'), identity('VspMSP', 'VSP')]);
  });

  const signed = (who: Identity, over: { sessionId?: string; answers?: number; proposal?: unknown } = {}, body: Record<string, unknown> = {}) => {
    const p = over.proposal ?? proposal();
    const answers = over.answers ?? 0;
    return { answers, proposal: p, certificatePem: who.certificatePem, signature: who.sign(proposalSigningText(over.sessionId ?? 'ses-1', answers, p)), ...body };
  };

  it('the signed text is the canonical JSON of {sessionId, answers, proposal}: keys sorted, no spaces, whatever the order sent', () => {
    expect(proposalSigningText('ses-1', 2, { members: [{ weight: 1, mspId: 'A' }], betaPpm: 5 })).toBe('{"answers":2,"proposal":{"betaPpm":5,"members":[{"mspId":"A","weight":1}]},"sessionId":"ses-1"}');
  });

  it('stores a good proposal with its signature; the history carries what anyone needs to re-verify it', async () => {
    const m = memory();
    const body = signed(vsp);
    const view = await m.service.propose(vsp.principal, 'ses-1', body);
    expect(m.writes).toEqual(['revision', 'proposed']);
    expect(view.revision).toBe(1);
    expect(view.proposal?.signed).toEqual({ answers: 0, certificateFingerprint: vsp.principal.certificateFingerprint, signature: body.signature });
    const [entry] = m.history;
    expect(entry).toMatchObject({ change: 'proposed', revision: 1, mspId: 'VspMSP', enrollmentId: 'user1' });
    const d = entry!.detail;
    expect(d).toMatchObject({ answers: 0, proposal: body.proposal, certificatePem: vsp.certificatePem, certificateFingerprint: vsp.principal.certificateFingerprint, signature: body.signature });
    const text = proposalSigningText('ses-1', d['answers'] as number, d['proposal']);
    expect(verify('sha256', Buffer.from(text), new X509Certificate(d['certificatePem'] as string).publicKey, Buffer.from(d['signature'] as string, 'base64'))).toBe(true);

    // The counter-proposal answers revision 1.
    const counter = await m.service.propose(dsp.principal, 'ses-1', signed(dsp, { answers: 1, proposal: proposal(700_000) }));
    expect([counter.revision, counter.proposal?.proposedBy, counter.proposal?.signed?.answers]).toEqual([2, 'DspMSP', 1]);
  });

  const bad: Array<[string, string, string, () => { who: Identity; body: unknown; at?: number }]> = [
    ['no signature', 'INVALID_REQUEST', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), signature: undefined } })],
    ['no certificate', 'INVALID_REQUEST', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), certificatePem: undefined } })],
    ['no answers', 'INVALID_REQUEST', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), answers: undefined } })],
    ['a negative answers', 'INVALID_REQUEST', 'invalid', () => ({ who: vsp, body: signed(vsp, { answers: -1 }) })],
    ['no proposal', 'INVALID_REQUEST', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), proposal: undefined } })],
    ['the proposal at the top level (the unsigned form)', 'INVALID_REQUEST', 'invalid', () => ({ who: vsp, body: proposal() })],
    ['a signature that is not base64', 'INVALID_REQUEST', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), signature: 'not base64!' } })],
    ['an invalid proposal, well signed', 'INVALID_PROPOSAL', 'invalid', () => ({ who: vsp, body: signed(vsp, { proposal: proposal(0) }) })],
    ['an unreadable certificate', 'INVALID_CERTIFICATE', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), certificatePem: 'not a certificate' } })],
    ["another organisation's certificate and signature", 'CERTIFICATE_MISMATCH', 'forbidden', () => ({ who: vsp, body: signed(dsp) })],
    ['another identity of the same organisation', 'CERTIFICATE_MISMATCH', 'forbidden', () => ({ who: vsp, body: signed(stranger) })],
    ['a signature by another key', 'INVALID_SIGNATURE', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), signature: signed(dsp).signature } })],
    ['a signature over another revision', 'INVALID_SIGNATURE', 'invalid', () => ({ who: vsp, body: { ...signed(vsp, { answers: 1 }), answers: 0 } })],
    ['a signature over another session', 'INVALID_SIGNATURE', 'invalid', () => ({ who: vsp, body: signed(vsp, { sessionId: 'ses-2' }) })],
    ['a proposal changed after signing', 'INVALID_SIGNATURE', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), proposal: proposal(790_000) } })],
    ['a signature over the proposal alone', 'INVALID_SIGNATURE', 'invalid', () => ({ who: vsp, body: { ...signed(vsp), signature: vsp.sign(JSON.stringify(proposal())) } })],
    ['a well-signed answer to an earlier revision', 'STALE_REVISION', 'conflict', () => ({ who: vsp, body: signed(vsp, { answers: 0 }), at: 1 })],
    ['a well-signed answer to a revision not made yet', 'STALE_REVISION', 'conflict', () => ({ who: vsp, body: signed(vsp, { answers: 2 }), at: 1 })],
  ];
  it.each(bad)('refuses %s with %s, writing nothing', async (_name, code, kind, make) => {
    const { who, body, at } = make();
    const m = memory(at ?? 0);
    expect(await refusal(m.service.propose(who.principal, 'ses-1', body))).toEqual({ code, kind });
    expect(m.writes).toEqual([]);
  });

  it('refuses a well-signed proposal to a closed session and to a non-party, writing nothing', async () => {
    const closed = memory();
    closed.close();
    expect(await refusal(closed.service.propose(vsp.principal, 'ses-1', signed(vsp)))).toEqual({ code: 'SESSION_CLOSED', kind: 'conflict' });
    const outsider = await identity('OtherMSP', 'VSP');
    const m = memory();
    expect(await refusal(m.service.propose(outsider.principal, 'ses-1', signed(outsider)))).toEqual({ code: 'SESSION_NOT_FOUND', kind: 'notFound' });
    expect([...closed.writes, ...m.writes]).toEqual([]);
  });

  it('a well-signed proposal to a session idle past its deadline terminates it first (SESSION_EXPIRED) and is refused with SESSION_TERMINATED; only the termination is written', async () => {
    const m = memory(1, true);
    expect(await refusal(m.service.propose(dsp.principal, 'ses-1', signed(dsp, { answers: 1 })))).toEqual({ code: 'SESSION_TERMINATED', kind: 'conflict' });
    expect(m.writes).toEqual(['terminated']);
    expect(m.session()).toMatchObject({ state: 'terminated', status: 'failed' });
    expect(m.history[0]).toMatchObject({ change: 'terminated', state: 'terminated', revision: 1, detail: { code: 'SESSION_EXPIRED', from: 'offered', message: 'no change for 3600 s (the idle deadline) in state offered' } });
    // A non-party learns nothing, and does not end anyone's session.
    const idle = memory(1, true);
    const outsider = await identity('OtherMSP', 'VSP');
    expect(await refusal(idle.service.propose(outsider.principal, 'ses-1', signed(outsider, { answers: 1 })))).toEqual({ code: 'SESSION_NOT_FOUND', kind: 'notFound' });
    expect(idle.writes).toEqual([]);
  });

  it('acceptances use the same certificate check', () => {
    expect(callerCertificate(vsp.principal, vsp.certificatePem).fingerprint).toBe(vsp.principal.certificateFingerprint);
    expect(() => callerCertificate(vsp.principal, dsp.certificatePem)).toThrow(expect.objectContaining({ code: 'CERTIFICATE_MISMATCH' }));
    expect(() => callerCertificate(vsp.principal, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toThrow(expect.objectContaining({ code: 'INVALID_CERTIFICATE' }));
  });
});
