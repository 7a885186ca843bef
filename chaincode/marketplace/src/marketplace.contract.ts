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
import { MARKETPLACE, OPERATOR_MSP } from '@datawell/contracts';

export interface Participant {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly name: string;
  readonly caCertPem: string;
  readonly status: 'active';
  readonly registeredAtMs: number;
  readonly registeredBy: string;
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

/** Reputation as integers: the count and sum of ratings, and the mean in thousandths (4333 = 4.333). */
export type Reputation = {
  readonly mspId: string;
  readonly count: number;
  readonly sum: number;
  readonly scoreMilli: number;
};

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

  // ---------------------------------------------------------------- offers

  /** A participant posts an offer it owns: data offers from DSPs, value offers from VSPs. */
  @Transaction()
  @Returns('string')
  async PostOffer(ctx: Context, offerJson: string): Promise<string> {
    const [input] = parseTxArgs(MARKETPLACE.transactions.PostOffer, offerJson);
    const owner = await callerParticipant(ctx, 'post offers');
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
    const repKey = compositeKey(ctx, 'reputation', [input.target]);
    const before = (await readJson<Reputation>(ctx, repKey)) ?? { mspId: input.target, count: 0, sum: 0, scoreMilli: 0 };
    const count = before.count + 1;
    const sum = before.sum + input.rating;
    const reputation: Reputation = { mspId: input.target, count, sum, scoreMilli: Math.floor((sum * 1000) / count) };
    await writeJson(ctx, repKey, reputation);
    emit(ctx, MARKETPLACE.emitted(MARKETPLACE.event.FeedbackSubmitted, { feedback, reputation }));
    return canonicalJson(reputation);
  }

  @Transaction(false)
  @Returns('string')
  async GetReputation(ctx: Context, mspId: string): Promise<string> {
    const [msp] = parseTxArgs(MARKETPLACE.transactions.GetReputation, mspId);
    await requireParticipant(ctx, msp);
    return canonicalJson((await readJson<Reputation>(ctx, compositeKey(ctx, 'reputation', [msp]))) ?? { mspId: msp, count: 0, sum: 0, scoreMilli: 0 });
  }

  @Transaction(false)
  @Returns('string')
  async ListFeedback(ctx: Context, mspId: string): Promise<string> {
    const [msp] = parseTxArgs(MARKETPLACE.transactions.ListFeedback, mspId);
    return canonicalJson(await listJson<Feedback>(ctx, 'feedback', [msp]));
  }
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
