import { z } from 'zod';
import { txIdSchema } from './values';

/*
 * How a DAO's private values stay out of what the operator's orderers see (DESIGN.md, "The operator's
 * orderers receive every transaction they order"). The dao chaincode keeps its state in a private
 * data collection of the channel's members, so blocks carry only hashes of it; a transaction's
 * arguments travel in the proposal's transient data (which never reaches a block); its response
 * and its event are kept in the collection too, under the transaction id, and the block carries
 * only a marker naming the transaction. A member's bridge reads the whole from its own peer
 * (`GetTransaction`). docs/ledger.md, "Private data".
 */

/** The collection on every DAO channel: its members are exactly the channel's organisations. */
export const DAO_PRIVATE_COLLECTION = 'dao-members';

/** Transient data keys of a dao transaction: its arguments (a JSON array of strings) and the salt of its writes. */
export const TRANSIENT_ARGS = 'args';
export const TRANSIENT_SALT = 'salt';
/** The salt's length in bytes: private values hashed into blocks cannot be guessed from their hashes. */
export const SALT_BYTES = 32;

/** What a private transaction returns and emits in the clear: the transaction's id, and the event's name (Fabric's own). */
export const sealedMarkerSchema = z.strictObject({ sealed: txIdSchema });
export type SealedMarker = z.output<typeof sealedMarkerSchema>;

/** The event a private transaction emits in the clear: its name is the event's, its payload this. */
export const sealedEventSchema = z.strictObject({ type: z.string().min(1), txId: txIdSchema, channel: z.string().min(1), sealed: z.literal(true) });

/** What the collection keeps of a transaction: its response and its event, as the chaincode made them. */
export const sealedRecordSchema = z.strictObject({
  txId: txIdSchema,
  response: z.string(),
  event: z.strictObject({ name: z.string().min(1), payload: z.record(z.string(), z.unknown()) }).optional(),
});
export type SealedRecord = z.output<typeof sealedRecordSchema>;

/** The transaction id a response or an event payload names when it is a sealed marker, else undefined. */
export function sealedTxId(text: string): string | undefined {
  if (!text.startsWith('{"sealed":')) return undefined;
  try {
    const parsed = sealedMarkerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.sealed : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an event payload (its text) is the clear marker of a private transaction's event. */
export function isSealedEventPayload(text: string): boolean {
  try {
    return sealedEventSchema.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}
