import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, verify } from 'node:crypto';
import { DAO } from '@datawell/contracts';
import type { Principal } from '@datawell/auth';
import type { MemberLedger } from '../admin/member-dao';
import { AdmissionJoinError, AdmissionRouteError, NegotiationAdmissionJoins, openAdmissionJoin, type AdmissionJoins, type AdmissionSession } from './admission-join';
import { MemberDaoController } from './member-dao.controller';
import { ProposalSweeper } from './proposal-sweeper';

const logger = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const identity = { certificatePem: 'CERT', privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
const session = (proposalId: string): AdmissionSession => ({ id: 'ses-1', kind: 'join', daoId: 'acme', version: 2, state: 'requested', admission: { proposalId, openedBy: 'AcmeMSP' }, parties: [{ mspId: 'NewMSP', group: 'J2', required: true }] });

/**
 * A stand-in for the negotiation service's HTTP contract (challenge, token, POST /sessions), over a
 * real socket: it checks the challenge's signature with the member's key, and answers as told.
 */
async function negotiationStub(answer: (body: Record<string, unknown>, calls: number) => { status: number; body: unknown }) {
  const seen: Array<{ path: string; body: Record<string, unknown>; auth?: string }> = [];
  let sessionsCalls = 0;
  const read = (req: IncomingMessage) => new Promise<Record<string, unknown>>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => resolve(JSON.parse(text || '{}') as Record<string, unknown>));
  });
  const server: Server = createServer((req, res) => {
    void read(req).then((body) => {
      seen.push({ path: req.url ?? '', body, ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/auth/challenge') return send(201, { challenge: 'nonce-1' });
      if (req.url === '/auth/token') {
        const ok = body['certificatePem'] === 'CERT' && verify('sha256', Buffer.from(String(body['challenge'])), publicKey, Buffer.from(String(body['signature']), 'base64'));
        return ok ? send(201, { token: `tok-${seen.length}` }) : send(401, { code: 'UNAUTHENTICATED', message: 'bad signature' });
      }
      const { status, body: out } = answer(body, ++sessionsCalls);
      return send(status, out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('NegotiationAdmissionJoins', () => {
  it('logs in with the member key and opens the join of the admission, once logged in reusing its token', async () => {
    const stub = await negotiationStub((body) => ({ status: 201, body: session(String((body['admission'] as { proposalId: string }).proposalId)) }));
    try {
      const joins = new NegotiationAdmissionJoins(stub.url, async () => identity);
      await expect(joins.open('acme', 'admit-1', 'NewMSP')).resolves.toMatchObject({ id: 'ses-1', admission: { proposalId: 'admit-1' } });
      await joins.open('acme', 'admit-1', 'NewMSP');
      expect(stub.seen.map((s) => s.path)).toEqual(['/auth/challenge', '/auth/token', '/sessions', '/sessions']);
      expect(stub.seen[2]).toEqual({ path: '/sessions', body: { kind: 'join', daoId: 'acme', joiners: ['NewMSP'], admission: { proposalId: 'admit-1' } }, auth: 'Bearer tok-2' });
    } finally {
      await stub.close();
    }
  });

  it('logs in again once on a 401; a 4xx refusal is final, a 5xx or no answer is worth retrying', async () => {
    const stub = await negotiationStub((_body, n) => (n === 1 ? { status: 401, body: { code: 'UNAUTHENTICATED', message: 'expired' } } : n === 2 ? { status: 201, body: session('p') } : n === 3 ? { status: 409, body: { code: 'ALREADY_MEMBER', message: 'NewMSP already member' } } : { status: 500, body: { code: 'INTERNAL', message: 'boom' } }));
    try {
      const joins = new NegotiationAdmissionJoins(stub.url, async () => identity);
      await expect(joins.open('acme', 'p', 'NewMSP')).resolves.toMatchObject({ id: 'ses-1' });
      expect(stub.seen.filter((s) => s.path === '/auth/token')).toHaveLength(2);
      const refused = await joins.open('acme', 'p', 'NewMSP').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AdmissionJoinError);
      expect(refused).toMatchObject({ status: 409, code: 'ALREADY_MEMBER', final: true });
      await expect(joins.open('acme', 'p', 'NewMSP')).rejects.toMatchObject({ status: 500, final: false });
    } finally {
      await stub.close();
    }
    const gone = new NegotiationAdmissionJoins(stub.url, async () => identity, 2000);
    await expect(gone.open('acme', 'p', 'NewMSP')).rejects.toMatchObject({ code: 'NEGOTIATION_UNAVAILABLE', final: false });
  });
});

describe('openAdmissionJoin (the bridge route)', () => {
  const joins: AdmissionJoins = { open: async (_d, proposalId) => session(proposalId) };
  const accepted = { proposalId: 'admit-1', kind: 'admit-member', status: 'accepted', payload: { mspId: 'NewMSP', role: 'VSP', name: 'New' } };

  it('opens the join of an accepted admit-member proposal, and refuses anything else with its code', async () => {
    await expect(openAdmissionJoin(joins, 'acme', accepted)).resolves.toMatchObject({ daoId: 'acme', proposalId: 'admit-1', admitted: 'NewMSP', session: { id: 'ses-1' } });
    const codeOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as AdmissionRouteError).code;
    expect(await codeOf(openAdmissionJoin(joins, 'acme', { ...accepted, kind: 'dissolve' }))).toBe('NOT_AN_ADMISSION');
    expect(await codeOf(openAdmissionJoin(joins, 'acme', { ...accepted, status: 'open' }))).toBe('PROPOSAL_NOT_ACCEPTED');
    expect(await codeOf(openAdmissionJoin(joins, 'acme', { ...accepted, status: 'rejected' }))).toBe('PROPOSAL_NOT_ACCEPTED');
    expect(await codeOf(openAdmissionJoin(undefined, 'acme', accepted))).toBe('NEGOTIATION_UNAVAILABLE');
    const refusing: AdmissionJoins = { open: async () => Promise.reject(new AdmissionJoinError(400, 'UNKNOWN_PARTY', 'NewMSP is not registered')) };
    const refused = (await openAdmissionJoin(refusing, 'acme', accepted).catch((e: unknown) => e)) as AdmissionRouteError;
    expect([refused.code, refused.status, refused.exposedDetails()]).toEqual(['JOIN_REFUSED', 422, { negotiation: { status: 400, code: 'UNKNOWN_PARTY' } }]);
    const down: AdmissionJoins = { open: async () => Promise.reject(new AdmissionJoinError(undefined, 'NEGOTIATION_UNAVAILABLE', 'refused')) };
    const unavailable = (await openAdmissionJoin(down, 'acme', accepted).catch((e: unknown) => e)) as AdmissionRouteError;
    expect([unavailable.code, unavailable.status]).toEqual(['NEGOTIATION_UNAVAILABLE', 503]);
  });

  it("is the member's own route: it reads the proposal through its own peer first", async () => {
    const calls: string[] = [];
    const ledger: MemberLedger = {
      mspId: 'AcmeMSP',
      evaluate: async (_m, channel, _c, fn, args) => {
        calls.push(`${channel} ${fn} ${args.join(' ')}`);
        return JSON.stringify(accepted);
      },
      submit: async () => ({ txId: 'tx' }),
      channels: async () => ['dao-acme-v1'],
    };
    const c = new MemberDaoController(ledger, joins);
    const principal: Principal = { mspId: 'AcmeMSP', enrollmentId: 'alice', role: 'VSP', certificateFingerprint: 'ab' };
    await expect(c.join(principal, 'acme', '1', 'admit-1')).resolves.toMatchObject({ admitted: 'NewMSP', session: { id: 'ses-1' } });
    expect(calls).toEqual(['dao-acme-v1 GetProposal admit-1']);
    await expect(c.join({ ...principal, mspId: 'OtherMSP' }, 'acme', '1', 'admit-1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.join(principal, 'acme', '2', 'admit-1')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(new MemberDaoController(ledger).join(principal, 'acme', '1', 'admit-1')).rejects.toMatchObject({ code: 'NEGOTIATION_UNAVAILABLE' });
  });
});

describe('the sweep opens the join of an accepted admission it sees decided', () => {
  const decided = (proposalId: string, kind: string, outcome: string, admit?: unknown) => ({
    eventName: DAO.event.ProposalDecided,
    payload: Buffer.from(JSON.stringify({ proposalId, kind, outcome, ...(admit ? { effect: { admit, nextChannel: 'dao-acme-v2' } } : {}) })),
  });
  const noLedger = { mspId: 'AcmeMSP', channels: async () => [], daoEvents: async () => Promise.reject(new Error('unused')), submit: async () => ({ txId: 'tx' }), evaluate: async () => '[]' };

  it('opens each accepted admission once (retrying what did not get through, giving up what was refused), and nothing else', async () => {
    const opened: string[] = [];
    let down = true;
    const joins: AdmissionJoins = {
      open: async (daoId, proposalId, admitted) => {
        if (proposalId === 'refused') throw new AdmissionJoinError(409, 'ALREADY_MEMBER', 'already');
        if (down) throw new AdmissionJoinError(undefined, 'NEGOTIATION_UNAVAILABLE', 'down');
        opened.push(`${daoId} ${proposalId} ${admitted}`);
        return session(proposalId);
      },
    };
    const sweeper = new ProposalSweeper({ ledger: noLedger, logger, joins });
    sweeper.observe('dao-acme-v1', decided('admit-1', 'admit-member', 'accepted', { mspId: 'NewMSP', role: 'VSP', name: 'New' }));
    sweeper.observe('dao-acme-v1', decided('refused', 'admit-member', 'accepted', { mspId: 'OldMSP', role: 'VSP', name: 'Old' }));
    sweeper.observe('dao-acme-v1', decided('admit-2', 'admit-member', 'rejected'));
    sweeper.observe('dao-acme-v1', decided('terms', 'change-terms', 'accepted', undefined));
    expect(sweeper.pendingAdmissions().map((a) => a.proposalId)).toEqual(['admit-1', 'refused']);
    expect((await sweeper.openJoins()).map((r) => [r.proposalId, r.outcome])).toEqual([['admit-1', 'retry'], ['refused', 'given-up']]);
    down = false;
    expect((await sweeper.openJoins()).map((r) => [r.proposalId, r.outcome, r.sessionId])).toEqual([['admit-1', 'opened', 'ses-1']]);
    expect(await sweeper.openJoins()).toEqual([]);
    expect(opened).toEqual(['acme admit-1 NewMSP']);
  });

  it('without a negotiation service configured, keeps nothing to open', async () => {
    const sweeper = new ProposalSweeper({ ledger: noLedger, logger });
    sweeper.observe('dao-acme-v1', decided('admit-1', 'admit-member', 'accepted', { mspId: 'NewMSP' }));
    expect(sweeper.pendingAdmissions()).toEqual([]);
    expect(await sweeper.openJoins()).toEqual([]);
  });
});
