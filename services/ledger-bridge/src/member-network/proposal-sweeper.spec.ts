import { DAO } from '@datawell/contracts';
import { ProposalSweeper, reportOutcomeOf, sweepOutcomeOf, type ProposalSweepLedger, type SweepEvent, type SweepEventStream } from './proposal-sweeper';

const logger = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const event = (eventName: string, payload: Record<string, unknown>): SweepEvent => ({ eventName, payload: Buffer.from(JSON.stringify(payload)) });
const created = (proposalId: string, votingEndsAtMs: number) => event(DAO.event.ProposalCreated, { proposalId, kind: 'dissolve', votingEndsAtMs, quorumPpm: 500_000 });
const decided = (proposalId: string) => event(DAO.event.ProposalDecided, { proposalId, kind: 'dissolve', outcome: 'accepted' });

/** A stream that yields `events` and then stays open until closed, like a live Gateway stream. */
function stream(events: SweepEvent[]): SweepEventStream & { closed: boolean } {
  let release: () => void = () => undefined;
  const ended = new Promise<void>((r) => (release = r));
  const s = {
    closed: false,
    close: () => {
      s.closed = true;
      release();
    },
    async *[Symbol.asyncIterator]() {
      for (const e of events) yield e;
      await ended;
    },
  };
  return s;
}

/**
 * One chaincode for several members' bridges: CloseProposal decides a proposal once, by the
 * transaction's time (the submitter's clock), as chaincode/dao does: VOTING_OPEN before the
 * deadline, PROPOSAL_DECIDED once decided, NOT_FOUND for an unknown one, FORBIDDEN for a member that
 * left. A submission may also lose an MVCC race.
 */
class Chain {
  readonly proposals = new Map<string, { endsAtMs: number; status: string }>();
  readonly closedBy: string[] = [];
  readonly left = new Set<string>();
  mvccOnce = false;
  now = 0;

  ledger(mspId: string, channels: string[], events: () => SweepEvent[]): ProposalSweepLedger & { streams: number } {
    const ledger = {
      mspId,
      streams: 0,
      channels: async () => channels,
      daoEvents: async () => {
        ledger.streams++;
        return stream(events());
      },
      submit: async (_channel: string, chaincode: string, fn: string, args: readonly string[]) => {
        expect([chaincode, fn]).toEqual([DAO.chaincode, DAO.tx.CloseProposal]);
        const id = args[0]!;
        const p = this.proposals.get(id);
        if (this.left.has(mspId)) throw new Error(`FORBIDDEN: ${mspId} is not an active member`);
        if (!p) throw new Error(`NOT_FOUND: no proposal ${id}`);
        if (p.status !== 'open') throw new Error(`CONFLICT: PROPOSAL_DECIDED: proposal ${id} is already ${p.status}`);
        if (this.now <= p.endsAtMs) throw new Error(`CONFLICT: VOTING_OPEN: voting on proposal ${id} runs until ${p.endsAtMs}`);
        if (this.mvccOnce) {
          this.mvccOnce = false;
          throw new Error(`transaction tx-${id} was not committed: validation code MVCC_READ_CONFLICT`);
        }
        p.status = 'expired';
        this.closedBy.push(mspId);
        return { txId: `tx-${id}-${mspId}` };
      },
      evaluate: async () => '[]',
    };
    return ledger;
  }
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ProposalSweeper', () => {
  it('keeps the open proposals from the replayed events: created adds with its deadline, decided removes, other channels and events ignored', () => {
    const sweeper = new ProposalSweeper({ ledger: new Chain().ledger('VspMSP', [], () => []), logger });
    sweeper.observe('dao-acme-v1', created('p1', 1000));
    sweeper.observe('dao-acme-v1', created('p2', 2000));
    sweeper.observe('dao-acme-v1', event(DAO.event.VoteCast, { proposalId: 'p2' }));
    sweeper.observe('dao-acme-v1', decided('p1'));
    sweeper.observe('dao-acme-v1', { eventName: DAO.event.ProposalCreated, payload: Buffer.from('not json') });
    sweeper.observe('dao-acme-v1', event(DAO.event.ProposalCreated, { proposalId: 'legacy' }));
    expect([...sweeper.open('dao-acme-v1')]).toEqual([['p2', 2000]]);
    expect(sweeper.open('dao-other-v1').size).toBe(0);
    // The member's list: every proposal created, decided or not, once, oldest first.
    sweeper.observe('dao-acme-v1', created('p1', 1000));
    expect(sweeper.proposals('dao-acme-v1')).toEqual(['p1', 'p2', 'legacy']);
    expect(sweeper.proposals('dao-other-v1')).toEqual([]);
  });

