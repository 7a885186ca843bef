import { z } from 'zod';

/**
 * The cross-channel allocation contract between the `dao` chaincode and the ledger bridge. Field
 * names live here and nowhere else (see docs/ledger.md, "Allocation").
 *
 * The chaincode emits one event per transaction: `RevenueRecorded` (revenue on the top channel) and
 * `AllocationReceived` (a relayed lump) both carry the level's `allocation`, whose `restTo` names
 * the inner channel CH_{i−1} that the rest goes to — or `{group: "D"}` on CH_1, where it is paid.
 */
export const REVENUE_RECORDED = 'RevenueRecorded';
export const ALLOCATION_RECEIVED = 'AllocationReceived';
/** Events whose allocation may pass a rest inward. */
export const ALLOCATING_EVENTS: readonly string[] = [REVENUE_RECORDED, ALLOCATION_RECEIVED];
export const DAO_CHAINCODE = 'dao';

const amount = z
  .union([z.number().int().nonnegative().refine(Number.isSafeInteger, 'must be a safe integer'), z.string().regex(/^\d+$/, 'must be a whole number')])
  .transform((v) => String(v));

/** The `allocation` inside an allocating event's payload: what CH_i passed to DAO^(i−1). */
export const levelAllocationSchema = z.looseObject({
  level: z.number().int().positive(),
  /** L_{i−1}: the rest after J_i's share, in minor units. */
  rest: amount,
  restTo: z.union([z.strictObject({ channel: z.string().min(1) }), z.strictObject({ group: z.literal('D') })]),
});

export const allocatingEventSchema = z.looseObject({ allocation: levelAllocationSchema });
export type LevelAllocation = z.output<typeof levelAllocationSchema>;

/** The argument of `AllocationReceived` on CH_{i−1}. */
export interface AllocationRelay {
  readonly sourceChannel: string;
  readonly sourceTxId: string;
  readonly amount: string;
  readonly sourceChaincode: string;
}

/** Command id of the relay of one source event: the same event always yields the same command. */
export function allocationCommandId(sourceEventId: string): string {
  return `allocation:${sourceEventId}`;
}
