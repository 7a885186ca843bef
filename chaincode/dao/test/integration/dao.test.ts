import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { GatewayConnection } from '@datawell/fabric';
import { channelAdmin, enrollClientIdentity, fetchChannelBlocks } from '@datawell/stack';
import { testStackContext } from '@datawell/testing';
import { acceptancesOf, connectAs, deployTestChaincode, evaluate, eventOf, failure, registerParticipants, scanBlocks, submit, twoVersionAgreements } from '@datawell/testing';
import { heartbeatSigningBytes } from '../../src/heartbeat';

/*
 * The dao chaincode on the real network: DAO `it` with version 1 on channel dao-it-v1 (D = ItDsp,
 * J1 = ItVspOne) and version 2 on dao-it-v2 (adds J2 = ItVspTwo). Organisations, channels and
 * deployments have fixed names (the stack is shared and persistent, and these calls are
 * idempotent); the versions are initialised once and every run uses fresh ids for what it records.
 */
const DSP = 'ItDspMSP';
const VSP1 = 'ItVspOneMSP';
const VSP2 = 'ItVspTwoMSP';
const V1 = { name: 'it-dao-v1', channel: 'dao-it-v1', module: 'chaincode/dao' };
const V2 = { name: 'it-dao-v2', channel: 'dao-it-v2', module: 'chaincode/dao' };
const run = randomBytes(4).toString('hex');
const DIGEST = 'ef'.repeat(32);

const agreements = twoVersionAgreements({ daoId: 'it', dsp: DSP, vsp1: VSP1, vsp2: VSP2, documentDigest: DIGEST });

const entitlement = async (conn: GatewayConnection, channel: string, name: string, msp: string) =>
  BigInt((JSON.parse(await evaluate(conn.gateway.getNetwork(channel), name, 'GetEntitlement', msp)) as { amount: string }).amount);