  it("keeps each channel's allocations from RevenueRecorded and AllocationReceived, once, oldest first; other events and unreadable payloads are skipped", () => {
    const sweeper = new ProposalSweeper({ ledger: new Chain().ledger('DspMSP', [], () => []), logger });
    sweeper.observe('dao-acme-v2', event(DAO.event.RevenueRecorded, { revenueId: 'r1', allocation: { allocationId: 'revenue:r1', payouts: [] } }));
    sweeper.observe('dao-acme-v1', event(DAO.event.AllocationReceived, { sourceChannel: 'dao-acme-v2', allocation: { allocationId: 'relay:dao-acme-v2:tx1' } }));
    sweeper.observe('dao-acme-v2', event(DAO.event.RevenueRecorded, { revenueId: 'r2', allocation: { allocationId: 'revenue:r2' } }));
    sweeper.observe('dao-acme-v2', event(DAO.event.RevenueRecorded, { revenueId: 'r1', allocation: { allocationId: 'revenue:r1' } }));
    sweeper.observe('dao-acme-v2', event(DAO.event.RevenueRecorded, { revenueId: 'r3' }));
    sweeper.observe('dao-acme-v2', { eventName: DAO.event.RevenueRecorded, payload: Buffer.from('not json') });
    sweeper.observe('dao-acme-v2', created('p1', 1000));
    expect(sweeper.allocations('dao-acme-v2')).toEqual(['revenue:r1', 'revenue:r2']);
    expect(sweeper.allocations('dao-acme-v1')).toEqual(['relay:dao-acme-v2:tx1']);
    expect(sweeper.allocations('dao-other-v1')).toEqual([]);
    expect(sweeper.proposals('dao-acme-v2')).toEqual(['p1']);
  });

  it('closes only what is past its deadline plus the grace, once, as the member', async () => {
    const chain = new Chain();
    chain.proposals.set('due', { endsAtMs: 1000, status: 'open' });
    chain.proposals.set('running', { endsAtMs: 5000, status: 'open' });
    const sweeper = new ProposalSweeper({ ledger: chain.ledger('VspMSP', [], () => []), logger, graceMs: 500, now: () => chain.now });
    sweeper.observe('dao-acme-v1', created('due', 1000));
    sweeper.observe('dao-acme-v1', created('running', 5000));
    chain.now = 1400; // past the deadline, within the grace
    expect(await sweeper.sweep()).toEqual([]);
    chain.now = 1600;
    expect(await sweeper.sweep()).toEqual([{ channel: 'dao-acme-v1', proposalId: 'due', outcome: 'closed', txId: 'tx-due-VspMSP' }]);
    expect(await sweeper.sweep()).toEqual([]);
    expect([...sweeper.open('dao-acme-v1').keys()]).toEqual(['running']);
    expect(chain.proposals.get('due')?.status).toBe('expired');
  });

