import { z } from 'zod';
import { buildCloudEvent, type CloudEvent } from '../cloudevent';

export const LEDGER_RECEIPT_TYPE = 'datawell.ledger.receipt.v1';

/** The outcome of a ledger command; exactly one per command id. */
export const ledgerReceiptSchema = z.discriminatedUnion('status', [
  z.object({
    commandId: z.string().min(1),
    status: z.literal('committed'),
    transactionId: z.string().min(1),
    blockNumber: z.string().regex(/^\d+$/),
    /** The transaction function's return value, UTF-8. */
    result: z.string(),
  }),
  z.object({
    commandId: z.string().min(1),
    status: z.literal('failed'),
    transactionId: z.string().min(1).nullable(),
    blockNumber: z.string().regex(/^\d+$/).nullable(),
    errorCode: z.string().min(1),
    errorMessage: z.string(),
    /**
     * The chaincode's own refusal, when the chaincode refused the transaction: its stable code (the
     * `CODE: ` prefix of its message, e.g. NOT_FOUND) and the message after it. Absent for failures
     * of the network or the ledger (errorCode then says which: ENDORSE_UNAVAILABLE, MVCC_READ_CONFLICT…).
     */
    chaincode: z.object({ code: z.string().min(1), message: z.string() }).optional(),
  }),
]);
export type LedgerReceipt = z.output<typeof ledgerReceiptSchema>;

/** The receipt's id is derived from the command id, so a receipt is published at most once. */
export function ledgerReceiptId(commandId: string): string {
  return `receipt:${commandId}`;
}

export function ledgerReceiptCloudEvent(receipt: LedgerReceipt, source: string): CloudEvent<LedgerReceipt> {
  return buildCloudEvent({
    id: ledgerReceiptId(receipt.commandId),
    source,
    type: LEDGER_RECEIPT_TYPE,
    subject: receipt.status,
    data: ledgerReceiptSchema.parse(receipt),
  });
}
