import { z } from 'zod';
import { integerJsonSchema, positiveInt, roleSchema } from '@datawell/domain';
import { defineChaincode, evaluated, jsonArg, submitted, textArg, type DecodedEvent } from './define';
import { caCertificateSchema, daoIdSchema, digestSchema, idSchema, mspIdSchema, textSchema } from './values';

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
  status: z.literal('active').default('active'),
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

/** `FeedbackSubmitted`: the feedback and the target's reputation after it (integers; score in thousandths). */
export const feedbackSubmittedPayloadSchema = event({
  feedback: z.looseObject({ daoId: z.string(), from: z.string(), target: z.string(), rating: z.number().int().optional(), commentDigest: z.string().optional(), atMs: ms.optional() }),
  reputation: z.looseObject({ mspId: z.string(), count: z.number().int(), sum: z.number().int(), scoreMilli: z.number().int() }),
});
export type FeedbackSubmittedPayload = z.output<typeof feedbackSubmittedPayloadSchema>;

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
    ListFeedback: evaluated(mspIdArg),
  },
  events: {
    ParticipantRegistered: participantRegisteredPayloadSchema,
    OfferPosted: offerPayloadSchema,
    OfferUpdated: offerPayloadSchema,
    OfferWithdrawn: offerWithdrawnPayloadSchema,
    DaoPublished: daoPublishedPayloadSchema,
    FeedbackSubmitted: feedbackSubmittedPayloadSchema,
  },
});

export type MarketplaceEvent = DecodedEvent<typeof MARKETPLACE.events>;
export type MarketplaceEventName = MarketplaceEvent['name'];
export type MarketplaceTransactionName = keyof typeof MARKETPLACE.transactions;
