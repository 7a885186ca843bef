import { offerTagSchema } from '@datawell/contracts';
import { z } from 'zod';
import { mspIdSchema } from '../validation';

// An offer's own rules (newOfferSchema, offerPatchSchema, the ledger arguments) are @datawell/contracts'
// offer-request, shared with a member's bridge; the search query is the marketplace's alone.

const list = z.preprocess(
  (v) => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter((x) => x !== '')),
  z.array(offerTagSchema).max(20).optional(),
);
const int = (min: number, max: number, fallback: number) =>
  z.preprocess((v) => (v === undefined || v === '' ? fallback : /^-?\d+$/.test(String(v)) ? Number(v) : NaN), z.number().int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

export const searchQuerySchema = z.object({
  q: z.string().trim().max(256, 'must be at most 256 characters').optional(),
  role: z.enum(['DSP', 'VSP']).optional(),
  kind: z.enum(['data', 'value']).optional(),
  tags: list,
  owner: mspIdSchema.optional(),
  minReputation: z.preprocess((v) => (v === undefined || v === '' ? undefined : /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(String(v)) ? Number(v) : NaN), z.number('must be a number 0-5').min(0, 'must be 0-5').max(5, 'must be 0-5').optional()),
  status: z.enum(['open', 'withdrawn']).default('open'),
  /** The owner's sanction: true only suspended owners, false only owners in good standing; absent both. */
  suspended: z.enum(['true', 'false'], 'must be true or false').transform((v) => v === 'true').optional(),
  limit: int(1, 100, 20),
  offset: int(0, 10_000, 0),
});
export type SearchQuery = z.output<typeof searchQuerySchema>;