  it('with several members sweeping at once, the proposal is closed once and the others drop it quietly (PROPOSAL_DECIDED, or an MVCC loss then PROPOSAL_DECIDED)', async () => {
    const chain = new Chain();
    chain.proposals.set('p', { endsAtMs: 1000, status: 'open' });
    chain.now = 5000;
    const sweepers = ['DspMSP', 'Vsp1MSP', 'Vsp2MSP'].map((m) => new ProposalSweeper({ ledger: chain.ledger(m, [], () => []), logger, now: () => chain.now }));
    for (const s of sweepers) s.observe('dao-acme-v1', created('p', 1000));
    chain.mvccOnce = true;
    const first = await Promise.all(sweepers.map((s) => s.sweep()));
    expect(first.flat().map((r) => r.outcome).sort()).toEqual(['already-decided', 'closed', 'retry']);
    expect(chain.closedBy).toHaveLength(1);
    const second = (await Promise.all(sweepers.map((s) => s.sweep()))).flat();
    expect(second.map((r) => r.outcome)).toEqual(['already-decided']);
    expect(sweepers.every((s) => s.open('dao-acme-v1').size === 0)).toBe(true);
    expect(chain.closedBy).toHaveLength(1);
  });

  it('gives up what it can no longer close (not an active member, unknown, dissolved) and retries what the ledger says is still open', async () => {
    const chain = new Chain();
    chain.now = 5000;
    chain.proposals.set('clock', { endsAtMs: 9000, status: 'open' }); // this member's clock is ahead of what the chain records
    const sweeper = new ProposalSweeper({ ledger: chain.ledger('VspMSP', [], () => []), logger, now: () => chain.now });
    sweeper.observe('dao-acme-v1', created('clock', 1000));
    sweeper.observe('dao-acme-v1', created('unknown', 1000));
    const results = await sweeper.sweep();
    expect(results.map((r) => [r.proposalId, r.outcome])).toEqual([['clock', 'retry'], ['unknown', 'given-up']]);
    expect([...sweeper.open('dao-acme-v1').keys()]).toEqual(['clock']);
    chain.left.add('VspMSP');
    expect((await sweeper.sweep()).map((r) => r.outcome)).toEqual(['given-up']);
    expect(sweeper.open('dao-acme-v1').size).toBe(0);
  });

  it('maps what the ledger answered to an outcome', () => {
    expect(sweepOutcomeOf(new Error('CONFLICT: PROPOSAL_DECIDED: proposal p is already accepted')).outcome).toBe('already-decided');
    expect(sweepOutcomeOf(new Error('CONFLICT: VOTING_OPEN: voting runs until 5')).outcome).toBe('retry');
    expect(sweepOutcomeOf(new Error('CONFLICT: DAO_DISSOLVED: version 1 of acme is dissolved')).outcome).toBe('given-up');
    expect(sweepOutcomeOf(new Error('FORBIDDEN: XMSP may not close proposals')).outcome).toBe('given-up');
    expect(sweepOutcomeOf(new Error('NOT_FOUND: no proposal p')).outcome).toBe('given-up');
    expect(sweepOutcomeOf(Object.assign(new Error('endorse failed'), { details: [{ message: 'chaincode response 500, CONFLICT: PROPOSAL_DECIDED: already expired' }] })).outcome).toBe('already-decided');
    expect(sweepOutcomeOf(new Error('14 UNAVAILABLE: connection refused')).outcome).toBe('retry');
  });

  it('follows every DAO channel its peer joined (not marketplace) from the first block, closes when due, and reopens a stream that ended', async () => {
    const chain = new Chain();
    chain.proposals.set('p', { endsAtMs: 1000, status: 'open' });
    chain.now = 500;
    const history = [created('old', 100), decided('old'), created('p', 1000)];
    const ledger = chain.ledger('VspMSP', ['marketplace', 'dao-acme-v1'], () => history);
    const sweeper = new ProposalSweeper({ ledger, logger, now: () => chain.now, intervalMs: 60_000 });
    sweeper.start();
    await settle();
    await settle();
    expect(ledger.streams).toBe(1);
    expect([...sweeper.open('dao-acme-v1')]).toEqual([['p', 1000]]);
    await sweeper.follow(); // already followed: no second stream
    expect(ledger.streams).toBe(1);
    chain.now = 5000;
    expect((await sweeper.sweep()).map((r) => r.outcome)).toEqual(['closed']);
    await sweeper.stop();
    expect(sweeper.open('dao-acme-v1').size).toBe(0);
  });

