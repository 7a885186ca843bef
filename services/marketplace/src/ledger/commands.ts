import { randomUUID } from 'node:crypto';
import { ledgerCommandCloudEvent, MARKETPLACE_CHANNEL, networkCommandCloudEvent, type LedgerCommand, type NetworkCommand } from '@datawell/contracts';
import type { OutboxMessage } from '@datawell/messaging';

export const MARKETPLACE_SOURCE = 'urn:datawell:marketplace';

/** A fresh command id; the prefix says which marketplace action sent it (receipts are matched by it). */
export const newCommandId = (action: string) => `marketplace:${action}:${randomUUID()}`;

export function ledgerCommandMessage(topic: string, command: LedgerCommand): OutboxMessage {
  const event = ledgerCommandCloudEvent(command, MARKETPLACE_SOURCE);
  return { id: event.id, topic, key: command.channel, payload: event };
}

/** A `marketplace` chaincode transaction with one JSON (or plain) argument, acting as `actingMspId`. */
export function marketplaceCommand(commandId: string, transaction: string, argument: unknown, actingMspId: string): LedgerCommand {
  return {
    commandId,
    channel: MARKETPLACE_CHANNEL,
    chaincode: 'marketplace',
    transaction,
    arguments: [typeof argument === 'string' ? argument : JSON.stringify(argument)],
    actingMspId,
  };
}

export function networkCommandMessage(topic: string, command: NetworkCommand): OutboxMessage {
  const event = networkCommandCloudEvent(command, MARKETPLACE_SOURCE);
  return { id: event.id, topic, key: command.mspId, payload: event };
}
