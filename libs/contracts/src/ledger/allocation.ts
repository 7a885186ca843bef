import { z } from 'zod';

/**
 * The cross-channel allocation contract between the `dao` chaincode and the ledger bridge. Field
 * names live here and nowhere else, so aligning them with the chaincode is a one-file change.
 */
export const REVENUE_ALLOCATED = 'RevenueAllocated';
export const ALLOCATION_RECEIVED = 'AllocationReceived';
export const DAO_CHAINCODE = 'dao';

const amount = z
  .union([z.number().int().nonnegative().refine(Number.isSafeInteger, 'must be a safe integer'), z.string().regex(/^\d+$/)])
  .transform((v) => String(v));

/** `RevenueAllocated` payload: what CH_i allocated to DAO^(i−1), in minor units. */
export const revenueAllocatedSchema = z.object({
  daoId: z.string().min(1),
  level: z.number().int().positive(),
  /** L_{i−1}: the rest after J_i's share, going down to CH_{i−1}. */
  innerAmount: amount,
});
export type RevenueAllocated = z.output<typeof revenueAllocatedSchema>;

/** Command id of the relay of one source event: the same event always yields the same command. */
export function allocationCommandId(sourceEventId: string): string {
  return `allocation:${sourceEventId}`;
}
