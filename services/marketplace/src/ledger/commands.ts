import { randomUUID } from 'node:crypto';
import {
  ledgerCommandCloudEvent,
  ledgerCommandId,
  MARKETPLACE_CHANNEL,
  networkCommandCloudEvent,
  type CommandTarget,
  type DaoTransactionName,
  type LedgerCommand,
  type MarketplaceTransactionName,
  type NetworkCommand,
} from '@datawell/contracts';
import type { OutboxMessage } from '@datawell/messaging';

export const MARKETPLACE_SOURCE = 'urn:datawell:marketplace';

/** A fresh command id; the prefix says which marketplace action sent it (receipts are matched by it). */
export const newCommandId = (action: MarketplaceTransactionName | DaoTransactionName) => ledgerCommandId('marketplace', action, randomUUID());

export function ledgerCommandMessage(topic: string, command: LedgerCommand): OutboxMessage {
  const event = ledgerCommandCloudEvent(command, MARKETPLACE_SOURCE);
  return { id: event.id, topic, key: command.channel, payload: event };
}

/** Where a `marketplace` chaincode command runs: on the marketplace channel, acting as `actingMspId`. */
export function onMarketplace(commandId: string, actingMspId: string): CommandTarget {
  return { commandId, channel: MARKETPLACE_CHANNEL, actingMspId };
}

export function networkCommandMessage(topic: string, command: NetworkCommand): OutboxMessage {
  const event = networkCommandCloudEvent(command, MARKETPLACE_SOURCE);
  return { id: event.id, topic, key: command.mspId, payload: event };
}
