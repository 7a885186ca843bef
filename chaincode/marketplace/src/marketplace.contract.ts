import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  callerMsp,
  canonicalJson,
  compositeKey,
  conflict,
  emit,
  forbidden,
  invalidArgument,
  listJson,
  notFound,
  parseTxArgs,
  readJson,
  requireCaller,
  txTimeMs,
  writeJson,
} from '@datawell/chaincode-common';
import { emptyReputation, MARKETPLACE, OPERATOR_MSP, REPUTATION_UNIT, reputationAt, reputationWith, type Reputation } from '@datawell/contracts';

export interface Participant {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly name: string;
  readonly caCertPem: string;
  readonly status: 'active' | 'suspended';
  readonly registeredAtMs: number;
  readonly registeredBy: string;
  /** The standing sanction (while suspended) or the last one lifted, with the operator's reason. */
  readonly sanction?: { readonly reason: string; readonly atMs: number; readonly by: string };
}

export interface Offer {
  readonly offerId: string;
  readonly owner: string;
  readonly kind: 'data' | 'value';
  title: string;
  terms: Record<string, unknown>;
  descriptionDigest: string;
  status: 'open' | 'withdrawn';
  revision: number;
  readonly createdAtMs: number;
  updatedAtMs: number;
}

export interface DaoEntry {
  readonly daoId: string;
  readonly name: string;
  readonly summary: string;
  readonly version: number;
  readonly channel: string;
  readonly members: readonly string[];
  readonly status: 'active' | 'dissolved';
  readonly publishedBy: string;
  readonly updatedAtMs: number;
}

// Feedback and Reputation are types, not interfaces: they go into event payloads, which are open records.
export type Feedback = {
  readonly daoId: string;
  readonly from: string;
  readonly target: string;
  readonly rating: number;
  readonly commentDigest: string;
  readonly atMs: number;
};

/** An abandonment recorded on a DAO channel, carried here by a co-member (ReportAbandonment). */
export type Abandonment = {
  readonly daoId: string;
  readonly member: string;
  readonly channel: string;
  readonly daoTxId: string;
  readonly reportedBy: string;
  readonly atMs: number;
};

/** Reputation as integers, decayed with the catalogue's half-life (REPUTATION_HALF_LIFE_MS, docs/ledger.md). */
export type { Reputation };

/**
 * The marketplace channel: the participant registry (admitted by the operator), offers (owned by
 * the posting MSP), the public directory of DAOs and reputation feedback between organisations
 * that share a DAO. One event per transaction, named after the action.
 */
@Info({ title: 'MarketplaceContract', description: 'Participants, offers, DAO directory and reputation' })
export class MarketplaceContract extends Contract {
  constructor() {
    super('marketplace');
  }

  // ---------------------------------------------------------------- participants

  /** The operator admits an organisation with its role and CA certificate (after adding its MSP to the channel). */
  @Transaction()
  @Returns('string')
  async RegisterParticipant(ctx: Context, participantJson: string): Promise<string> {
    const [input] = parseTxArgs(MARKETPLACE.transactions.RegisterParticipant, participantJson);
    const operator = requireCaller(ctx, [OPERATOR_MSP], 'admit participants (only the operator does)');
    if (input.mspId === OPERATOR_MSP) throw invalidArgument('participant.mspId: the operator holds no stake and is not a participant');
    const key = compositeKey(ctx, 'participant', [input.mspId]);
    if (await readJson(ctx, key)) throw conflict(`participant ${input.mspId} is already registered`);
    const participant: Participant = { ...input, status: 'active', registeredAtMs: txTimeMs(ctx), registeredBy: operator };
    await writeJson(ctx, key, participant);
    // The whole record, CA certificate included: services build their identity directory from it.
    emit(ctx, MARKETPLACE.emitted(MARKETPLACE.event.ParticipantRegistered, { ...participant }));
    return canonicalJson(participant);
  }

  @Transaction(false)
  @Returns('string')
  async GetParticipant(ctx: Context, mspId: string): Promise<string> {
    return canonicalJson(await requireParticipant(ctx, ...parseTxArgs(MARKETPLACE.transactions.GetParticipant, mspId)));
  }

  @Transaction(false)
  @Returns('string')
  async ListParticipants(ctx: Context): Promise<string> {
    return canonicalJson(await listJson<Participant>(ctx, 'participant'));
  }

