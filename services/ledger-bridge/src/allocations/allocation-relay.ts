import {
  ALLOCATION_RECEIVED,
  allocationCommandId,
  DAO_CHAINCODE,
  daoChannelName,
  ledgerEventIdOf,
  parseDaoChannel,
  REVENUE_ALLOCATED,
  revenueAllocatedSchema,
  type LedgerCommand,
  type LedgerEvent,
} from '@datawell/contracts';

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
 * `RevenueAllocated` on CH_i (i > 1) becomes `AllocationReceived(sourceChannel, sourceTxId, amount)`
 * on CH_{i−1}, submitted as the DAO's DSP. Any other event, or an allocation on CH_1 (whose rest goes
 * to the DSP group inside CH_1), yields nothing. An allocation event that contradicts its channel is
 * an error: relaying it would move money to the wrong place.
 */
export function allocationCommandFor(event: LedgerEvent, dspMspId: string): LedgerCommand | undefined {
  if (event.eventName !== REVENUE_ALLOCATED || event.chaincodeId !== DAO_CHAINCODE) return undefined;
  const sourceId = ledgerEventIdOf(event);
  const channel = parseDaoChannel(event.channel);
  if (!channel) throw new AllocationRelayError(sourceId, `${REVENUE_ALLOCATED} on a channel that is not a DAO's`);
  if (event.payloadEncoding !== 'json') throw new AllocationRelayError(sourceId, 'payload is not JSON');
  const parsed = revenueAllocatedSchema.safeParse(event.payload);
  if (!parsed.success) {
    throw new AllocationRelayError(sourceId, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const payload = parsed.data;
  if (payload.daoId !== channel.daoId || payload.level !== channel.level) {
    throw new AllocationRelayError(
      sourceId,
      `payload names DAO ${payload.daoId} level ${payload.level}, channel is DAO ${channel.daoId} level ${channel.level}`,
    );
  }
  if (channel.level === 1) return undefined;
  return {
    commandId: allocationCommandId(sourceId),
    channel: daoChannelName(channel.daoId, channel.level - 1),
    chaincode: DAO_CHAINCODE,
    transaction: ALLOCATION_RECEIVED,
    arguments: [event.channel, event.transactionId, payload.innerAmount],
    actingMspId: dspMspId,
  };
}
