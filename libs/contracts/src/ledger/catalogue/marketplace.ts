import { z } from 'zod';
import { integerJsonSchema, positiveInt, roleSchema } from '@datawell/domain';
import { defineChaincode, evaluated, jsonArg, submitted, textArg, type DecodedEvent } from './define';
import { caCertificateSchema, daoChannelSchema, daoIdSchema, digestSchema, idSchema, mspIdSchema, textSchema, txIdSchema } from './values';

/*
 * The `marketplace` chaincode on channel `marketplace`: the participant registry, offers, the public
 * DAO directory and reputation feedback. Arguments are strict; event payloads are loose.
 */

/** The operator's MSP: the only one that admits participants. */
export const OPERATOR_MSP = 'OperatorMSP';

// ---------------------------------------------------------------- transaction arguments

/** RegisterParticipant: an organisation the operator admits. */
export const participantSchema = z.strictObject({
  mspId: mspIdSchema,
  role: roleSchema,
  name: textSchema(128),
  /** The organisation's CA certificate: services check enrolled identities against it. */
  caCertPem: caCertificateSchema,
});

const offerTerms = z.record(z.string().max(128), integerJsonSchema);

/** PostOffer. */
export const offerSchema = z.strictObject({
  offerId: idSchema,
  /** data: a DSP's dataset; value: a VSP's service. */
  kind: z.enum(['data', 'value']),
  title: textSchema(200),
  terms: offerTerms,
  /** SHA-256 of the full description, which is kept off-chain. */
  descriptionDigest: digestSchema,
});

/** UpdateOffer: what changes of an open offer. */
export const offerUpdateSchema = z
  .strictObject({ offerId: idSchema, title: textSchema(200).optional(), terms: offerTerms.optional(), descriptionDigest: digestSchema.optional() })
  .refine((u) => u.title !== undefined || u.terms !== undefined || u.descriptionDigest !== undefined, 'must change at least one of title, terms, descriptionDigest');

/** PublishDao: a DAO's public summary in the directory. */
export const daoEntrySchema = z.strictObject({
  daoId: daoIdSchema,
  name: textSchema(128),
  summary: textSchema(1024),
  /** The latest version i: its channel is dao-<daoId>-v<i>. */
  version: positiveInt.max(9999),
  members: z.array(mspIdSchema).min(2, 'a DAO has at least a DSP and a VSP').max(256),
  status: z.enum(['active', 'dissolved']),
});

/** SubmitFeedback: a rating of another member of a shared DAO. */
export const feedbackSchema = z.strictObject({
  daoId: daoIdSchema,
  target: mspIdSchema,
  rating: z.number().int('must be a whole number').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5'),
  /** SHA-256 of the comment, which is kept off-chain. */
  commentDigest: digestSchema,
});

/** ReportAbandonment: a co-member carries an abandonment recorded on a DAO channel to the marketplace. */
export const abandonmentReportSchema = z.strictObject({
  daoId: daoIdSchema,
  /** The member the DAO channel recorded as abandoned (`MemberAbandoned`). */
  member: mspIdSchema,
  /** The DAO channel that recorded it, dao-<daoId>-v<i>, and the transaction there: anyone on that channel can check it. */
  channel: daoChannelSchema,
  daoTxId: txIdSchema,
});

/** SuspendParticipant / ReinstateParticipant: the operator's sanction and its lifting, always with a reason. */
export const sanctionSchema = z.strictObject({ mspId: mspIdSchema, reason: textSchema(512) });

/** GetReputationAt's reference time: ms since the epoch, as decimal text. */
const referenceTimeSchema = z.string().regex(/^(0|[1-9]\d{0,14})$/, 'must be a time in ms since the epoch (decimal digits)');

// ---------------------------------------------------------------- reputation: the decayed score

