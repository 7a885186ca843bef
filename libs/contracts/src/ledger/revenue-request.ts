import { z } from 'zod';
import { idSchema } from './catalogue/values';

/**
 * Revenue a member records for its DAO, as the APIs take it (the marketplace's and a member
 * bridge's): an amount in minor units as a decimal string, what was sold, an optional idempotency
 * key. `revenueArgument` makes RecordRevenue's argument of it.
 */
export const revenueRequestSchema = z.strictObject({
  amount: z
    .string('must be a decimal string')
    .regex(/^[1-9]\d{0,29}$/, 'must be a positive whole number of minor units as a decimal string')
    .describe('minor units, decimal string'),
  /** Per use (pay-per-use DAOs) or per subscription period (subscription DAOs). */
  kind: z.enum(['use', 'subscription']),
  revenueId: idSchema.optional().describe('idempotency key; generated when absent'),
  reference: z.string().trim().min(1).max(256).optional(),
});
export type RevenueRequest = z.output<typeof revenueRequestSchema>;

/** RecordRevenue's argument for a request, under the revenue id the caller gave or the one made for it. */
export function revenueArgument(input: RevenueRequest, revenueId: string): { revenueId: string; amount: string; kind: 'use' | 'subscription-period'; reference?: string } {
  return { revenueId, amount: input.amount, kind: input.kind === 'use' ? 'use' : 'subscription-period', ...(input.reference ? { reference: input.reference } : {}) };
}
