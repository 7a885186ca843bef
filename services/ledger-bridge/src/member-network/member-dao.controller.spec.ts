import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import type { Principal } from '@datawell/auth';
import { AdminError } from '../admin/admin.errors';
import type { MemberLedger } from '../admin/member-dao';
import { MemberDaoController } from './member-dao.controller';

const principal = (mspId: string, role: Principal['role'] = 'DSP'): Principal => ({ mspId, enrollmentId: 'alice', role, certificateFingerprint: 'ab' });

function controller(opts: { answer?: (channel: string, fn: string, args: readonly string[]) => Promise<string>; submit?: (channel: string, fn: string, args: readonly string[]) => Promise<{ txId: string }>; channels?: string[]; proposalIds?: Record<string, string[]>; allocationIds?: Record<string, string[]>; channelOrganisations?: (channel: string) => Promise<Array<{ mspId: string; rootCertPems: string[] }>> } = {}) {
  const calls: string[] = [];
  const ledger: MemberLedger = {
    mspId: 'AcmeMSP',
    evaluate: async (mspId, channel, chaincode, fn, args) => {
      calls.push(`evaluate ${mspId} ${channel} ${chaincode} ${fn}`);
      return (opts.answer ?? (async () => '{}'))(channel, fn, args);
    },
    submit: async (channel, chaincode, fn, args) => {
      calls.push(`submit ${channel} ${chaincode} ${fn} ${args.join(' ')}`);
      return (opts.submit ?? (async () => ({ txId: 'tx1' })))(channel, fn, args);
    },
    channels: async () => opts.channels ?? ['marketplace', 'dao-acme-v1', 'dao-acme-v2', 'dao-other-v7'],
    ...(opts.proposalIds ? { proposalIds: (channel: string) => opts.proposalIds?.[channel] ?? [] } : {}),
    ...(opts.allocationIds ? { allocationIds: (channel: string) => opts.allocationIds?.[channel] ?? [] } : {}),
    ...(opts.channelOrganisations
      ? {
          channelOrganisations: async (channel: string) => {
            calls.push(`config ${channel}`);
            return opts.channelOrganisations!(channel);
          },
        }
      : {}),
  };
  return { calls, controller: new MemberDaoController(ledger) };
}

/** A chaincode refusal as the gateway reports it: the code in an endorsement detail. */
const refusal = (text: string) => Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { code: 10, details: [{ message: `chaincode response 500, ${text}` }] });

