import { DAO } from '@datawell/contracts';
import { submitTransaction, unsealedEvents, type GatewayConnection } from '@datawell/fabric';
import { agreementFor, evaluate, failure, integrationPool, submit } from '@datawell/testing';
import { ProposalSweeper, SWEPT_EVENTS, type SweepResult } from '../../src/member-network/proposal-sweeper';
import { formDomainDao, hex, waitFor, withTerms, type DomainDao } from './harness';

jest.setTimeout(900_000);

/*
 * The members' sweep on the real network, with both members in their own trust domains: DAO
 * `gs<run>` (D = SwDsp, J1 = SwVsp) on channel dao-gs<run>-v1, formed from their signed agreement as
 * `./dev up` forms one (formDomainDao: the operator's bridge forms the channel; the
 * members' own bridges join, approve, and the DSP's initialises it), with a two-second voting period.
 * Then each member runs a ProposalSweeper through its own Gateway (its own peer, a person enrolled at
 * its own CA; events replayed from the channel's first block, CloseProposal submitted as itself). A
 * proposal nobody votes on is closed by the sweeps alone, once, whichever member gets there first; a
 * vote after its deadline is refused VOTING_CLOSED. The members' bridges are stopped once the version
 * is formed: their own sweeps would otherwise race the test's.
 */
const DSP = integrationPool().dsp;
const VSP = integrationPool().vsps[0];
const run = hex(4);
const agreement = withTerms(agreementFor({ daoId: `gs${run}`, dsp: DSP, vsps: [VSP], betasPpm: [600_000] }, 1), { votingPeriodSeconds: 2, quorumPpm: 500_000 });
const logger = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe("the members' sweep of expired proposals on the real network, each member in its own domain", () => {
  let dao: DomainDao;
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(dao.channel);
  const sweepers: ProposalSweeper[] = [];

  beforeAll(async () => {
    dao = await formDomainDao({ prefix: 'gs', agreement });
    await dao.stopMembers();
    for (const msp of [DSP, VSP]) conns[msp] = dao.connect(msp);
  }, 900_000);

  afterAll(async () => {
    await Promise.all(sweepers.map((s) => s.stop()));
    await dao?.close();
  });

  it('closes a proposal past its deadline once, with both members sweeping; a late vote is VOTING_CLOSED', async () => {
    const proposalId = `sweep-${run}`;
    const created = JSON.parse((await submit(net(VSP), DAO.chaincode, 'CreateProposal', JSON.stringify({ proposalId, kind: 'dissolve', description: 'left to run out' }))).result) as { votingEndsAtMs: number; createdAtMs: number };
    expect(created.votingEndsAtMs - created.createdAtMs).toBe(2000);

    const results: Record<string, SweepResult[]> = { [DSP]: [], [VSP]: [] };
    for (const msp of [DSP, VSP]) {
      const sweeper = new ProposalSweeper({
        ledger: {
          mspId: msp,
          channels: async () => ['marketplace', dao.channel],
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
    await waitFor('both sweeps to see the proposal', async () => (sweepers.every((s) => s.open(dao.channel).has(proposalId)) ? true : undefined));
    // Not before the deadline: nothing is submitted.
    if (Date.now() < created.votingEndsAtMs) expect((await sweepers[0]!.sweep()).filter((r) => r.proposalId === proposalId)).toEqual([]);

    await waitFor('the deadline and the grace to pass', async () => (Date.now() > created.votingEndsAtMs + 1500 ? true : undefined));
    expect(await failure(() => submit(net(DSP), DAO.chaincode, 'CastVote', proposalId, 'yes'))).toMatch(/CONFLICT: VOTING_CLOSED: voting on proposal/);

    // Both members sweep at the same moment; then again, until neither holds it.
    const [dsp, vsp] = await Promise.all(sweepers.map((s) => s.sweep()));
    results[DSP]!.push(...dsp!);
    results[VSP]!.push(...vsp!);
    await waitFor('both sweeps to have dropped it', async () => {
      const [d, v] = await Promise.all(sweepers.map((s) => s.sweep()));
      results[DSP]!.push(...d!);
      results[VSP]!.push(...v!);
      return sweepers.every((s) => !s.open(dao.channel).has(proposalId)) ? true : undefined;
    });
    const outcomes = [...results[DSP]!, ...results[VSP]!].filter((r) => r.proposalId === proposalId).map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'closed')).toHaveLength(1);
    expect(outcomes.every((o) => o === 'closed' || o === 'already-decided' || o === 'retry')).toBe(true);

    // Closed by a member's own sweep, signed by that member: the decision as the other member's own peer has it.
    const decided = JSON.parse(await evaluate(net(VSP), DAO.chaincode, 'GetProposal', proposalId)) as { status: string; votes: unknown[] };
    expect(decided).toMatchObject({ status: 'expired', votes: [] });
  });
});
