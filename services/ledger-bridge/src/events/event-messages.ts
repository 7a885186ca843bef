import {
  ledgerCommandCloudEvent,
  ledgerEventCloudEvent,
  ledgerEventKey,
  toLedgerEvent,
  type LedgerCommand,
  type RawChaincodeEvent,
} from '@datawell/contracts';
import type { OutboxMessage } from '@datawell/messaging';
import { allocationCommandFor, AllocationRelayError } from '../allocations/allocation-relay';
import type { KnownChannel } from '../channels/channels.repository';

export interface RelayTopics {
  readonly events: string;
  readonly commands: string;
  readonly receipts: string;
}

export const BRIDGE_SOURCE = 'urn:datawell:ledger-bridge';

/**
 * The outbox messages one chaincode event becomes: the event itself on the events topic and, for an
 * allocating event on CH_i (i > 1), the `AllocationReceived` command for CH_(i−1). Both ids derive
 * from the event's position, so relaying the same event again writes nothing new. An allocation that
 * cannot be relayed (malformed, or no DSP known for the channel) does not hold up the channel's
 * other events: the event is still relayed and the problem returned for the caller to report.
 */
export function messagesForEvent(
  raw: RawChaincodeEvent,
  channel: KnownChannel,
  topics: RelayTopics,
  now = new Date(),
  relayAllocations = true,
): { messages: OutboxMessage[]; problem?: AllocationRelayError } {
  const event = toLedgerEvent(raw);
  const envelope = ledgerEventCloudEvent(event, now);
  const messages: OutboxMessage[] = [
    { id: envelope.id, topic: topics.events, key: ledgerEventKey(event), payload: envelope, headers: { ce_type: envelope.type } },
  ];
  if (!relayAllocations) return { messages };
  try {
    const command = allocationCommandFor(event, channel.actingMspId ?? '');
    if (command) {
      if (!channel.actingMspId) throw new AllocationRelayError(envelope.id, `no DSP registered for ${channel.name}`);
      messages.push(commandMessage(command, topics.commands));
    }
  } catch (error) {
    if (error instanceof AllocationRelayError) return { messages, problem: error };
    throw error;
  }
  return { messages };
}

export function commandMessage(command: LedgerCommand, topic: string): OutboxMessage {
  const envelope = ledgerCommandCloudEvent(command, BRIDGE_SOURCE);
  return { id: envelope.id, topic, key: command.channel, payload: envelope, headers: { ce_type: envelope.type } };
}