describe("a member bridge's own API over its DAOs", () => {
  it("reads a version's state and entitlements as its own organisation, on the version's channel", async () => {
    const { calls, controller: c } = controller({ answer: async (_channel, fn) => JSON.stringify({ fn }) });
    await expect(c.read(principal('AcmeMSP'), 'acme', '2', 'state')).resolves.toEqual({ fn: 'GetVersion' });
    await expect(c.read(principal('AcmeMSP', 'VSP'), 'acme', '2', 'entitlements')).resolves.toEqual({ fn: 'GetEntitlements' });
    expect(calls).toEqual(['evaluate AcmeMSP dao-acme-v2 dao GetVersion', 'evaluate AcmeMSP dao-acme-v2 dao GetEntitlements']);
  });

  it("lets its own MPC node's identity (a workload's) read a version's state, its ledger check, and nothing more", async () => {
    const { calls, controller: c } = controller({ answer: async (_channel, fn) => JSON.stringify({ fn }) });
    const node: Principal = { ...principal('AcmeMSP', 'VSP'), enrollmentId: 'acme.v2.acme-mpc', workload: 'mpc-node' };
    await expect(c.read(node, 'acme', '2', 'state')).resolves.toEqual({ fn: 'GetVersion' });
    await expect(c.read(node, 'acme', '2', 'entitlements')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining("a workload's identity (mpc-node)") });
    await expect(c.read({ ...node, mspId: 'OtherMSP' }, 'acme', '2', 'state')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toEqual(['evaluate AcmeMSP dao-acme-v2 dao GetVersion']);
  });

  it("reads a version's channel organisations from Fabric's channel config on its own peer, for a channel it follows", async () => {
    const { calls, controller: c } = controller({ channelOrganisations: async () => [{ mspId: 'BetaMSP', rootCertPems: ['beta-ca'] }, { mspId: 'AcmeMSP', rootCertPems: ['acme-ca-1', 'acme-ca-2'] }] });
    await expect(c.channel(principal('AcmeMSP'), 'acme', '2')).resolves.toEqual({
      daoId: 'acme',
      version: 2,
      channel: 'dao-acme-v2',
      organisations: ['AcmeMSP', 'BetaMSP'],
      rootCertificates: { AcmeMSP: ['acme-ca-1', 'acme-ca-2'], BetaMSP: ['beta-ca'] },
      source: 'fabric-channel-config',
    });
    // Its own MPC node (a workload's identity) reads it too: the requester's CA for its ledger check.
    const node: Principal = { ...principal('AcmeMSP', 'VSP'), enrollmentId: 'acme.v2.acme-mpc', workload: 'mpc-node' };
    await expect(c.channel(node, 'acme', '2')).resolves.toMatchObject({ rootCertificates: { BetaMSP: ['beta-ca'] } });
    // A channel its bridge does not follow, another organisation's identity: refused before the peer.
    await expect(c.channel(principal('AcmeMSP'), 'acme', '3')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(c.channel(principal('OtherMSP'), 'acme', '2')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toEqual(['config dao-acme-v2', 'config dao-acme-v2']);
    // A peer that cannot give the config, a bridge without a Fabric administration of its own: LEDGER_UNAVAILABLE.
    const failing = controller({
      channelOrganisations: async () => {
        throw new Error('Error: failed to fetch config block\nmore');
      },
    });
    await expect(failing.controller.channel(principal('AcmeMSP'), 'acme', '1')).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', message: expect.stringContaining('failed to fetch config block') });
    await expect(controller().controller.channel(principal('AcmeMSP'), 'acme', '1')).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', message: expect.stringContaining('no Fabric administration') });
  });

  it("refuses another organisation's identity (the operator's too) before reaching the peer", async () => {
    const { calls, controller: c } = controller();
    await expect(c.read(principal('OtherMSP'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.read(principal('OperatorMSP', 'OPERATOR'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.revenue(principal('OtherMSP'), 'acme', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toEqual([]);
  });

  it('answers VERSION_NOT_FOUND where the peer has no such channel, LEDGER_UNAVAILABLE when it does not answer', async () => {
    const notMember = controller({
      answer: async () => {
        throw Object.assign(new Error('access denied: channel [dao-acme-v9] creator org unknown'), { code: 7 });
      },
    });
    await expect(notMember.controller.read(principal('AcmeMSP'), 'acme', '9', 'state')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    const down = controller({
      answer: async () => {
        throw Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 });
      },
    });
    await expect(down.controller.read(principal('AcmeMSP'), 'acme', '1', 'state')).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });

  it('records revenue on the top channel of the DAO it is in, signed by itself, under the revenue id given', async () => {
    const { calls, controller: c } = controller();
    await expect(c.revenue(principal('AcmeMSP'), 'acme', { amount: '1000', kind: 'subscription', revenueId: 'r-1', reference: 'invoice 7' })).resolves.toEqual({ daoId: 'acme', channel: 'dao-acme-v2', revenueId: 'r-1', txId: 'tx1' });
    expect(calls).toEqual([`submit dao-acme-v2 dao RecordRevenue ${JSON.stringify({ revenueId: 'r-1', amount: '1000', kind: 'subscription-period', reference: 'invoice 7' })}`]);
    const made = await c.revenue(principal('AcmeMSP'), 'acme', { amount: '5', kind: 'use' });
    expect(made.revenueId).toMatch(/^rev-[0-9a-f-]{36}$/);
  });

  it('refuses bad revenue before the ledger, a DAO it is in no version of, and maps the chaincode\'s refusals', async () => {
    const { calls, controller: c } = controller();
    for (const bad of [{}, { amount: '0', kind: 'use' }, { amount: '1.5', kind: 'use' }, { amount: '10', kind: 'gift' }, { amount: '10', kind: 'use', extra: 1 }, [1]]) {
      await expect(c.revenue(principal('AcmeMSP'), 'acme', bad)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
    await expect(c.revenue(principal('AcmeMSP'), 'nope', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(calls).toEqual([]);
    const exists = controller({ submit: async () => Promise.reject(refusal('CONFLICT: revenue r-1 is already recorded')) });
    await expect(exists.controller.revenue(principal('AcmeMSP'), 'acme', { amount: '10', kind: 'use', revenueId: 'r-1' })).rejects.toMatchObject({ code: 'REVENUE_EXISTS' });
    const refused = controller({ submit: async () => Promise.reject(refusal('FORBIDDEN: AcmeMSP is not an active member')) });
    await expect(refused.controller.revenue(principal('AcmeMSP'), 'acme', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'LEDGER_REJECTED', message: expect.stringMatching(/not an active member/) });
    const down = controller({ submit: async () => Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 })) });
    await expect(down.controller.revenue(principal('AcmeMSP'), 'acme', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    // The bridge's own refusal (its channel config watch holds the channel refused) reaches the caller as it is: 422, not a peer outage.
    const held = controller({ submit: async () => Promise.reject(new AdminError('CHANNEL_REFUSED', 'AcmeMSP signs nothing more on dao-acme-v2')) });
    await expect(held.controller.revenue(principal('AcmeMSP'), 'acme', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'CHANNEL_REFUSED', status: 422 });
  });

  it("registers a self-hosted workload's key on the version's channel, signed by itself, and maps refusals", async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { calls, controller: c } = controller();
    await expect(c.workload(principal('AcmeMSP', 'VSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).resolves.toEqual({ daoId: 'acme', version: 1, channel: 'dao-acme-v1', workloadId: 'own-1', owner: 'AcmeMSP', txId: 'tx1' });
    expect(calls).toEqual([`submit dao-acme-v1 dao RegisterWorkload ${JSON.stringify({ workloadId: 'own-1', publicKeyPem })}`]);
    await expect(c.workload(principal('OtherMSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    for (const bad of [{}, { workloadId: 'own-1' }, { workloadId: 'own 1', publicKeyPem }, { workloadId: 'own-1', publicKeyPem: 'not a key' }, { workloadId: 'own-1', publicKeyPem, extra: 1 }]) {
      await expect(c.workload(principal('AcmeMSP'), 'acme', '1', bad)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
    await expect(c.workload(principal('AcmeMSP'), 'acme', '3', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(calls).toHaveLength(1);
    const exists = controller({ submit: async () => Promise.reject(refusal('CONFLICT: workload own-1 is already registered')) });
    await expect(exists.controller.workload(principal('AcmeMSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'WORKLOAD_EXISTS' });
    const refused = controller({ submit: async () => Promise.reject(refusal('INVALID_ARGUMENT: unsupported key')) });
    await expect(refused.controller.workload(principal('AcmeMSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'LEDGER_REJECTED' });
    const down = controller({ submit: async () => Promise.reject(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 })) });
    await expect(down.controller.workload(principal('AcmeMSP'), 'acme', '1', { workloadId: 'own-1', publicKeyPem })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });
});

describe("a member's governance and exit through its own bridge", () => {
  const TERMS = { durationDays: 365, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 30, abandonAfterSeconds: 600, exitNoticeSeconds: 0, votingPeriodSeconds: 3600, quorumPpm: 500_000, computations: [] };
  const read = async (_channel: string, fn: string) => JSON.stringify(fn === 'GetProposal' ? { proposalId: 'p1', status: 'open', votes: [] } : { mspId: 'AcmeMSP', exitRequestedAtMs: 5 });

  it('proposes, votes, closes and gives notice on the version named, signed by itself, answering the state after the write', async () => {
    const { calls, controller: c } = controller({ answer: read });
    await expect(c.propose(principal('AcmeMSP'), 'acme', '1', { proposalId: 'p1', kind: 'change-terms', payload: TERMS })).resolves.toEqual({
      daoId: 'acme',
      version: 1,
      channel: 'dao-acme-v1',
      txId: 'tx1',
      proposal: { proposalId: 'p1', status: 'open', votes: [] },
    });
    await expect(c.vote(principal('AcmeMSP'), 'acme', '2', 'p1', { choice: 'no' })).resolves.toMatchObject({ channel: 'dao-acme-v2', proposal: { proposalId: 'p1' } });
    await expect(c.proposal(principal('AcmeMSP'), 'acme', '2', 'p1')).resolves.toMatchObject({ status: 'open' });
    await expect(c.close(principal('AcmeMSP'), 'acme', '2', 'p1')).resolves.toMatchObject({ txId: 'tx1' });
    await expect(c.exit(principal('AcmeMSP', 'VSP'), 'acme', '2', {})).resolves.toMatchObject({ channel: 'dao-acme-v2', member: { mspId: 'AcmeMSP', exitRequestedAtMs: 5 } });
    await expect(c.completeExit(principal('AcmeMSP'), 'acme', '2', 'OtherMSP')).resolves.toMatchObject({ channel: 'dao-acme-v2' });
    expect(calls).toEqual([
      `submit dao-acme-v1 dao CreateProposal ${JSON.stringify({ proposalId: 'p1', kind: 'change-terms', payload: TERMS })}`,
      'evaluate AcmeMSP dao-acme-v1 dao GetProposal',
      'submit dao-acme-v2 dao CastVote p1 no',
      'evaluate AcmeMSP dao-acme-v2 dao GetProposal',
      'evaluate AcmeMSP dao-acme-v2 dao GetProposal',
      'submit dao-acme-v2 dao CloseProposal p1',
      'evaluate AcmeMSP dao-acme-v2 dao GetProposal',
      'submit dao-acme-v2 dao RequestExit ',
      'evaluate AcmeMSP dao-acme-v2 dao GetMember',
      'submit dao-acme-v2 dao CompleteExit OtherMSP',
      'evaluate AcmeMSP dao-acme-v2 dao GetMember',
    ]);
    const made = await c.propose(principal('AcmeMSP'), 'acme', '1', { kind: 'dissolve' });
    expect(JSON.parse(calls.at(-2)!.split(' ').slice(4).join(' '))).toMatchObject({ kind: 'dissolve', proposalId: expect.stringMatching(/^prop-[0-9a-f-]{36}$/) });
    expect(made.txId).toBe('tx1');
  });

  it("lists the version's proposals the bridge has seen, newest first, each read on its own peer; none known is an empty list", async () => {
    const answer = async (_channel: string, _fn: string, args: readonly string[]) => JSON.stringify({ proposalId: args[0], status: 'open', votes: [] });
    const { calls, controller: c } = controller({ answer, proposalIds: { 'dao-acme-v2': ['p1', 'p2'] } });
    await expect(c.proposals(principal('AcmeMSP'), 'acme', '2')).resolves.toEqual([
      { proposalId: 'p2', status: 'open', votes: [] },
      { proposalId: 'p1', status: 'open', votes: [] },
    ]);
    expect(calls).toEqual(['evaluate AcmeMSP dao-acme-v2 dao GetProposal', 'evaluate AcmeMSP dao-acme-v2 dao GetProposal']);
    await expect(c.proposals(principal('AcmeMSP'), 'acme', '1')).resolves.toEqual([]);
    await expect(controller({ answer }).controller.proposals(principal('AcmeMSP'), 'acme', '1')).resolves.toEqual([]);
    await expect(c.proposals(principal('AcmeMSP'), 'other', '1')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(c.proposals(principal('OtherMSP'), 'acme', '2')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it("lists the version's allocations the bridge has seen, oldest first, each read on its own peer (GetAllocation); none known is an empty list", async () => {
    const answer = async (_channel: string, fn: string, args: readonly string[]) => JSON.stringify({ fn, allocationId: args[0], txId: `tx-${args[0]}` });
    const { calls, controller: c } = controller({ answer, allocationIds: { 'dao-acme-v1': ['revenue:r1', 'relay:dao-acme-v2:tx9'] } });
    await expect(c.allocations(principal('AcmeMSP', 'VSP'), 'acme', '1')).resolves.toEqual([
      { fn: 'GetAllocation', allocationId: 'revenue:r1', txId: 'tx-revenue:r1' },
      { fn: 'GetAllocation', allocationId: 'relay:dao-acme-v2:tx9', txId: 'tx-relay:dao-acme-v2:tx9' },
    ]);
    expect(calls).toEqual(['evaluate AcmeMSP dao-acme-v1 dao GetAllocation', 'evaluate AcmeMSP dao-acme-v1 dao GetAllocation']);
    await expect(c.allocations(principal('AcmeMSP'), 'acme', '2')).resolves.toEqual([]);
    await expect(controller({ answer }).controller.allocations(principal('AcmeMSP'), 'acme', '1')).resolves.toEqual([]);
    await expect(c.allocations(principal('AcmeMSP'), 'other', '1')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(c.allocations(principal('OtherMSP'), 'acme', '1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toHaveLength(2);
  });

  it('refuses bad input, other organisations and versions it is not in before the ledger is asked', async () => {
    const { calls, controller: c } = controller({ answer: read });
    for (const bad of [{}, { kind: 'merge' }, { kind: 'change-terms', payload: { ...TERMS, quorumPpm: 2_000_000 } }, { kind: 'change-terms', payload: { ...TERMS, votingPeriodSeconds: 0 } }, { kind: 'dissolve', extra: 1 }, { kind: 'admit-member', payload: { mspId: 'nope' } }, { kind: 'dissolve', proposalId: 'a b' }]) {
      await expect(c.propose(principal('AcmeMSP'), 'acme', '1', bad)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
    for (const bad of [{}, { choice: 'maybe' }, { choice: 'yes', weight: 5 }, 'yes']) {
      await expect(c.vote(principal('AcmeMSP'), 'acme', '1', 'p1', bad)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    }
    await expect(c.vote(principal('AcmeMSP'), 'acme', '1', 'p 1', { choice: 'yes' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.proposal(principal('AcmeMSP'), 'acme', '1', '../x')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.exit(principal('AcmeMSP'), 'acme', '1', { notice: 0 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.completeExit(principal('AcmeMSP'), 'acme', '1', 'someone')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.propose(principal('AcmeMSP'), 'Bad_Id', '1', { kind: 'dissolve' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.vote(principal('AcmeMSP'), 'acme', '3', 'p1', { choice: 'yes' })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(c.exit(principal('AcmeMSP'), 'other', '1', {})).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(c.propose(principal('OtherMSP'), 'acme', '1', { kind: 'dissolve' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.vote(principal('OperatorMSP', 'OPERATOR'), 'acme', '1', 'p1', { choice: 'yes' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.read(principal('AcmeMSP'), 'acme', '1', 'proposals')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(calls).toEqual([]);
  });

  it("maps the chaincode's refusals to stable codes, shared with revenue; a peer that does not answer is LEDGER_UNAVAILABLE, nothing is a bare error", async () => {
    const failing = (error: Error) => controller({ answer: read, submit: async () => Promise.reject(error) }).controller;
    const cases: Array<[string, string]> = [
      ['CONFLICT: ALREADY_VOTED: AcmeMSP has already voted on proposal p1', 'ALREADY_VOTED'],
      ['CONFLICT: VOTING_CLOSED: voting on proposal p1 closed at 5 (now 6)', 'VOTING_CLOSED'],
      ['CONFLICT: PROPOSAL_DECIDED: proposal p1 is already accepted', 'PROPOSAL_DECIDED'],
      ['CONFLICT: DAO_DISSOLVED: DAO acme is dissolved', 'DAO_DISSOLVED'],
      ['FORBIDDEN: AcmeMSP is exited and may not vote', 'NOT_A_MEMBER'],
      ['NOT_FOUND: no proposal p1', 'PROPOSAL_NOT_FOUND'],
      ['INVALID_ARGUMENT: choice: Invalid option', 'LEDGER_REJECTED'],
    ];
    for (const [text, code] of cases) await expect(failing(refusal(text)).vote(principal('AcmeMSP'), 'acme', '1', 'p1', { choice: 'yes' })).rejects.toMatchObject({ code, message: expect.stringContaining(text) });
    await expect(failing(refusal('CONFLICT: PROPOSAL_EXISTS: proposal p1 exists already')).propose(principal('AcmeMSP'), 'acme', '1', { kind: 'dissolve', proposalId: 'p1' })).rejects.toMatchObject({ code: 'PROPOSAL_EXISTS', status: 409 });
    await expect(failing(refusal('CONFLICT: ALREADY_A_MEMBER: NewMSP is already a member')).propose(principal('AcmeMSP'), 'acme', '1', { kind: 'admit-member', payload: { mspId: 'NewMSP', role: 'VSP', name: 'n' } })).rejects.toMatchObject({ code: 'ALREADY_A_MEMBER' });
    await expect(failing(refusal('CONFLICT: VOTING_OPEN: voting on proposal p1 runs until 9')).close(principal('AcmeMSP'), 'acme', '1', 'p1')).rejects.toMatchObject({ code: 'VOTING_OPEN' });
    await expect(failing(refusal('CONFLICT: EXIT_ALREADY_REQUESTED: AcmeMSP has already requested exit')).exit(principal('AcmeMSP'), 'acme', '1', {})).rejects.toMatchObject({ code: 'EXIT_ALREADY_REQUESTED' });
    await expect(failing(refusal('CONFLICT: EXIT_NOTICE_RUNNING: the exit notice of OtherMSP runs until 9')).completeExit(principal('AcmeMSP'), 'acme', '1', 'OtherMSP')).rejects.toMatchObject({ code: 'EXIT_NOTICE_RUNNING' });
    await expect(failing(refusal('CONFLICT: OtherMSP is already exited')).completeExit(principal('AcmeMSP'), 'acme', '1', 'OtherMSP')).rejects.toMatchObject({ code: 'MEMBER_NOT_ACTIVE' });
    await expect(failing(refusal('NOT_FOUND: OtherMSP is not a member of this DAO version')).completeExit(principal('AcmeMSP'), 'acme', '1', 'OtherMSP')).rejects.toMatchObject({ code: 'MEMBER_NOT_FOUND' });
    // The same refusal on the revenue route gets the same code.
    await expect(failing(refusal('CONFLICT: DAO_DISSOLVED: DAO acme is dissolved')).revenue(principal('AcmeMSP'), 'acme', { amount: '10', kind: 'use' })).rejects.toMatchObject({ code: 'DAO_DISSOLVED' });
    for (const error of [Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 }), Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 }), new Error('CastVote on dao-acme-v1 was not committed: validation code 11')]) {
      await expect(failing(error).vote(principal('AcmeMSP'), 'acme', '1', 'p1', { choice: 'yes' })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', status: 503 });
    }
    await expect(failing(new Error('something odd')).vote(principal('AcmeMSP'), 'acme', '1', 'p1', { choice: 'yes' })).rejects.toMatchObject({ code: 'LEDGER_REJECTED', status: 422 });
    const unread = controller({ answer: async () => Promise.reject(refusal('NOT_FOUND: no proposal p9')) }).controller;
    await expect(unread.proposal(principal('AcmeMSP'), 'acme', '1', 'p9')).rejects.toMatchObject({ code: 'PROPOSAL_NOT_FOUND', status: 404 });
  });

  it("signs a config update for this organisation's administrators only, through its own check", async () => {
    const signed: unknown[] = [];
    const signatures = { sign: async (daoId: string, version: number, body: unknown) => (signed.push({ daoId, version, body }), { signedBy: 'AcmeMSP' }) };
    const ledger = { mspId: 'AcmeMSP', evaluate: async () => '{}', submit: async () => ({ txId: 'tx1' }), channels: async () => [] } satisfies MemberLedger;
    const c = new MemberDaoController(ledger, null, signatures as never);
    const body = { transferId: 't1', envelope: 'ZW52' };
    await expect(c.signConfigUpdate(principal('AcmeMSP'), 'acme', '2', body)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('not an administrator of AcmeMSP') });
    await expect(c.signConfigUpdate({ ...principal('OtherMSP'), admin: true }, 'acme', '2', body)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(signed).toEqual([]);
    await expect(c.signConfigUpdate({ ...principal('AcmeMSP'), admin: true }, 'acme', '2', body)).resolves.toEqual({ signedBy: 'AcmeMSP' });
    expect(signed).toEqual([{ daoId: 'acme', version: 2, body }]);
    await expect(new MemberDaoController(ledger).signConfigUpdate({ ...principal('AcmeMSP'), admin: true }, 'acme', '2', body)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });

  it("approves a collection's redefinition for this organisation's administrators only", async () => {
    const asked: unknown[] = [];
    const collections = { redefine: async (daoId: string, version: number, body: unknown) => (asked.push({ daoId, version, body }), { outcome: 'approved' }) };
    const ledger = { mspId: 'AcmeMSP', evaluate: async () => '{}', submit: async () => ({ txId: 'tx1' }), channels: async () => [] } satisfies MemberLedger;
    const c = new MemberDaoController(ledger, null, null, collections as never);
    const body = { commit: true };
    await expect(c.redefineCollection(principal('AcmeMSP'), 'acme', '2', body)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403, message: expect.stringContaining('not an administrator of AcmeMSP') });
    await expect(c.redefineCollection({ ...principal('OtherMSP'), admin: true }, 'acme', '2', body)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(asked).toEqual([]);
    await expect(c.redefineCollection({ ...principal('AcmeMSP'), admin: true }, 'acme', '2', body)).resolves.toEqual({ outcome: 'approved' });
    expect(asked).toEqual([{ daoId: 'acme', version: 2, body }]);
    await expect(new MemberDaoController(ledger).redefineCollection({ ...principal('AcmeMSP'), admin: true }, 'acme', '2', body)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', status: 503 });
  });
});