  it('stops following a channel the member left (no longer one of its channels), quietly, and does not reopen it', async () => {
    const chain = new Chain();
    chain.proposals.set('p', { endsAtMs: 1000, status: 'open' });
    const channels = ['dao-acme-v1', 'dao-acme-v2'];
    const ledger = chain.ledger('VspMSP', channels, () => [created('p', 1000)]);
    const warned: unknown[] = [];
    const sweeper = new ProposalSweeper({ ledger, logger: { ...logger, warn: (m: unknown) => void warned.push(m) }, now: () => chain.now, intervalMs: 60_000 });
    sweeper.start();
    await settle();
    await settle();
    expect(ledger.streams).toBe(2);
    expect(sweeper.open('dao-acme-v2').size).toBe(1);
    channels.splice(1, 1); // the member left dao-acme-v2
    await sweeper.follow();
    await settle();
    expect(sweeper.open('dao-acme-v2').size).toBe(0);
    expect(sweeper.open('dao-acme-v1').size).toBe(1);
    await sweeper.follow();
    expect(ledger.streams).toBe(2);
    expect(warned).toEqual([]);
    await sweeper.stop();
  });
});

/**
 * The marketplace chaincode's abandonment reports, for several members' bridges: ListAbandonments of a
 * member, ReportAbandonment once per DAO and member (CONFLICT after), only from a co-member in the
 * directory's entry (FORBIDDEN otherwise); a report may lose an MVCC race once.
 */
class Marketplace {
  readonly reports: Array<{ daoId: string; member: string; channel: string; daoTxId: string; reportedBy: string }> = [];
  readonly members = new Map<string, string[]>([['acme', ['DspMSP', 'Vsp1MSP', 'Vsp2MSP']]]);
  mvccOnce = false;

  ledger(mspId: string, events: SweepEvent[]): ProposalSweepLedger & { submitted: number } {
    const ledger = {
      mspId,
      submitted: 0,
      channels: async () => ['marketplace', 'dao-acme-v1'],
      daoEvents: async () => stream(events),
      evaluate: async (channel: string, chaincode: string, fn: string, args: readonly string[]) => {
        expect([channel, chaincode, fn]).toEqual(['marketplace', 'marketplace', 'ListAbandonments']);
        return JSON.stringify(this.reports.filter((r) => r.member === args[0]));
      },
      submit: async (channel: string, chaincode: string, fn: string, args: readonly string[]) => {
        expect([channel, chaincode, fn]).toEqual(['marketplace', 'marketplace', 'ReportAbandonment']);
        ledger.submitted++;
        const report = JSON.parse(args[0]!) as { daoId: string; member: string; channel: string; daoTxId: string };
        const members = this.members.get(report.daoId);
        if (!members) throw new Error(`NOT_FOUND: no DAO ${report.daoId} in the directory`);
        if (!members.includes(mspId) || !members.includes(report.member)) throw new Error(`FORBIDDEN: ${mspId} and ${report.member} do not share DAO ${report.daoId}`);
        if (this.reports.some((r) => r.daoId === report.daoId && r.member === report.member)) throw new Error(`CONFLICT: an abandonment of ${report.member} in DAO ${report.daoId} is already recorded`);
        if (this.mvccOnce) {
          this.mvccOnce = false;
          throw new Error('transaction was not committed: validation code MVCC_READ_CONFLICT');
        }
        this.reports.push({ ...report, reportedBy: mspId });
        return { txId: `report-${this.reports.length}` };
      },
    };
    return ledger;
  }
}

