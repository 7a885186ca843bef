import { DAO, daoRefusalOf, MARKETPLACE, MARKETPLACE_CHANNEL, parseDaoChannel } from '@datawell/contracts';
import type { ConnectionLogger } from '@datawell/messaging';
import { chaincodeCode, chaincodeMessage } from '../admin/admin.errors';
import { AdmissionJoinError, type AdmissionJoins } from './admission-join';

/** A dao chaincode event as the Gateway hands it: its name and its JSON payload. */
export interface SweepEvent {
  readonly eventName: string;
  readonly payload: Uint8Array;
  /** The transaction that emitted it (fabric-gateway's ChaincodeEvent has it): an abandonment's report names it. */
  readonly transactionId?: string;
}

/** An event stream that can be ended from outside (fabric-gateway's CloseableAsyncIterable). */
/** The dao chaincode's events the sweep reads the payload of (a private one is unsealed only for these: each costs a read of the peer). */
export const SWEPT_EVENTS: readonly string[] = [DAO.event.RevenueRecorded, DAO.event.AllocationReceived, DAO.event.MemberAbandoned, DAO.event.ProposalCreated, DAO.event.ProposalDecided];

export interface SweepEventStream extends AsyncIterable<SweepEvent> {
  close(): void;
}

/** What the sweep needs of the member's own ledger: its channels, the dao chaincode's events, and submitting as the member. */
export interface ProposalSweepLedger {
  readonly mspId: string;
  /** The channels this member's bridge relays (those its peer has joined). */
  channels(): Promise<readonly string[]>;
  /** The dao chaincode's events on `channel` from its first block on (a replay, then live). */
  daoEvents(channel: string): Promise<SweepEventStream>;
  submit(channel: string, chaincode: string, fn: string, args: readonly string[]): Promise<{ txId: string }>;
  /** Evaluates as the member on its own peer (the marketplace's abandonments of a member). */
  evaluate(channel: string, chaincode: string, fn: string, args: readonly string[]): Promise<string>;
}

export interface ProposalSweeperOptions {
  readonly ledger: ProposalSweepLedger;
  readonly logger: ConnectionLogger;
  /** How often the sweep looks for proposals past their deadline (default 10 s). */
  readonly intervalMs?: number;
  /** How long past the deadline before closing (default 1 s): the deadline is in transaction time, stamped by the submitter's clock. */
  readonly graceMs?: number;
  readonly now?: () => number;
  /** Where the join an accepted admit-member proposal starts is opened (the negotiation service); unset: none is. */
  readonly joins?: AdmissionJoins;
}

/** What opening the join of an accepted admit-member proposal came to. */
export interface AdmissionResult {
  readonly daoId: string;
  readonly proposalId: string;
  readonly admitted: string;
  readonly outcome: 'opened' | 'retry' | 'given-up';
  readonly sessionId?: string;
  readonly reason?: string;
}

/** An abandonment a DAO channel recorded, to be carried to the marketplace (ReportAbandonment). */
export interface AbandonmentToReport {
  readonly daoId: string;
  readonly member: string;
  readonly channel: string;
  readonly daoTxId: string;
}

/** What one attempt to report an abandonment came to. */
export interface AbandonmentReportResult extends AbandonmentToReport {
  /** reported: by this member, now; already-reported: the marketplace has it (another member's report, or this one's before a restart). */
  readonly outcome: 'reported' | 'already-reported' | 'retry' | 'given-up';
  readonly txId?: string;
  readonly reason?: string;
}

/** What one attempt to close a proposal came to. */
export type SweepOutcome =
  /** CloseProposal committed, signed by this member. */
  | 'closed'
  /** Decided already (by a vote, or another member's close got in first): PROPOSAL_DECIDED. Not an error. */
  | 'already-decided'
  /** The ledger says it is not over yet (VOTING_OPEN), or the transaction lost a race (MVCC): tried again next sweep. */
  | 'retry'
  /** This member can no longer close it (not an active member, the DAO dissolved, no such proposal): given up. */
  | 'given-up';

export interface SweepResult {
  readonly channel: string;
  readonly proposalId: string;
  readonly outcome: SweepOutcome;
  readonly txId?: string;
  readonly reason?: string;
}

/** An event's JSON payload, or undefined when it is not JSON (such an event is skipped). */
function payloadOf<T>(event: SweepEvent): Partial<T> | undefined {
  try {
    return JSON.parse(Buffer.from(event.payload).toString('utf8')) as Partial<T>;
  } catch {
    return undefined;
  }
}