  // ---------------------------------------------------------------- sanctions

  /**
   * The marketplace's governance suspends a participant: only the operator (it governs the
   * `marketplace` channel), with a reason. A suspended participant posts and changes no offers, and
   * the services refuse it negotiations and DAO formation; its record and reputation stay readable.
   */
  @Transaction()
  @Returns('string')
  async SuspendParticipant(ctx: Context, sanctionJson: string): Promise<string> {
    const [input] = parseTxArgs(MARKETPLACE.transactions.SuspendParticipant, sanctionJson);
    return canonicalJson(await sanction(ctx, input, 'suspended'));
  }

  /** Lifts a suspension: the operator again, with a reason. */
  @Transaction()
  @Returns('string')
  async ReinstateParticipant(ctx: Context, sanctionJson: string): Promise<string> {
    const [input] = parseTxArgs(MARKETPLACE.transactions.ReinstateParticipant, sanctionJson);
    return canonicalJson(await sanction(ctx, input, 'active'));
  }

  // ---------------------------------------------------------------- offers

  /** A participant posts an offer it owns: data offers from DSPs, value offers from VSPs. */
  @Transaction()
  @Returns('string')
  async PostOffer(ctx: Context, offerJson: string): Promise<string> {
    const [input] = parseTxArgs(MARKETPLACE.transactions.PostOffer, offerJson);
    const owner = await callerParticipant(ctx, 'post offers');
    requireNotSuspended(owner, 'post offers');
    const expected = owner.role === 'DSP' ? 'data' : 'value';
    if (input.kind !== expected) throw invalidArgument(`offer.kind: a ${owner.role} posts ${expected} offers`);
    const key = compositeKey(ctx, 'offer', [input.offerId]);
    if (await readJson(ctx, key)) throw conflict(`offer ${input.offerId} exists already`);
    const now = txTimeMs(ctx);
    const offer: Offer = { ...input, owner: owner.mspId, status: 'open', revision: 1, createdAtMs: now, updatedAtMs: now };
    await writeJson(ctx, key, offer);
    emit(ctx, MARKETPLACE.emitted(MARKETPLACE.event.OfferPosted, { ...offer }));
    return canonicalJson(offer);
  }

  /** The owner changes an open offer's title, terms or description digest. */
  @Transaction()
  @Returns('string')
  async UpdateOffer(ctx: Context, updateJson: string): Promise<string> {
    const [update] = parseTxArgs(MARKETPLACE.transactions.UpdateOffer, updateJson);
    const offer = await ownOpenOffer(ctx, update.offerId, 'update');
    requireNotSuspended(await callerParticipant(ctx, 'update offers'), 'update offers');
    const next: Offer = {
      ...offer,
      title: update.title ?? offer.title,
      terms: update.terms ?? offer.terms,
      descriptionDigest: update.descriptionDigest ?? offer.descriptionDigest,
      revision: offer.revision + 1,
      updatedAtMs: txTimeMs(ctx),
    };
    await writeJson(ctx, compositeKey(ctx, 'offer', [offer.offerId]), next);
    emit(ctx, MARKETPLACE.emitted(MARKETPLACE.event.OfferUpdated, { ...next }));
    return canonicalJson(next);
  }

  /** The owner withdraws an open offer; it stays readable as withdrawn. */
  @Transaction()
  @Returns('string')
  async WithdrawOffer(ctx: Context, offerId: string): Promise<string> {
    const offer = await ownOpenOffer(ctx, ...parseTxArgs(MARKETPLACE.transactions.WithdrawOffer, offerId), 'withdraw');
    const next: Offer = { ...offer, status: 'withdrawn', revision: offer.revision + 1, updatedAtMs: txTimeMs(ctx) };
    await writeJson(ctx, compositeKey(ctx, 'offer', [offer.offerId]), next);
    emit(ctx, MARKETPLACE.emitted(MARKETPLACE.event.OfferWithdrawn, { offerId: offer.offerId, owner: offer.owner, revision: next.revision }));
    return canonicalJson(next);
  }