describe('ProposalSweeper: abandonments carried to the marketplace', () => {
  const abandoned = (mspId: string, transactionId: string): SweepEvent => ({ ...event(DAO.event.MemberAbandoned, { mspId, decidedAtMs: 1, lastHeartbeatMs: null }), transactionId });

  it("reports another member's abandonment once, as this member, naming the DAO channel's transaction; never its own", async () => {
    const market = new Marketplace();
    const ledger = market.ledger('Vsp1MSP', []);
    const sweeper = new ProposalSweeper({ ledger, logger });
    sweeper.observe('dao-acme-v1', abandoned('Vsp2MSP', 'tx-ab'));
    sweeper.observe('dao-acme-v2', abandoned('Vsp2MSP', 'tx-later'));
    sweeper.observe('dao-acme-v1', abandoned('Vsp1MSP', 'tx-own'));
    sweeper.observe('dao-acme-v1', event(DAO.event.MemberAbandoned, { mspId: 'DspMSP' }));
    expect(sweeper.pendingAbandonments()).toEqual([{ daoId: 'acme', member: 'Vsp2MSP', channel: 'dao-acme-v1', daoTxId: 'tx-ab' }]);
    expect((await sweeper.reportAbandonments()).map((r) => [r.member, r.outcome, r.txId])).toEqual([['Vsp2MSP', 'reported', 'report-1']]);
    expect(market.reports).toEqual([{ daoId: 'acme', member: 'Vsp2MSP', channel: 'dao-acme-v1', daoTxId: 'tx-ab', reportedBy: 'Vsp1MSP' }]);
    expect(await sweeper.reportAbandonments()).toEqual([]);
  });

  it('with every co-member reporting, the marketplace keeps one report; a replay after a restart submits nothing', async () => {
    const market = new Marketplace();
    market.mvccOnce = true;
    const history = [abandoned('Vsp2MSP', 'tx-ab')];
    const dsp = market.ledger('DspMSP', history);
    const vsp1 = market.ledger('Vsp1MSP', history);
    const sweepers = [dsp, vsp1].map((ledger) => new ProposalSweeper({ ledger, logger }));
    for (const s of sweepers) s.observe('dao-acme-v1', history[0]!);
    // The first lost an MVCC race (both in one block): it tries again and finds the other's report.
    expect((await sweepers[0]!.reportAbandonments()).map((r) => r.outcome)).toEqual(['retry']);
    expect((await sweepers[1]!.reportAbandonments()).map((r) => r.outcome)).toEqual(['reported']);
    expect((await sweepers[0]!.reportAbandonments()).map((r) => r.outcome)).toEqual(['already-reported']);
    expect(market.reports.map((r) => r.reportedBy)).toEqual(['Vsp1MSP']);
    // A restarted bridge replays the channel from its first block: it reads the marketplace and submits nothing.
    const restarted = new ProposalSweeper({ ledger: vsp1, logger });
    restarted.observe('dao-acme-v1', history[0]!);
    const submittedBefore = vsp1.submitted;
    expect((await restarted.reportAbandonments()).map((r) => r.outcome)).toEqual(['already-reported']);
    expect(vsp1.submitted).toBe(submittedBefore);
  });

  it('gives up what the marketplace refuses (no shared DAO in the directory) and maps its answers', async () => {
    const market = new Marketplace();
    market.members.set('acme', ['DspMSP', 'Vsp1MSP']);
    const sweeper = new ProposalSweeper({ ledger: market.ledger('Vsp1MSP', []), logger });
    sweeper.observe('dao-acme-v1', abandoned('Vsp2MSP', 'tx-ab'));
    expect((await sweeper.reportAbandonments()).map((r) => [r.outcome, r.reason])).toEqual([['given-up', 'FORBIDDEN: Vsp1MSP and Vsp2MSP do not share DAO acme']]);
    expect(sweeper.pendingAbandonments()).toEqual([]);
    expect(reportOutcomeOf(new Error('CONFLICT: an abandonment of X in DAO d is already recorded')).outcome).toBe('already-reported');
    expect(reportOutcomeOf(new Error('NOT_FOUND: no DAO d in the directory')).outcome).toBe('given-up');
    expect(reportOutcomeOf(new Error('INVALID_ARGUMENT: report.channel: DAO d is at version 1')).outcome).toBe('given-up');
    expect(reportOutcomeOf(new Error('14 UNAVAILABLE: connection refused')).outcome).toBe('retry');
  });
});