/**
 * Reputation decays: every rating (and every recorded abandonment) weighs 2^(−Δt / half-life), Δt
 * the time since it was recorded (the transaction timestamps, never a clock). The score is a mean
 * of the weighted ratings with a prior of one neutral rating (3):
 *
 *   score(t) = (S(t) + K·M) / (W(t) + K),   W(t) = Σ wᵢ·2^(−(t−tᵢ)/H),   S(t) = Σ wᵢ·rᵢ·2^(−(t−tᵢ)/H)
 *
 * with H = REPUTATION_HALF_LIFE_MS (180 days), K = 1, M = 3; a rating has wᵢ = 1 and rᵢ its 1–5, an
 * abandonment wᵢ = ABANDONMENT_WEIGHT (2) and rᵢ = 0. So a member nobody rated reads 3, old
 * ratings fade back towards 3, and an abandonment pulls down twice as hard as one rating of 0 would.
 * Only W and S as of the last update (`asOfMs`) are stored, in millionths; a read at t decays them
 * to t, so the same record and the same t give the same score on every peer and in every service.
 */
export const REPUTATION_HALF_LIFE_MS = 180 * 24 * 60 * 60 * 1000;
export const ABANDONMENT_WEIGHT = 2;
export const REPUTATION_PRIOR = { weight: 1, ratingMilli: 3000 } as const;
/** Weights and weighted sums are kept in millionths (one rating = 1 000 000). */
export const REPUTATION_UNIT = 1_000_000;

/** The reputation record of the marketplace chaincode (integers; score in thousandths, 4333 = 4.333). */
export type Reputation = {
  readonly mspId: string;
  /** Ratings received, ever, and their plain sum. */
  readonly count: number;
  readonly sum: number;
  /** Abandonments recorded against the member, ever. */
  readonly abandonments: number;
  /** W and S as of `asOfMs`, in millionths. */
  readonly weightMicro: number;
  readonly sumMicro: number;
  readonly asOfMs: number;
  readonly halfLifeMs: number;
  /** The score at `asOfMs`. */
  readonly scoreMilli: number;
};

/** 2^(−elapsed / halfLife) in billionths, rounded; 10⁹ for no time elapsed (or a clock that went back). */
export function decayFactorPpb(elapsedMs: number, halfLifeMs: number): number {
  if (elapsedMs <= 0) return 1_000_000_000;
  return Math.round(1_000_000_000 * 2 ** (-elapsedMs / halfLifeMs));
}

/** The score in thousandths from W and S in millionths, with the prior (floor). */
export function reputationScoreMilli(weightMicro: number, sumMicro: number): number {
  const priorWeight = REPUTATION_PRIOR.weight * REPUTATION_UNIT;
  return Math.floor((sumMicro * 1000 + priorWeight * REPUTATION_PRIOR.ratingMilli) / (weightMicro + priorWeight));
}

/** A member nobody rated: score 3.000. */
export function emptyReputation(mspId: string, atMs: number): Reputation {
  return { mspId, count: 0, sum: 0, abandonments: 0, weightMicro: 0, sumMicro: 0, asOfMs: atMs, halfLifeMs: REPUTATION_HALF_LIFE_MS, scoreMilli: reputationScoreMilli(0, 0) };
}

const decayed = (value: number, ppb: number) => Number((BigInt(value) * BigInt(ppb)) / 1_000_000_000n);

/**
 * The record read at `atMs`: W and S decayed from `asOfMs` to `atMs` (integer arithmetic on a
 * factor rounded to billionths), the score from them. A reference time before `asOfMs` decays
 * nothing and keeps `asOfMs`.
 */
export function reputationAt(r: Reputation, atMs: number): Reputation {
  const ppb = decayFactorPpb(atMs - r.asOfMs, r.halfLifeMs);
  const weightMicro = decayed(r.weightMicro, ppb);
  const sumMicro = decayed(r.sumMicro, ppb);
  return { ...r, weightMicro, sumMicro, asOfMs: Math.max(atMs, r.asOfMs), scoreMilli: reputationScoreMilli(weightMicro, sumMicro) };
}

