import { z } from 'zod';
import { buildCloudEvent, type CloudEvent } from '../cloudevent';

export const LEDGER_COMMAND_TYPE = 'datawell.ledger.command.v1';

/**
 * A transaction to submit on `channel` as an identity of `actingMspId` from the bridge's wallet.
 * `commandId` is the idempotency key: a command id is submitted at most once, whatever the redelivery.
 */
export const ledgerCommandSchema = z.object({
  commandId: z.string().min(1).max(200),
  channel: z.string().regex(/^[a-z][a-z0-9.-]*$/, 'must be a Fabric channel name'),
  chaincode: z.string().min(1),
  transaction: z.string().min(1),
  arguments: z.array(z.string()),
  actingMspId: z.string().min(1),
  /** Private inputs by name, base64; sent as transient data, never written to the ledger or logs. */
  transient: z.record(z.string(), z.base64()).optional(),
});
export type LedgerCommand = z.output<typeof ledgerCommandSchema>;

export function ledgerCommandCloudEvent(command: LedgerCommand, source: string): CloudEvent<LedgerCommand> {
  return buildCloudEvent({
    id: command.commandId,
    source,
    type: LEDGER_COMMAND_TYPE,
    subject: `${command.channel}/${command.chaincode}/${command.transaction}`,
    data: ledgerCommandSchema.parse(command),
  });
}
