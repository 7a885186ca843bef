import { ALLOCATING_EVENTS, allocationCommandId, DAO, daoChannelName, ledgerEventIdOf, parseDaoChannel, type LedgerCommand, type LedgerEvent } from '@datawell/contracts';

export class AllocationRelayError extends Error {
  override readonly name = 'AllocationRelayError';
  readonly code = 'ALLOCATION_EVENT_INVALID' as const;
  constructor(
    readonly sourceEventId: string,
    message: string,
  ) {
    super(`${sourceEventId}: ${message}`);
  }
}

/**
 * An allocating event on CH_i (`RevenueRecorded` or `AllocationReceived`, i > 1) whose allocation
 * passes a rest to `dao-<d>-v<i−1>` becomes `AllocationReceived({sourceChannel, sourceTxId, amount,
 * sourceChaincode})` there, submitted as the DAO's DSP. On CH_1 the rest is the DSP group's and is
 * paid in place, so nothing is relayed. An allocation that contradicts its channel is an error:
 * relaying it would move money to the wrong place.
 */
export function allocationCommandFor(event: LedgerEvent, dspMspId: string): LedgerCommand | undefined {
  if (!ALLOCATING_EVENTS.some((name) => name === event.eventName) || event.chaincodeId !== DAO.chaincode) return undefined;
  const sourceId = ledgerEventIdOf(event);
  const channel = parseDaoChannel(event.channel);
  if (!channel) throw new AllocationRelayError(sourceId, `${event.eventName} on a channel that is not a DAO's`);
  if (event.payloadEncoding !== 'json') throw new AllocationRelayError(sourceId, 'payload is not JSON');
  // Both allocating events carry the level's allocation under the same schema.
  const parsed = DAO.events.RevenueRecorded.pick({ allocation: true }).safeParse(event.payload);
  if (!parsed.success) {
    throw new AllocationRelayError(sourceId, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const { allocation } = parsed.data;
  if (allocation.level !== channel.level) {
    throw new AllocationRelayError(sourceId, `allocation names level ${allocation.level}, channel is level ${channel.level} of DAO ${channel.daoId}`);
  }
  if (!('channel' in allocation.restTo)) {
    if (channel.level !== 1) throw new AllocationRelayError(sourceId, `level ${channel.level} pays its rest to group D; only CH_1 does`);
    return undefined;
  }
  if (channel.level === 1) throw new AllocationRelayError(sourceId, `allocation sends its rest to ${allocation.restTo.channel}, expected group D on CH_1`);
  const inner = daoChannelName(channel.daoId, channel.level - 1);
  if (allocation.restTo.channel !== inner) {
    throw new AllocationRelayError(sourceId, `allocation sends its rest to ${allocation.restTo.channel}, expected ${inner}`);
  }
  return DAO.command(
    DAO.tx.AllocationReceived,
    { commandId: allocationCommandId(sourceId), channel: inner, actingMspId: dspMspId },
    { sourceChannel: event.channel, sourceTxId: event.transactionId, amount: allocation.rest, sourceChaincode: DAO.chaincode },
  );
}