/** What the chaincode or the network answered, as a sweep outcome (the pure decision). */
export function sweepOutcomeOf(error: unknown): { outcome: Exclude<SweepOutcome, 'closed'>; reason: string } {
  const message = chaincodeMessage(error);
  const refusal = daoRefusalOf(message);
  if (refusal === 'PROPOSAL_DECIDED') return { outcome: 'already-decided', reason: refusal };
  if (refusal === 'VOTING_OPEN') return { outcome: 'retry', reason: refusal };
  if (refusal === 'DAO_DISSOLVED') return { outcome: 'given-up', reason: refusal };
  const code = chaincodeCode(error);
  if (code === 'FORBIDDEN' || code === 'NOT_FOUND') return { outcome: 'given-up', reason: `${code}: ${message}` };
  // Several members closing at once: the orderer orders both, validation invalidates all but one
  // (MVCC_READ_CONFLICT); the loser finds PROPOSAL_DECIDED next time. Anything else: try again too.
  return { outcome: 'retry', reason: message };
}

/** What the marketplace chaincode answered a report, as an outcome (the pure decision). */
export function reportOutcomeOf(error: unknown): { outcome: Exclude<AbandonmentReportResult['outcome'], 'reported'>; reason: string } {
  const message = chaincodeMessage(error);
  const code = chaincodeCode(error);
  // Another member's report committed first: once per DAO and member.
  if (code === 'CONFLICT') return { outcome: 'already-reported', reason: message };
  // Not in the directory (or not yet at that version), not both in its latest entry, not participants: waiting will not change it.
  if (code === 'FORBIDDEN' || code === 'NOT_FOUND' || code === 'INVALID_ARGUMENT') return { outcome: 'given-up', reason: message };
  // Two members' reports ordered in one block (MVCC_READ_CONFLICT), the network: next sweep finds it reported or tries again.
  return { outcome: 'retry', reason: message };
}

/**
 * Closes the expired proposals of this member's DAOs, as this member: it follows the dao chaincode's
 * events of every DAO channel its peer has joined (replayed from the first block at start, so nothing
 * is lost across restarts and nothing is stored), keeps the open proposals with their deadline
 * (ProposalCreated adds one, ProposalDecided removes it), and every interval submits CloseProposal
 * for each one whose voting period has ended. Idempotent, and safe with every member's bridge doing
 * the same: the chaincode decides once, the others meet PROPOSAL_DECIDED (or lose the MVCC race) and
 * drop it quietly. From the same events it opens, in the negotiation service, the join that an
 * accepted admit-member proposal starts (openJoins), once per DAO and proposal whoever asks.
 */