  @Transaction(false)
  @Returns('string')
  async GetOffer(ctx: Context, offerId: string): Promise<string> {
    const [id] = parseTxArgs(MARKETPLACE.transactions.GetOffer, offerId);
    const offer = await readJson<Offer>(ctx, compositeKey(ctx, 'offer', [id]));
    if (!offer) throw notFound(`no offer ${id}`);
    return canonicalJson(offer);
  }

  @Transaction(false)
  @Returns('string')
  async ListOffers(ctx: Context): Promise<string> {
    return canonicalJson(await listJson<Offer>(ctx, 'offer'));
  }

  // ---------------------------------------------------------------- DAO directory

  /**
   * Publishes or updates a DAO's public summary. The caller must be a registered DSP listed among
   * the members (the founding DSP's bridge, after each new version); every member must be a
   * registered participant; versions only move forward.
   */
  @Transaction()
  @Returns('string')
  async PublishDao(ctx: Context, entryJson: string): Promise<string> {
    const [input] = parseTxArgs(MARKETPLACE.transactions.PublishDao, entryJson);
    const caller = await callerParticipant(ctx, 'publish DAOs');
    if (caller.role !== 'DSP') throw forbidden(`${caller.mspId} is a VSP; a DAO is published by its DSP`);
    if (!input.members.includes(caller.mspId)) throw forbidden(`${caller.mspId} is not a member of DAO ${input.daoId}`);
    const seen = new Set<string>();
    for (const [k, msp] of input.members.entries()) {
      if (seen.has(msp)) throw invalidArgument(`entry.members.${k}: ${msp} is listed twice`);
      seen.add(msp);
      if (!(await readJson(ctx, compositeKey(ctx, 'participant', [msp])))) throw invalidArgument(`entry.members.${k}: ${msp} is not a registered participant`);
    }
    const key = compositeKey(ctx, 'dao', [input.daoId]);
    const previous = await readJson<DaoEntry>(ctx, key);
    if (previous) {
      if (!previous.members.includes(caller.mspId)) throw forbidden(`${caller.mspId} is not a member of DAO ${input.daoId}`);
      if (input.version < previous.version) throw conflict(`DAO ${input.daoId} is at version ${previous.version}; version ${input.version} is older`);
      if (previous.status === 'dissolved') throw conflict(`DAO ${input.daoId} is dissolved`);
    }
    const entry: DaoEntry = { ...input, channel: `dao-${input.daoId}-v${input.version}`, publishedBy: caller.mspId, updatedAtMs: txTimeMs(ctx) };
    await writeJson(ctx, key, entry);
    emit(ctx, MARKETPLACE.emitted(MARKETPLACE.event.DaoPublished, { ...entry, members: [...entry.members], created: previous === undefined }));
    return canonicalJson(entry);
  }

  @Transaction(false)
  @Returns('string')
  async GetDao(ctx: Context, daoId: string): Promise<string> {
    const [id] = parseTxArgs(MARKETPLACE.transactions.GetDao, daoId);
    const entry = await readJson<DaoEntry>(ctx, compositeKey(ctx, 'dao', [id]));
    if (!entry) throw notFound(`no DAO ${id} in the directory`);
    return canonicalJson(entry);
  }

  @Transaction(false)
  @Returns('string')
  async ListDaos(ctx: Context): Promise<string> {
    return canonicalJson(await listJson<DaoEntry>(ctx, 'dao'));
  }

  // ---------------------------------------------------------------- feedback and reputation

  /**
   * A participant rates another (1–5, with the digest of an off-chain comment), once per DAO they
   * share in the directory. Updates the target's reputation in the same transaction.
   */
  @Transaction()
  @Returns('string')
  async SubmitFeedback(ctx: Context, feedbackJson: string): Promise<string> {
    const [input] = parseTxArgs(MARKETPLACE.transactions.SubmitFeedback, feedbackJson);
    const from = await callerParticipant(ctx, 'give feedback');
    if (input.target === from.mspId) throw invalidArgument('feedback.target: an organisation does not rate itself');
    await requireParticipant(ctx, input.target);
    const dao = await readJson<DaoEntry>(ctx, compositeKey(ctx, 'dao', [input.daoId]));
    if (!dao) throw notFound(`no DAO ${input.daoId} in the directory`);
    if (!dao.members.includes(from.mspId) || !dao.members.includes(input.target)) {
      throw forbidden(`${from.mspId} and ${input.target} do not share DAO ${input.daoId}`);
    }
    const key = compositeKey(ctx, 'feedback', [input.target, input.daoId, from.mspId]);
    if (await readJson(ctx, key)) throw conflict(`${from.mspId} has already rated ${input.target} for DAO ${input.daoId}`);
    const feedback: Feedback = { daoId: input.daoId, from: from.mspId, target: input.target, rating: input.rating, commentDigest: input.commentDigest, atMs: txTimeMs(ctx) };
    await writeJson(ctx, key, feedback);
    const reputation = await addToReputation(ctx, input.target, { rating: input.rating });
    emit(ctx, MARKETPLACE.emitted(MARKETPLACE.event.FeedbackSubmitted, { feedback, reputation }));
    return canonicalJson(reputation);
  }

