import { DAO, daoChannelName, parseDaoChannel } from '@datawell/contracts';
import type { ConnectionLogger } from '@datawell/messaging';
import { chaincodeCode, chaincodeMessage } from '../admin/admin.errors';

/*
 * Subscription charging in a DAO of trust domains (issue 13): the operator's coordinator signs for no
 * member there, so the data owner's own bridge charges its DAOs' periods. Each sweep reads every DAO
 * version its peer holds where its organisation is D (the agreement's first member, which sells the
 * DAO's service) and charges, as itself, each period of the version's grid that has begun while the
 * version was top: from its creation until its successor's creation (read on the successor's channel,
 * which D's peer always holds: D is in every version), the term's end, or its dissolution.
 * ChargeSubscription takes the amount from the terms and charges a period once; a period already
 * charged is read first (GetAllocation), so a sweep submits only what is missing.
 */

/** The parts of a version (GetVersion) that decide its periods. */
export interface SubscriptionVersion {
  readonly version: number;
  readonly members: readonly string[];
  readonly status: string;
  readonly createdAtMs: number;
  readonly dissolvedAtMs?: number;
  readonly successorChannel?: string;
  readonly successorCreatedAtMs?: number;
  readonly terms: { readonly businessModel?: string; readonly durationDays?: number; readonly price?: { readonly perPeriod?: { readonly amount: string; readonly periodSeconds: number; readonly originMs?: number } } };
}

const DAY_MS = 86_400_000;

/**
 * The periods of `v` to charge at `nowMs` (ascending): those of its grid (origin `perPeriod.originMs`,
 * else its creation) that begin at or after its creation, and before `nowMs`, the end of its term, its
 * dissolution and its successor's creation (`successorCreatedAtMs`, or `v`'s own record of it). None
 * for a version that is not a priced subscription.
 */
export function periodsToCharge(v: SubscriptionVersion, nowMs: number, successorCreatedAtMs?: number): number[] {
  const perPeriod = v.terms.price?.perPeriod;
  if (v.terms.businessModel !== 'subscription' || !perPeriod || perPeriod.periodSeconds <= 0) return [];
  const originMs = perPeriod.originMs ?? v.createdAtMs;
  const periodMs = perPeriod.periodSeconds * 1000;
  const ends = [nowMs + 1, v.createdAtMs + (v.terms.durationDays ?? 0) * DAY_MS];
  if (v.dissolvedAtMs !== undefined) ends.push(v.dissolvedAtMs);
  const successor = successorCreatedAtMs ?? v.successorCreatedAtMs;
  if (successor !== undefined) ends.push(successor);
  const endMs = Math.min(...ends);
  const first = Math.max(0, Math.ceil((v.createdAtMs - originMs) / periodMs));
  const periods: number[] = [];
  for (let k = first; originMs + k * periodMs < endMs; k += 1) periods.push(k);
  return periods;
}

/** What the charger needs of the member's own ledger. */
export interface SubscriptionLedger {
  readonly mspId: string;
  channels(): Promise<readonly string[]>;
  evaluate(channel: string, chaincode: string, fn: string, args: readonly string[]): Promise<string>;
  submit(channel: string, chaincode: string, fn: string, args: readonly string[]): Promise<{ txId: string }>;
}

export interface SubscriptionChargerOptions {
  readonly ledger: SubscriptionLedger;
  readonly logger: ConnectionLogger;
  /** How often it sweeps (default 30 s). */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/** A period the sweep charged, or found charged already. */
export interface PeriodCharged {
  readonly channel: string;
  readonly period: number;
  readonly txId?: string;
}

export class SubscriptionCharger {
  readonly #ledger: SubscriptionLedger;
  readonly #logger: ConnectionLogger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** Periods known charged, by channel: not read again. */
  readonly #charged = new Map<string, Set<number>>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: SubscriptionChargerOptions) {
    this.#ledger = options.ledger;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.sweep()
        .catch((error: unknown) => this.#logger.warn({ message: 'subscription sweep failed; next sweep retries', error: String(error) }))
        .finally(() => (this.#running = undefined));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One sweep: resolves the periods it charged (with their transactions) or found charged. A version it cannot read now is left for the next. */
  async sweep(): Promise<PeriodCharged[]> {
    const channels = new Set(await this.#ledger.channels());
    // Each version read once a sweep: a successor's is read for its predecessor and for itself.
    const read = new Map<string, Promise<SubscriptionVersion | undefined>>();
    const versionOf = (channel: string) => {
      let version = read.get(channel);
      if (!version) read.set(channel, (version = this.#version(channel)));
      return version;
    };
    const out: PeriodCharged[] = [];
    for (const channel of channels) {
      const parsed = parseDaoChannel(channel);
      if (!parsed) continue;
      const version = await versionOf(channel);
      // Not D, or nothing to charge even before its successor is known: its successor is not read.
      if (!version || version.members[0] !== this.#ledger.mspId || periodsToCharge(version, this.#now()).length === 0) continue;
      // The successor's creation, from its own channel when the version has not recorded it yet (RecordSuccessor follows InitVersion).
      const successor = daoChannelName(parsed.daoId, parsed.level + 1);
      const successorCreatedAtMs = version.successorCreatedAtMs === undefined && channels.has(successor) ? (await versionOf(successor))?.createdAtMs : undefined;
      const known = this.#charged.get(channel) ?? new Set<number>();
      this.#charged.set(channel, known);
      for (const period of periodsToCharge(version, this.#now(), successorCreatedAtMs)) {
        if (known.has(period)) continue;
        const charged = await this.#charge(channel, period);
        if (!charged) break;
        known.add(period);
        out.push(charged);
      }
    }
    return out;
  }

  async #version(channel: string): Promise<SubscriptionVersion | undefined> {
    try {
      return JSON.parse(await this.#ledger.evaluate(channel, DAO.chaincode, DAO.tx.GetVersion, [])) as SubscriptionVersion;
    } catch (error) {
      this.#logger.debug({ message: 'subscription sweep: version not readable', channel, code: chaincodeCode(error) ?? 'UNAVAILABLE' });
      return undefined;
    }
  }

  /** Charges one period unless it is charged already; undefined when the ledger refused or did not answer (the rest waits for the next sweep). */
  async #charge(channel: string, period: number): Promise<PeriodCharged | undefined> {
    try {
      await this.#ledger.evaluate(channel, DAO.chaincode, DAO.tx.GetAllocation, [`revenue:period:${period}`]);
      return { channel, period };
    } catch (error) {
      if (chaincodeCode(error) !== 'NOT_FOUND') return undefined;
    }
    const call = DAO.invocation(DAO.tx.ChargeSubscription, String(period));
    try {
      const { txId } = await this.#ledger.submit(channel, call.chaincode, call.transaction, call.arguments);
      this.#logger.log({ message: 'subscription period charged', channel, period, txId });
      return { channel, period, txId };
    } catch (error) {
      this.#logger.warn({ message: 'subscription period not charged; next sweep retries', channel, period, code: chaincodeCode(error) ?? 'UNAVAILABLE', error: chaincodeMessage(error) });
      return undefined;
    }
  }
}