export class ProposalSweeper {
  /** channel → proposal id → votingEndsAtMs. */
  readonly #open = new Map<string, Map<string, number>>();
  /** channel → every proposal id created there, in the order of the events (decided ones too): the member's list of proposals. */
  readonly #seen = new Map<string, Set<string>>();
  /** channel → the allocation ids of its RevenueRecorded and AllocationReceived events, in their order: the member's list of allocations. */
  readonly #allocations = new Map<string, Set<string>>();
  readonly #streams = new Map<string, SweepEventStream>();
  /** `daoId/member` → an abandonment recorded on a DAO channel, still to be carried to the marketplace. */
  readonly #abandonments = new Map<string, AbandonmentToReport>();
  /** `daoId/proposalId` → the accepted admission whose join is still to be opened. */
  readonly #admissions = new Map<string, { daoId: string; proposalId: string; admitted: string }>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly options: ProposalSweeperOptions) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    for (const stream of this.#streams.values()) stream.close();
    this.#streams.clear();
    await this.#loop;
  }

  /** The proposals this sweep watches on `channel`, with their deadlines. */
  open(channel: string): ReadonlyMap<string, number> {
    return this.#open.get(channel) ?? new Map();
  }

  /** Every proposal created on `channel` that the sweep has seen, oldest first (open or decided). */
  proposals(channel: string): readonly string[] {
    return [...(this.#seen.get(channel) ?? [])];
  }

  /** Every allocation made on `channel` that the sweep has seen (revenue recorded there, rests relayed to it), oldest first. */
  allocations(channel: string): readonly string[] {
    return [...(this.#allocations.get(channel) ?? [])];
  }

  /** The abandonments still to be reported to the marketplace. */
  pendingAbandonments(): AbandonmentToReport[] {
    return [...this.#abandonments.values()];
  }

  /** The accepted admissions whose join is still to be opened. */
  pendingAdmissions(): Array<{ daoId: string; proposalId: string; admitted: string }> {
    return [...this.#admissions.values()];
  }

  /**
   * Takes one dao chaincode event of `channel` into the set of open proposals, and an accepted
   * admit-member proposal into the admissions whose join is to be opened; the allocation of a
   * RevenueRecorded or AllocationReceived event into the channel's list of allocations.
   */
  observe(channel: string, event: SweepEvent): void {
    if (!SWEPT_EVENTS.includes(event.eventName)) return;
    if (event.eventName === DAO.event.RevenueRecorded || event.eventName === DAO.event.AllocationReceived) return this.#allocation(channel, event);
    if (event.eventName === DAO.event.MemberAbandoned) return this.#abandoned(channel, event);
    if (event.eventName !== DAO.event.ProposalCreated && event.eventName !== DAO.event.ProposalDecided) return;
    const payload = payloadOf<{ proposalId: unknown; votingEndsAtMs: unknown; kind: unknown; outcome: unknown; effect: { admit?: { mspId?: unknown } } }>(event);
    if (typeof payload?.proposalId !== 'string') return;
    const open = this.#open.get(channel) ?? new Map<string, number>();
    this.#open.set(channel, open);
    if (event.eventName === DAO.event.ProposalDecided) {
      open.delete(payload.proposalId);
      const admitted = payload.effect?.admit?.mspId;
      const dao = parseDaoChannel(channel);
      if (this.options.joins && dao && payload.kind === 'admit-member' && payload.outcome === 'accepted' && typeof admitted === 'string') {
        this.#admissions.set(`${dao.daoId}/${payload.proposalId}`, { daoId: dao.daoId, proposalId: payload.proposalId, admitted });
      }
    }
    // A proposal stored before voting periods existed has no deadline: it is never closed by time.
    else {
      const seen = this.#seen.get(channel) ?? new Set<string>();
      this.#seen.set(channel, seen.add(payload.proposalId));
      if (typeof payload.votingEndsAtMs === 'number') open.set(payload.proposalId, payload.votingEndsAtMs);
    }
  }

  #allocation(channel: string, event: SweepEvent): void {
    const id = payloadOf<{ allocation: { allocationId?: unknown } }>(event)?.allocation?.allocationId;
    if (typeof id !== 'string') return;
    const seen = this.#allocations.get(channel) ?? new Set<string>();
    this.#allocations.set(channel, seen.add(id));
  }

  /** Another member abandoned on `channel` (this member's own abandonment is for the others to report). */
  #abandoned(channel: string, event: SweepEvent): void {
    const dao = parseDaoChannel(channel);
    const member = payloadOf<{ mspId: unknown }>(event)?.mspId;
    if (!dao || typeof member !== 'string' || member === this.options.ledger.mspId || !event.transactionId) return;
    // The first channel that recorded it is the one named; a later version's record of the same member changes nothing.
    const key = `${dao.daoId}/${member}`;
    if (!this.#abandonments.has(key)) this.#abandonments.set(key, { daoId: dao.daoId, member, channel, daoTxId: event.transactionId });
  }

  /**
   * Carries each abandonment a DAO channel recorded to the marketplace, where it counts against the
   * member's reputation: ReportAbandonment on `marketplace` as this member, unless the marketplace
   * already lists one of that member in that DAO (read first, so a replay after a restart submits
   * nothing). Every co-member's bridge does the same; the chaincode takes one report per DAO and
   * member and the others find it there (or meet CONFLICT, or lose the MVCC race and find it next
   * sweep). In the operator's domain the marketplace service relays them for the organisations the
   * operator holds (docs/marketplace.md).
   */
  async reportAbandonments(): Promise<AbandonmentReportResult[]> {
    const { ledger, logger } = this.options;
    const results: AbandonmentReportResult[] = [];
    for (const [key, a] of [...this.#abandonments]) {
      let result: AbandonmentReportResult;
      try {
        const list = MARKETPLACE.invocation(MARKETPLACE.tx.ListAbandonments, a.member);
        const listed = JSON.parse(await ledger.evaluate(MARKETPLACE_CHANNEL, list.chaincode, list.transaction, list.arguments)) as Array<{ daoId?: string }>;
        if (listed.some((l) => l.daoId === a.daoId)) {
          result = { ...a, outcome: 'already-reported' };
        } else {
          const call = MARKETPLACE.invocation(MARKETPLACE.tx.ReportAbandonment, { daoId: a.daoId, member: a.member, channel: a.channel, daoTxId: a.daoTxId });
          const { txId } = await ledger.submit(MARKETPLACE_CHANNEL, call.chaincode, call.transaction, call.arguments);
          result = { ...a, outcome: 'reported', txId };
          logger.log({ message: 'reported an abandonment to the marketplace', ...a, txId });
        }
      } catch (error) {
        const { outcome, reason } = reportOutcomeOf(error);
        result = { ...a, outcome, reason };
        if (outcome === 'given-up') logger.warn({ message: 'the marketplace refused an abandonment report; no longer trying', ...a, reason });
        else logger.debug({ message: outcome === 'already-reported' ? 'an abandonment was reported already' : 'reporting an abandonment did not go through; trying again next sweep', ...a, reason });
      }
      if (result.outcome !== 'retry') this.#abandonments.delete(key);
      results.push(result);
    }
    return results;
  }

  /** Submits CloseProposal for every watched proposal past its deadline (plus the grace); one result each. */
  async sweep(): Promise<SweepResult[]> {
    const { ledger, logger } = this.options;
    const now = (this.options.now ?? Date.now)();
    const grace = this.options.graceMs ?? 1000;
    const results: SweepResult[] = [];
    for (const [channel, open] of this.#open) {
      for (const [proposalId, endsAtMs] of [...open]) {
        if (now <= endsAtMs + grace) continue;
        const call = DAO.invocation(DAO.tx.CloseProposal, proposalId);
        let result: SweepResult;
        try {
          const { txId } = await ledger.submit(channel, call.chaincode, call.transaction, call.arguments);
          result = { channel, proposalId, outcome: 'closed', txId };
          logger.log({ message: 'closed a proposal whose voting period had ended', channel, proposalId, txId });
        } catch (error) {
          const { outcome, reason } = sweepOutcomeOf(error);
          result = { channel, proposalId, outcome, reason };
          if (outcome === 'given-up') logger.warn({ message: 'cannot close an expired proposal; no longer trying', channel, proposalId, reason });
          else logger.debug({ message: outcome === 'already-decided' ? 'an expired proposal was decided already' : 'closing an expired proposal did not go through; trying again next sweep', channel, proposalId, reason });
        }
        if (result.outcome !== 'retry') open.delete(proposalId);
        results.push(result);
      }
    }
    return results;
  }

  /**
   * Opens the join of every accepted admission not opened yet, in the negotiation service, as this
   * member. Idempotent there (one session per DAO and proposal), so every member's bridge may do it,
   * and a replay after a restart only finds the session opened before.
   */
  async openJoins(): Promise<AdmissionResult[]> {
    const { joins, logger } = this.options;
    if (!joins) return [];
    const results: AdmissionResult[] = [];
    for (const [key, a] of [...this.#admissions]) {
      let result: AdmissionResult;
      try {
        const session = await joins.open(a.daoId, a.proposalId, a.admitted);
        result = { ...a, outcome: 'opened', sessionId: session.id };
        logger.log({ message: 'the join of an accepted admission is open in the negotiation service', ...a, sessionId: session.id, state: session.state });
      } catch (error) {
        const final = error instanceof AdmissionJoinError && error.final;
        result = { ...a, outcome: final ? 'given-up' : 'retry', reason: error instanceof Error ? error.message : String(error) };
        logger.warn({ message: final ? 'the negotiation service refused the join of an accepted admission' : 'could not open the join of an accepted admission; trying again next sweep', ...a, reason: result.reason });
      }
      if (result.outcome !== 'retry') this.#admissions.delete(key);
      results.push(result);
    }
    return results;
  }

  /**
   * While started: follows the dao events of every DAO channel not followed yet (and of those whose
   * stream ended), and stops following a channel that is no longer the member's (it left it).
   */
  async follow(): Promise<void> {
    if (!this.#running) return;
    const channels = await this.options.ledger.channels();
    for (const [channel, stream] of [...this.#streams.entries()]) {
      if (channels.includes(channel)) continue;
      this.#streams.delete(channel);
      this.#open.delete(channel);
      stream.close();
    }
    for (const channel of channels) {
      if (!parseDaoChannel(channel) || this.#streams.has(channel)) continue;
      const stream = await this.options.ledger.daoEvents(channel);
      // A replay from the first block rebuilds the channel's open proposals from scratch.
      this.#open.set(channel, new Map());
      this.#streams.set(channel, stream);
      // Always read by #consume, which also takes the cancellation when the stream is closed.
      void this.#consume(channel, stream);
      if (!this.#running) {
        // Stopped while the stream was being opened: stop() did not see it.
        stream.close();
        return;
      }
    }
  }

  async #consume(channel: string, stream: SweepEventStream): Promise<void> {
    try {
      for await (const event of stream) this.observe(channel, event);
    } catch (error) {
      // A stream closed on purpose (stop, or a channel left) is no longer the channel's.
      if (this.#running && this.#streams.get(channel) === stream) this.options.logger.warn({ message: 'the proposal sweep lost its event stream; reopening it next sweep', channel, error: String(error) });
    } finally {
      stream.close();
      if (this.#streams.get(channel) === stream) this.#streams.delete(channel);
    }
  }

  async #run(): Promise<void> {
    const every = this.options.intervalMs ?? 10_000;
    while (this.#running) {
      try {
        await this.follow();
        await this.sweep();
        await this.openJoins();
        await this.reportAbandonments();
      } catch (error) {
        this.options.logger.warn({ message: 'the proposal sweep failed; retrying next interval', error: String(error) });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, every);
        timer.unref();
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