/** The record after a rating (1–5) or an abandonment at `atMs`. */
export function reputationWith(r: Reputation, atMs: number, entry: { readonly rating: number } | { readonly abandonment: true }): Reputation {
  const now = reputationAt(r, atMs);
  const [weight, rating] = 'rating' in entry ? [1, entry.rating] : [ABANDONMENT_WEIGHT, 0];
  const weightMicro = now.weightMicro + weight * REPUTATION_UNIT;
  const sumMicro = now.sumMicro + weight * rating * REPUTATION_UNIT;
  return {
    ...now,
    count: now.count + ('rating' in entry ? 1 : 0),
    sum: now.sum + ('rating' in entry ? entry.rating : 0),
    abandonments: now.abandonments + ('rating' in entry ? 0 : 1),
    weightMicro,
    sumMicro,
    scoreMilli: reputationScoreMilli(weightMicro, sumMicro),
  };
}

// ---------------------------------------------------------------- event payloads

const nonEmpty = z.string().min(1);
const ms = z.number().int().nonnegative();
const event = <S extends z.core.$ZodLooseShape>(shape: S) => z.looseObject({ type: z.string().optional(), txId: z.string().optional(), channel: z.string().optional(), ...shape });

/**
 * `ParticipantRegistered`: the whole participant record, CA certificate included (services build
 * their identity directory from it). The one schema every reader uses.
 */
export const participantRegisteredPayloadSchema = event({
  mspId: nonEmpty,
  role: roleSchema,
  name: z.string(),
  caCertPem: nonEmpty,
  status: z.enum(['active', 'suspended']).default('active'),
  registeredAtMs: ms.optional(),
  registeredBy: z.string().optional(),
});
export type ParticipantRegisteredPayload = z.output<typeof participantRegisteredPayloadSchema>;

/** `OfferPosted` / `OfferUpdated`: the offer as it now stands. */
export const offerPayloadSchema = event({
  offerId: nonEmpty,
  owner: nonEmpty,
  kind: z.enum(['data', 'value']),
  title: z.string(),
  terms: z.record(z.string(), z.unknown()),
  descriptionDigest: z.string(),
  status: z.enum(['open', 'withdrawn']),
  revision: z.number().int(),
  createdAtMs: ms.optional(),
  updatedAtMs: ms.optional(),
});
export type OfferPayload = z.output<typeof offerPayloadSchema>;

/** `OfferWithdrawn`. */
export const offerWithdrawnPayloadSchema = event({ offerId: nonEmpty, owner: z.string().optional(), revision: z.number().int() });
export type OfferWithdrawnPayload = z.output<typeof offerWithdrawnPayloadSchema>;

/** `DaoPublished`: a DAO's directory entry; `created` on its first publication. */
export const daoPublishedPayloadSchema = event({
  daoId: nonEmpty,
  name: z.string().optional(),
  summary: z.string().optional(),
  version: z.number().int().positive().optional(),
  channel: z.string().optional(),
  members: z.array(z.string()).optional(),
  status: z.enum(['active', 'dissolved']).optional(),
  publishedBy: z.string().optional(),
  updatedAtMs: ms.optional(),
  created: z.boolean().optional(),
});

/**
 * The reputation record in an event. Records written before decay (no `weightMicro`) are read as
 * undecayed ratings as of the event (`asOfMs` 0: the reader takes the event's time).
 */
const reputationPayloadSchema = z.looseObject({
  mspId: z.string(),
  count: z.number().int(),
  sum: z.number().int(),
  scoreMilli: z.number().int(),
  abandonments: z.number().int().nonnegative().default(0),
  weightMicro: z.number().int().nonnegative().optional(),
  sumMicro: z.number().int().nonnegative().optional(),
  asOfMs: ms.optional(),
  halfLifeMs: z.number().int().positive().default(REPUTATION_HALF_LIFE_MS),
});
export type ReputationPayload = z.output<typeof reputationPayloadSchema>;