  /**
   * Carries an abandonment recorded on a DAO channel (`MemberAbandoned`, telemetry's
   * EvaluateAbandonment) to the marketplace, where it counts against the member's reputation. The
   * marketplace's peers are not on the DAO's channel and cannot read it, so the report is trusted
   * the way feedback is: only a registered co-member of the DAO in the directory may make it (not the
   * member itself), once per DAO and member, naming the channel and transaction that recorded it —
   * a signed, checkable claim any member of that channel can refute with the channel's own ledger.
   */
  @Transaction()
  @Returns('string')
  async ReportAbandonment(ctx: Context, reportJson: string): Promise<string> {
    const [input] = parseTxArgs(MARKETPLACE.transactions.ReportAbandonment, reportJson);
    const reporter = await callerParticipant(ctx, 'report abandonments');
    if (input.member === reporter.mspId) throw invalidArgument('report.member: an organisation does not report itself');
    if (!input.channel.startsWith(`dao-${input.daoId}-v`)) throw invalidArgument(`report.channel: ${input.channel} is not a channel of DAO ${input.daoId}`);
    await requireParticipant(ctx, input.member);
    const dao = await readJson<DaoEntry>(ctx, compositeKey(ctx, 'dao', [input.daoId]));
    if (!dao) throw notFound(`no DAO ${input.daoId} in the directory`);
    if (Number(input.channel.slice(`dao-${input.daoId}-v`.length)) > dao.version) throw invalidArgument(`report.channel: DAO ${input.daoId} is at version ${dao.version}`);
    if (!dao.members.includes(reporter.mspId) || !dao.members.includes(input.member)) {
      throw forbidden(`${reporter.mspId} and ${input.member} do not share DAO ${input.daoId}`);
    }
    const key = compositeKey(ctx, 'abandonment', [input.member, input.daoId]);
    if (await readJson(ctx, key)) throw conflict(`an abandonment of ${input.member} in DAO ${input.daoId} is already recorded`);
    const abandonment: Abandonment = { ...input, reportedBy: reporter.mspId, atMs: txTimeMs(ctx) };
    await writeJson(ctx, key, abandonment);
    const reputation = await addToReputation(ctx, input.member, { abandonment: true });
    emit(ctx, MARKETPLACE.emitted(MARKETPLACE.event.AbandonmentReported, { abandonment, reputation }));
    return canonicalJson(reputation);
  }

  @Transaction(false)
  @Returns('string')
  async ListAbandonments(ctx: Context, mspId: string): Promise<string> {
    const [msp] = parseTxArgs(MARKETPLACE.transactions.ListAbandonments, mspId);
    return canonicalJson(await listJson<Abandonment>(ctx, 'abandonment', [msp]));
  }

  /** The reputation decayed to this transaction's timestamp (the client's proposal time). */
  @Transaction(false)
  @Returns('string')
  async GetReputation(ctx: Context, mspId: string): Promise<string> {
    const [msp] = parseTxArgs(MARKETPLACE.transactions.GetReputation, mspId);
    await requireParticipant(ctx, msp);
    return canonicalJson(reputationAt(await storedReputation(ctx, msp), txTimeMs(ctx)));
  }

  /** The reputation decayed to a given time, not before its last update: the same answer on every peer. */
  @Transaction(false)
  @Returns('string')
  async GetReputationAt(ctx: Context, mspId: string, atMs: string): Promise<string> {
    const [msp, at] = parseTxArgs(MARKETPLACE.transactions.GetReputationAt, mspId, atMs);
    await requireParticipant(ctx, msp);
    const stored = await storedReputation(ctx, msp);
    const time = Number(at);
    if (time < stored.asOfMs) throw invalidArgument(`atMs: the reputation of ${msp} was last updated at ${stored.asOfMs}; it is not kept for earlier times`);
    return canonicalJson(reputationAt(stored, time));
  }

