import { randomBytes } from 'node:crypto';
import { DAO } from '@datawell/contracts';
import { submitTransaction, unsealedEvents, type GatewayConnection } from '@datawell/fabric';
import { enrollClientIdentity } from '@datawell/stack';
import { acceptancesOf, connectAs, deployTestChaincode, evaluate, failure, registerParticipants, submit, testStackContext, twoMemberAgreement } from '@datawell/testing';
import { ProposalSweeper, SWEPT_EVENTS, type SweepResult } from '../../src/member-network/proposal-sweeper';
import { waitFor } from './harness';

jest.setTimeout(900_000);

/*
 * The members' sweep on the real network: DAO `gs` (D = GsDsp, J1 = GsVsp) on channel dao-gs-v1 with
 * the dao chaincode from the working tree and a two-second voting period. Both members run a
 * ProposalSweeper through their own Gateway (events replayed from the channel's first block,
 * CloseProposal submitted as themselves). A proposal nobody votes on is closed by the sweeps alone,
 * once, whichever member gets there first; a vote after its deadline is refused VOTING_CLOSED.
 */
const DSP = 'GsDspMSP';
const VSP = 'GsVspMSP';
const CC = { name: DAO.chaincode, channel: 'dao-gs-v1', module: 'chaincode/dao' };
const run = randomBytes(4).toString('hex');
const agreement = twoMemberAgreement({ daoId: 'gs', dsp: DSP, vsp: VSP, terms: { votingPeriodSeconds: 2, quorumPpm: 500_000 }, documentDigest: 'ab'.repeat(32) });
const logger = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe("the members' sweep of expired proposals on the real network", () => {
  const ctx = testStackContext();
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(CC.channel);
  const sweepers: ProposalSweeper[] = [];

  beforeAll(async () => {
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP, role: 'VSP' }]);
    await deployTestChaincode(ctx, CC, [DSP, VSP]);
    for (const msp of [DSP, VSP]) conns[msp] = await connectAs(ctx, msp);
    const identities = await Promise.all(agreement.members.map((m) => enrollClientIdentity(ctx, m.mspId, 'it-chaincode')));
    // Idempotent: the version is created once and returned afterwards.
    await submit(net(DSP), CC.name, 'InitVersion', JSON.stringify(agreement), JSON.stringify(acceptancesOf(agreement, identities)));
  }, 900_000);

  afterAll(async () => {
    await Promise.all(sweepers.map((s) => s.stop()));
    Object.values(conns).forEach((c) => c.close());
  });

  it('closes a proposal past its deadline once, with both members sweeping; a late vote is VOTING_CLOSED', async () => {
    const proposalId = `sweep-${run}`;
    const created = JSON.parse((await submit(net(VSP), CC.name, 'CreateProposal', JSON.stringify({ proposalId, kind: 'dissolve', description: 'left to run out' }))).result) as { votingEndsAtMs: number; createdAtMs: number };
    expect(created.votingEndsAtMs - created.createdAtMs).toBe(2000);

    const results: Record<string, SweepResult[]> = { [DSP]: [], [VSP]: [] };
    for (const msp of [DSP, VSP]) {
      const sweeper = new ProposalSweeper({
        ledger: {
          mspId: msp,
          channels: async () => ['marketplace', CC.channel],
          daoEvents: async (channel) => {
            const network = (conns[msp] as GatewayConnection).gateway.getNetwork(channel);
            return unsealedEvents(network, await network.getChaincodeEvents(DAO.chaincode, { startBlock: 0n }), SWEPT_EVENTS);
          },
          submit: async (channel, chaincode, fn, args) => ({ txId: (await submitTransaction((conns[msp] as GatewayConnection).gateway.getNetwork(channel), chaincode, fn, args)).txId }),
          evaluate: async (channel, chaincode, fn, args) => Buffer.from(await (conns[msp] as GatewayConnection).gateway.getNetwork(channel).getContract(chaincode).evaluateTransaction(fn, ...args)).toString('utf8'),
        },
        logger,
        intervalMs: 3_600_000, // after its first round at start, the test drives the sweeps itself
      });
      sweepers.push(sweeper);
    }
    // Started, each follows the channel from its first block: the proposal is among its open ones.
    for (const s of sweepers) s.start();
    await waitFor('both sweeps to see the proposal', async () => (sweepers.every((s) => s.open(CC.channel).has(proposalId)) ? true : undefined));
    // Not before the deadline: nothing is submitted.
    if (Date.now() < created.votingEndsAtMs) expect((await sweepers[0]!.sweep()).filter((r) => r.proposalId === proposalId)).toEqual([]);

    await waitFor('the deadline and the grace to pass', async () => (Date.now() > created.votingEndsAtMs + 1500 ? true : undefined));
    expect(await failure(() => submit(net(DSP), CC.name, 'CastVote', proposalId, 'yes'))).toMatch(/CONFLICT: VOTING_CLOSED: voting on proposal/);

    // Both members sweep at the same moment; then again, until neither holds it.
    const [dsp, vsp] = await Promise.all(sweepers.map((s) => s.sweep()));
    results[DSP]!.push(...dsp!);
    results[VSP]!.push(...vsp!);
    await waitFor('both sweeps to have dropped it', async () => {
      const [d, v] = await Promise.all(sweepers.map((s) => s.sweep()));
      results[DSP]!.push(...d!);
      results[VSP]!.push(...v!);
      return sweepers.every((s) => !s.open(CC.channel).has(proposalId)) ? true : undefined;
    });
    const outcomes = [...results[DSP]!, ...results[VSP]!].filter((r) => r.proposalId === proposalId).map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'closed')).toHaveLength(1);
    expect(outcomes.every((o) => o === 'closed' || o === 'already-decided' || o === 'retry')).toBe(true);

    const decided = JSON.parse(await evaluate(net(VSP), CC.name, 'GetProposal', proposalId)) as { status: string; votes: unknown[] };
    expect(decided).toMatchObject({ status: 'expired', votes: [] });
  });
});