/** `FeedbackSubmitted`: the feedback and the target's reputation after it (integers; score in thousandths). */
export const feedbackSubmittedPayloadSchema = event({
  feedback: z.looseObject({ daoId: z.string(), from: z.string(), target: z.string(), rating: z.number().int().optional(), commentDigest: z.string().optional(), atMs: ms.optional() }),
  reputation: reputationPayloadSchema,
});
export type FeedbackSubmittedPayload = z.output<typeof feedbackSubmittedPayloadSchema>;

/** `AbandonmentReported`: the report and the member's reputation after it. */
export const abandonmentReportedPayloadSchema = event({
  abandonment: z.looseObject({ daoId: z.string(), member: z.string(), channel: z.string(), daoTxId: z.string(), reportedBy: z.string(), atMs: ms }),
  reputation: reputationPayloadSchema,
});
export type AbandonmentReportedPayload = z.output<typeof abandonmentReportedPayloadSchema>;

/** `ParticipantSuspended` / `ParticipantReinstated`: the sanction or its lifting, with the operator's reason. */
export const sanctionPayloadSchema = event({ mspId: nonEmpty, reason: z.string(), atMs: ms, by: z.string() });
export type SanctionPayload = z.output<typeof sanctionPayloadSchema>;

// ---------------------------------------------------------------- the catalogue

const mspIdArg = textArg('mspId', mspIdSchema);

/** The marketplace chaincode: every transaction with its arguments, every event with its payload. */
export const MARKETPLACE = defineChaincode('marketplace', {
  transactions: {
    RegisterParticipant: submitted(jsonArg('participant', participantSchema)),
    GetParticipant: evaluated(mspIdArg),
    ListParticipants: evaluated(),
    PostOffer: submitted(jsonArg('offer', offerSchema)),
    UpdateOffer: submitted(jsonArg('update', offerUpdateSchema)),
    WithdrawOffer: submitted(textArg('offerId', idSchema)),
    GetOffer: evaluated(textArg('offerId', idSchema)),
    ListOffers: evaluated(),
    PublishDao: submitted(jsonArg('entry', daoEntrySchema)),
    GetDao: evaluated(textArg('daoId', daoIdSchema)),
    ListDaos: evaluated(),
    SubmitFeedback: submitted(jsonArg('feedback', feedbackSchema)),
    GetReputation: evaluated(mspIdArg),
    GetReputationAt: evaluated(mspIdArg, textArg('atMs', referenceTimeSchema)),
    ListFeedback: evaluated(mspIdArg),
    ReportAbandonment: submitted(jsonArg('report', abandonmentReportSchema)),
    ListAbandonments: evaluated(mspIdArg),
    SuspendParticipant: submitted(jsonArg('sanction', sanctionSchema)),
    ReinstateParticipant: submitted(jsonArg('sanction', sanctionSchema)),
  },
  events: {
    ParticipantRegistered: participantRegisteredPayloadSchema,
    OfferPosted: offerPayloadSchema,
    OfferUpdated: offerPayloadSchema,
    OfferWithdrawn: offerWithdrawnPayloadSchema,
    DaoPublished: daoPublishedPayloadSchema,
    FeedbackSubmitted: feedbackSubmittedPayloadSchema,
    AbandonmentReported: abandonmentReportedPayloadSchema,
    ParticipantSuspended: sanctionPayloadSchema,
    ParticipantReinstated: sanctionPayloadSchema,
  },
});

export type MarketplaceEvent = DecodedEvent<typeof MARKETPLACE.events>;
export type MarketplaceEventName = MarketplaceEvent['name'];
export type MarketplaceTransactionName = keyof typeof MARKETPLACE.transactions;