  @Transaction(false)
  @Returns('string')
  async ListFeedback(ctx: Context, mspId: string): Promise<string> {
    const [msp] = parseTxArgs(MARKETPLACE.transactions.ListFeedback, mspId);
    return canonicalJson(await listJson<Feedback>(ctx, 'feedback', [msp]));
  }
}

/**
 * The stored reputation; a record from before decay (count, sum, scoreMilli only) is read as its
 * ratings undecayed as of now, with no abandonments; none at all as a member nobody rated.
 */
async function storedReputation(ctx: Context, mspId: string): Promise<Reputation> {
  const stored = await readJson<Partial<Reputation> & { count: number; sum: number }>(ctx, compositeKey(ctx, 'reputation', [mspId]));
  if (!stored) return emptyReputation(mspId, 0);
  if (stored.weightMicro !== undefined) return stored as Reputation;
  const weightMicro = stored.count * REPUTATION_UNIT;
  const sumMicro = stored.sum * REPUTATION_UNIT;
  return reputationAt({ ...emptyReputation(mspId, txTimeMs(ctx)), count: stored.count, sum: stored.sum, weightMicro, sumMicro }, txTimeMs(ctx));
}

async function addToReputation(ctx: Context, mspId: string, entry: { readonly rating: number } | { readonly abandonment: true }): Promise<Reputation> {
  const reputation = reputationWith(await storedReputation(ctx, mspId), txTimeMs(ctx), entry);
  await writeJson(ctx, compositeKey(ctx, 'reputation', [mspId]), reputation);
  return reputation;
}

async function sanction(ctx: Context, input: { mspId: string; reason: string }, status: Participant['status']): Promise<Participant> {
  const operator = requireCaller(ctx, [OPERATOR_MSP], status === 'suspended' ? 'suspend participants (only the operator does)' : 'reinstate participants (only the operator does)');
  const participant = await requireParticipant(ctx, input.mspId);
  if (participant.status === status) throw conflict(status === 'suspended' ? `${input.mspId} is suspended already` : `${input.mspId} is not suspended`);
  const atMs = txTimeMs(ctx);
  const by = `${operator}:${ctx.clientIdentity.getID()}`;
  const next: Participant = { ...participant, status, sanction: { reason: input.reason, atMs, by } };
  await writeJson(ctx, compositeKey(ctx, 'participant', [input.mspId]), next);
  const event = status === 'suspended' ? MARKETPLACE.event.ParticipantSuspended : MARKETPLACE.event.ParticipantReinstated;
  emit(ctx, MARKETPLACE.emitted(event, { mspId: input.mspId, reason: input.reason, atMs, by }));
  return next;
}

function requireNotSuspended(p: Participant, action: string): void {
  if (p.status === 'suspended') throw forbidden(`${p.mspId} is suspended and may not ${action}`);
}

async function requireParticipant(ctx: Context, mspId: string): Promise<Participant> {
  const p = await readJson<Participant>(ctx, compositeKey(ctx, 'participant', [mspId]));
  if (!p) throw notFound(`${mspId} is not a registered participant`);
  return p;
}

/** The caller as a registered participant (FORBIDDEN otherwise). */
async function callerParticipant(ctx: Context, action: string): Promise<Participant> {
  const msp = callerMsp(ctx);
  const p = await readJson<Participant>(ctx, compositeKey(ctx, 'participant', [msp]));
  if (!p) throw forbidden(`${msp} is not a registered participant and may not ${action}`);
  return p;
}

async function ownOpenOffer(ctx: Context, offerId: string, action: string): Promise<Offer> {
  const offer = await readJson<Offer>(ctx, compositeKey(ctx, 'offer', [offerId]));
  if (!offer) throw notFound(`no offer ${offerId}`);
  const msp = callerMsp(ctx);
  if (offer.owner !== msp) throw forbidden(`${msp} does not own offer ${offerId} and may not ${action} it`);
  if (offer.status !== 'open') throw conflict(`offer ${offerId} is ${offer.status}`);
  return offer;
}
