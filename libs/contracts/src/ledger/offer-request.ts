import { createHash } from 'node:crypto';
import { z } from 'zod';
import { textSchema, type IntegerJson } from './catalogue/values';

/*
 * An offer as the APIs take it (the marketplace's and a member bridge's, for an organisation held in
 * its own trust domain): one set of rules, and the PostOffer / UpdateOffer arguments made of it.
 */

/** Full descriptions stay off-chain (the ledger holds their SHA-256); this bounds one. */
export const MAX_DESCRIPTION = 64 * 1024;

/** JSON an offer's terms may hold: integers only, bounded sizes (the ledger holds no floating point). */
const offerJsonSchema: z.ZodType<IntegerJson> = z
  .lazy(() =>
    z.union([
      z.string().max(4096),
      z.number().int('numbers must be integers (the ledger holds no floating point)').min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
      z.boolean(),
      z.null(),
      z.array(offerJsonSchema).max(256),
      z.record(z.string().max(128), offerJsonSchema),
    ]),
  )
  .meta({ id: 'IntegerJson', description: 'JSON with integers only (the ledger holds no floating point)' });

/** One tag of an offer: lower-cased, also a search filter. */
export const offerTagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'must be 1-40 letters, digits, ".", "_" or "-"');
const tags = z.array(offerTagSchema).max(20, 'at most 20 tags').transform((t) => [...new Set(t)]);
const description = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`)
  .describe('Full text, kept off-chain; its SHA-256 goes on the ledger');
const kafkaTopic = z
  .string({ error: (issue) => (issue.input === undefined ? 'an iot-stream source names its topic' : undefined) })
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name')
  .describe('the Kafka topic of an iot-stream');
const jsonObject = z.record(z.string().max(128), offerJsonSchema);

/** Where a data offer's data comes from: an IoT stream (a Kafka topic the DSP owns, named) or files. */
const source = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('iot-stream'), topic: kafkaTopic }),
    z.strictObject({ type: z.literal('file'), topic: kafkaTopic.optional() }),
  ])
  .describe('data offers: where the data comes from');

const dataFields = {
  /** The dataset's schema: a JSON description of its fields, or text. */
  schema: z.union([z.string().trim().min(1).max(4096), jsonObject]).describe('data offers: the dataset schema (JSON object or text)'),
  updateFrequency: textSchema(64).describe('data offers'),
  source,
};
const valueFields = {
  service: textSchema(256).describe('value offers'),
  computations: z.array(textSchema(64)).min(1, 'name at least one computation').max(50).describe('value offers: computations the service needs'),
  /** What the service needs to run: cpu, memoryMb, storageGb, gpu, notes… */
  infrastructure: jsonObject.describe('value offers: infrastructure needs (integers, strings, booleans)'),
};
const common = { title: textSchema(200), description, tags: tags.default([]) };

export const newOfferSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('data'), ...common, ...dataFields }),
  z.strictObject({ kind: z.literal('value'), ...common, ...valueFields }),
]);
export type NewOffer = z.output<typeof newOfferSchema>;

export const offerPatchSchema = z
  .strictObject({
    title: common.title.optional(),
    description: description.optional(),
    tags: tags.optional(),
    schema: dataFields.schema.optional(),
    updateFrequency: dataFields.updateFrequency.optional(),
    source: source.optional(),
    service: valueFields.service.optional(),
    computations: valueFields.computations.optional(),
    infrastructure: valueFields.infrastructure.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'must change at least one field')
  // The refinement in the OpenAPI document (zodBody writes a schema's metadata into it).
  .meta({ minProperties: 1 });
export type OfferPatch = z.output<typeof offerPatchSchema>;

/**
 * The text of an offer's description, given to the marketplace's catalogue after the offer was posted
 * elsewhere (by the owner's own ledger bridge, which sends only the digest to the ledger). It is
 * accepted only if its SHA-256 is the digest the ledger holds.
 */
export const offerDescriptionSchema = z.strictObject({ description });
export type OfferDescription = z.output<typeof offerDescriptionSchema>;

const DATA_KEYS = ['schema', 'updateFrequency', 'source'] as const;
const VALUE_KEYS = ['service', 'computations', 'infrastructure'] as const;

/** The offer's public terms as the ledger holds them (everything but the description, whose digest goes beside). */
export function termsOf(offer: NewOffer): Record<string, IntegerJson> {
  const keys = offer.kind === 'data' ? DATA_KEYS : VALUE_KEYS;
  const terms: Record<string, IntegerJson> = { tags: offer.tags };
  for (const key of keys) terms[key] = (offer as Record<string, unknown>)[key] as IntegerJson;
  return terms;
}

/** The terms after a patch; a field of the other kind of offer is refused (returned as a problem). */
export function patchTerms(kind: 'data' | 'value', terms: Record<string, IntegerJson>, patch: OfferPatch): { terms: Record<string, IntegerJson> } | { problem: string } {
  const foreign = (kind === 'data' ? VALUE_KEYS : DATA_KEYS).filter((k) => patch[k] !== undefined);
  if (foreign.length > 0) return { problem: `body.${foreign[0]}: a ${kind} offer has no ${foreign.join(', ')}` };
  const next: Record<string, IntegerJson> = { ...terms };
  if (patch.tags !== undefined) next['tags'] = patch.tags;
  for (const key of kind === 'data' ? DATA_KEYS : VALUE_KEYS) {
    const value = patch[key];
    if (value !== undefined) next[key] = value as IntegerJson;
  }
  return { terms: next };
}

/** SHA-256 (hex) of a description's UTF-8: what the ledger holds in its place. */
export function descriptionDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The tags of ledger terms (absent or malformed: none). */
export function tagsOf(terms: unknown): string[] {
  const t = (terms as { tags?: unknown } | null)?.tags;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** PostOffer's argument for a new offer under `offerId` (the ledger's offerSchema). */
export function postOfferArgument(offerId: string, offer: NewOffer): { offerId: string; kind: 'data' | 'value'; title: string; terms: Record<string, IntegerJson>; descriptionDigest: string } {
  return { offerId, kind: offer.kind, title: offer.title, terms: termsOf(offer), descriptionDigest: descriptionDigest(offer.description) };
}

/** UpdateOffer's argument (the ledger's offerUpdateSchema). */
export interface OfferUpdateArgument {
  offerId: string;
  title?: string;
  terms?: Record<string, IntegerJson>;
  descriptionDigest?: string;
}

/**
 * UpdateOffer's argument for a patch of an offer of `kind` whose ledger terms are `terms`: the terms
 * only when a term changes, the description as its digest. A field of the other kind is a problem.
 */
export function offerUpdateArgument(offerId: string, kind: 'data' | 'value', terms: Record<string, IntegerJson>, patch: OfferPatch): { argument: OfferUpdateArgument } | { problem: string } {
  const next = patchTerms(kind, terms, patch);
  if ('problem' in next) return next;
  const argument: OfferUpdateArgument = { offerId };
  if (patch.title !== undefined) argument.title = patch.title;
  if (Object.keys(patch).some((k) => patch[k as keyof OfferPatch] !== undefined && k !== 'title' && k !== 'description')) argument.terms = next.terms;
  if (patch.description !== undefined) argument.descriptionDigest = descriptionDigest(patch.description);
  return { argument };
}