describe('dao chaincode on the real network', () => {
  const ctx = testStackContext();
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string, channel: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(channel);

  /** InitVersion's arguments: the agreement, and every member's acceptance (the chaincode verifies them). */
  const initArgs = async (agreement: (typeof agreements)[1 | 2]) => {
    const identities = await Promise.all(agreement.members.map((m) => enrollClientIdentity(ctx, m.mspId, 'it-chaincode')));
    return [JSON.stringify(agreement), JSON.stringify(acceptancesOf(agreement, identities, V1.name))];
  };

  beforeAll(async () => {
    // Participants of the marketplace, whose registered CA certificates InitVersion checks signatures against.
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP1, role: 'VSP' }, { mspId: VSP2, role: 'VSP' }]);
    await deployTestChaincode(ctx, V1, [DSP, VSP1]);
    await deployTestChaincode(ctx, V2, [DSP, VSP1, VSP2]);
    for (const msp of [DSP, VSP1, VSP2]) conns[msp] = await connectAs(ctx, msp);
    // InitVersion is idempotent: it creates the version once, returns it afterwards, and rewrites a
    // version an earlier chaincode stored with one key per member as one record.
    for (const [cc, version] of [[V1, 1], [V2, 2]] as const) await submit(net(DSP, cc.channel), cc.name, 'InitVersion', ...(await initArgs(agreements[version])));
  }, 900_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  it('holds each version with exactly its members, endorsed by the channel majority; a retried InitVersion returns it, another agreement is refused', async () => {
    const v2 = JSON.parse(await evaluate(net(VSP2, V2.channel), V2.name, 'GetVersion')) as { members: string[]; betaPpm: number; channel: string; status: string };
    expect(v2).toMatchObject({ members: [DSP, VSP1, VSP2], betaPpm: 750_000, channel: 'dao-it-v2', status: 'active' });
    const v1 = JSON.parse(await evaluate(net(VSP1, V1.channel), V1.name, 'GetVersion')) as { members: string[] };
    expect(v1.members).toEqual([DSP, VSP1]);
    expect(JSON.parse((await submit(net(DSP, V1.channel), V1.name, 'InitVersion', ...(await initArgs(agreements[1])))).result)).toMatchObject({ agreementId: 'it-agreement-1', daoId: 'it' });
    const other = { ...agreements[1], agreementId: `other-${run}` };
    expect(await failure(async () => submit(net(DSP, V1.channel), V1.name, 'InitVersion', ...(await initArgs(other))))).toMatch(/CONFLICT: channel dao-it-v1 already holds a DAO version \(agreement it-agreement-1\)/);
  });

  it('splits revenue level by level: CH_2 pays J2 and relays the rest, CH_1 receives it once and pays J1 and D; payouts sum to the revenue', async () => {
    const amount = 1_000_003n;
    const before = {
      vsp2: await entitlement(conns[VSP2] as GatewayConnection, V2.channel, V2.name, VSP2),
      vsp1: await entitlement(conns[VSP1] as GatewayConnection, V1.channel, V1.name, VSP1),
      dsp: await entitlement(conns[DSP] as GatewayConnection, V1.channel, V1.name, DSP),
    };
    // Only the members the terms name record revenue; these terms name none, so the founding group D.
    expect(await failure(() => submit(net(VSP2, V2.channel), V2.name, 'RecordRevenue', JSON.stringify({ revenueId: `vsp-${run}`, amount: '10', kind: 'use' })))).toMatch(
      /FORBIDDEN: NOT_REVENUE_RECORDER: ItVspTwoMSP is not named by the terms to record revenue/,
    );
    const recorded = await submit(net(DSP, V2.channel), V2.name, 'RecordRevenue', JSON.stringify({ revenueId: `rev-${run}`, amount: amount.toString(), kind: 'use' }));
    const event = await eventOf(net(DSP, V2.channel), V2.name, recorded);
    expect(event.name).toBe('RevenueRecorded');
    const top = event.payload['allocation'] as { rest: string; restTo: { channel: string }; payouts: { mspId: string; amount: string }[] };
    expect(top.restTo).toEqual({ channel: 'dao-it-v1' });
    expect(top.payouts).toEqual([{ mspId: VSP2, amount: '250000' }]);
    expect(top.rest).toBe('750003');

    // The DSP's bridge relays the rest into CH_1, keyed by the source transaction; CH_1's peers read
    // the source allocation on CH_2 themselves (cross-channel query) and refuse any other amount.
    const source = { sourceChannel: 'dao-it-v2', sourceTxId: recorded.txId, sourceChaincode: V2.name };
    expect(await failure(() => submit(net(DSP, V1.channel), V1.name, 'AllocationReceived', JSON.stringify({ ...source, amount: '9999999' })))).toMatch(
      /CONFLICT: the allocation of transaction \w+ on dao-it-v2 .* passes 750003 to dao-it-v1, not 9999999/,
    );
    const relay = JSON.stringify({ ...source, amount: top.rest });
    const received = await submit(net(DSP, V1.channel), V1.name, 'AllocationReceived', relay);
    const inner = JSON.parse(received.result) as { restTo: { group: string }; payouts: { mspId: string; amount: string }[] };
    expect(inner.restTo).toEqual({ group: 'D' });
    expect(inner.payouts).toEqual([
      { mspId: VSP1, amount: '300001' },
      { mspId: DSP, amount: '450002' },
    ]);
    expect((await eventOf(net(VSP1, V1.channel), V1.name, received)).name).toBe('AllocationReceived');
    const again = await submit(net(DSP, V1.channel), V1.name, 'AllocationReceived', relay);
    expect(again.result).toBe(received.result);

    const after = {
      vsp2: await entitlement(conns[VSP2] as GatewayConnection, V2.channel, V2.name, VSP2),
      vsp1: await entitlement(conns[VSP1] as GatewayConnection, V1.channel, V1.name, VSP1),
      dsp: await entitlement(conns[DSP] as GatewayConnection, V1.channel, V1.name, DSP),
    };
    expect(after.vsp2 - before.vsp2 + (after.vsp1 - before.vsp1) + (after.dsp - before.dsp)).toBe(amount);
    expect(after.vsp1 - before.vsp1).toBe(300_001n);
  });

  it('records version 2 as the successor of version 1 after reading it across channels; revenue then goes to the top channel', async () => {
    const superseded = await submit(net(DSP, V1.channel), V1.name, 'RecordSuccessor', JSON.stringify({ chaincode: V2.name }));
    expect(JSON.parse(superseded.result)).toMatchObject({ successorChannel: 'dao-it-v2' });
    expect(await failure(() => submit(net(DSP, V1.channel), V1.name, 'RecordRevenue', JSON.stringify({ revenueId: `low-${run}`, amount: '10', kind: 'use' })))).toMatch(
      /CONFLICT: version 1 is superseded: record revenue on the top channel \(dao-it-v2/,
    );
  });

  it('checks the caller MSP and the arguments on the peers', async () => {
    const relay = JSON.stringify({ sourceChannel: 'dao-it-v2', sourceTxId: `x${run}`, amount: '10', sourceChaincode: V2.name });
    expect(await failure(() => submit(net(VSP1, V1.channel), V1.name, 'AllocationReceived', relay))).toMatch(/FORBIDDEN: ItVspOneMSP is not in the founding group D/);
    expect(await failure(() => submit(net(DSP, V1.channel), V1.name, 'AllocationReceived', relay))).toMatch(/NOT_FOUND: no allocation for transaction x\w+ on dao-it-v2/);
    expect(await failure(() => submit(net(VSP2, V2.channel), V2.name, 'RecordRevenue', JSON.stringify({ revenueId: `bad-${run}`, amount: '1.5', kind: 'use' })))).toMatch(
      /INVALID_ARGUMENT: revenue\.amount/,
    );
    expect(await failure(() => submit(net(VSP2, V2.channel), V2.name, 'InfrastructureProvisioned', JSON.stringify({ revision: 1, outputsDigest: DIGEST })))).toMatch(/FORBIDDEN: ItVspTwoMSP is not in the founding group D/);
  });

  it('verifies signed heartbeats of registered workloads and decides abandonment from the transaction time', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const workloadId = `wl-${run}`;
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const registered = await submit(net(VSP1, V1.channel), V1.name, 'RegisterWorkload', JSON.stringify({ workloadId, publicKeyPem }));
    expect(await eventOf(net(DSP, V1.channel), V1.name, registered)).toMatchObject({
      name: 'WorkloadRegistered',
      payload: { workloadId, owner: VSP1, keyType: 'ec-p256', publicKeyPem, daoId: 'it', version: 1 },
    });
    const unsigned = { workloadId, seq: 1, timestamp: Date.now() - 1000, metrics: { cpuMillis: 120, queue: 3 } };
    const heartbeat = { ...unsigned, signature: sign('sha256', heartbeatSigningBytes(unsigned), privateKey).toString('base64') };
    const tampered = { ...heartbeat, seq: 2, metrics: { cpuMillis: 1, queue: 3 } };
    expect(await failure(() => submit(net(DSP, V1.channel), V1.name, 'RecordTelemetry', JSON.stringify({ snapshotId: `bad-${run}`, heartbeats: [tampered] })))).toMatch(
      /INVALID_ARGUMENT: snapshot\.heartbeats\.0: signature does not verify/,
    );
    const recorded = await submit(net(DSP, V1.channel), V1.name, 'RecordTelemetry', JSON.stringify({ snapshotId: `snap-${run}`, heartbeats: [heartbeat] }));
    expect((await eventOf(net(DSP, V1.channel), V1.name, recorded)).payload).toMatchObject({ type: 'TelemetryRecorded', snapshotId: `snap-${run}`, heartbeats: 1 });
    const member = JSON.parse(await evaluate(net(DSP, V1.channel), V1.name, 'GetMember', VSP1)) as { lastHeartbeatMs: number };
    expect(member.lastHeartbeatMs).toBeGreaterThanOrEqual(unsigned.timestamp);
    const verdict = await submit(net(DSP, V1.channel), V1.name, 'EvaluateAbandonment', VSP1);
    expect(JSON.parse(verdict.result)).toMatchObject({ mspId: VSP1, abandoned: false, deadlineMs: member.lastHeartbeatMs + 86_400_000 });
  });

  it("counts the joining group's contract term from InitVersion in transaction time, and binds only that group", async () => {
    const version = JSON.parse(await evaluate(net(VSP2, V2.channel), V2.name, 'GetVersion')) as { createdAtMs: number; contractEndsAtMs: number };
    expect(version.contractEndsAtMs).toBe(version.createdAtMs + 30 * 86_400_000);
    const verdict = JSON.parse((await submit(net(DSP, V2.channel), V2.name, 'EvaluateContractEnd', VSP2)).result) as Record<string, unknown>;
    expect(verdict).toMatchObject({ mspId: VSP2, ended: false, contractEndsAtMs: version.contractEndsAtMs });
    expect(verdict['evaluatedAtMs']).toBeLessThan(version.contractEndsAtMs);
    expect(await failure(() => submit(net(VSP2, V2.channel), V2.name, 'EvaluateContractEnd', DSP))).toMatch(/CONFLICT: ItDspMSP is in group D: the term of version 2 binds its joining group J2 only/);
  });

  it('decides an ownership-weighted proposal and records a computation', async () => {
    const proposalId = `admit-${run}`;
    await submit(net(VSP1, V1.channel), V1.name, 'CreateProposal', JSON.stringify({ proposalId, kind: 'admit-member', payload: { mspId: VSP2, role: 'VSP', name: 'VSP two' } }));
    const vote = await submit(net(DSP, V1.channel), V1.name, 'CastVote', proposalId, 'yes'); // 60 % ownership decides
    const decided = await eventOf(net(VSP1, V1.channel), V1.name, vote);
    expect(decided).toMatchObject({ name: 'ProposalDecided', payload: { outcome: 'accepted', effect: { admit: { mspId: VSP2 }, nextChannel: 'dao-it-v2' } } });
    expect(await failure(() => submit(net(VSP1, V1.channel), V1.name, 'CastVote', proposalId, 'no'))).toMatch(/CONFLICT: PROPOSAL_DECIDED: proposal .* is already accepted/);

    const job = await submit(net(DSP, V2.channel), V2.name, 'ComputationCompleted', JSON.stringify({ jobId: `job-${run}`, computation: 'mean', members: [DSP, VSP1, VSP2], resultDigest: DIGEST }));
    expect((await eventOf(net(VSP2, V2.channel), V2.name, job)).payload).toMatchObject({ type: 'ComputationCompleted', recipients: [DSP] });
  });

  it("keeps the DAO's values out of every block the orderer holds: the members read them from their peers (docs/ledger.md, \"Private data\")", async () => {
    // Values planted in a revenue, a proposal and a computation record, unique to this run.
    const amount = `${7_300_000_000 + Number.parseInt(run, 16) % 100_000_000}`;
    const description = `plant-description-${run}`;
    const digest = randomBytes(32).toString('hex');
    const recorded = await submit(net(DSP, V2.channel), V2.name, 'RecordRevenue', JSON.stringify({ revenueId: `plant-${run}`, amount, kind: 'use' }));
    await submit(net(VSP1, V2.channel), V2.name, 'CreateProposal', JSON.stringify({ proposalId: `plant-${run}`, kind: 'dissolve', description }));
    await submit(net(DSP, V2.channel), V2.name, 'ComputationCompleted', JSON.stringify({ jobId: `plant-${run}`, computation: 'mean', members: [DSP, VSP1, VSP2], resultDigest: digest }));
    // Positive control: each member reads them from its own peer (its response, its event, the state).
    expect(JSON.parse(recorded.result)).toMatchObject({ lump: amount });
    expect(JSON.stringify(await eventOf(net(VSP2, V2.channel), V2.name, recorded))).toContain(amount);
    expect(await evaluate(net(VSP2, V2.channel), V2.name, 'GetProposal', `plant-${run}`)).toContain(description);
    const record = JSON.parse(await evaluate(net(VSP1, V2.channel), V2.name, 'GetTransaction', recorded.txId)) as { response: string };
    expect(record.response).toContain(amount);
    // Every block of the channel, fetched from the orderer with Fabric's own CLI: the channel and the
    // transaction are there (the scan finds what is in a block), the values are not; nor the agreement's β.
    const blocks = scanBlocks(V2.channel, await fetchChannelBlocks(channelAdmin(ctx, DSP), V2.channel), [V2.channel, recorded.txId, amount, description, digest, '750000', DIGEST]);
    const found = new Set(blocks.map((h) => h.needle));
    expect([found.has(V2.channel), found.has(recorded.txId)]).toEqual([true, true]);
    expect([amount, description, digest, '750000', DIGEST].filter((v) => found.has(v))).toEqual([]);
  });
});
