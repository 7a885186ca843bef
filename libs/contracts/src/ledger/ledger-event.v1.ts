import { z } from 'zod';
import { buildCloudEvent, decodeCloudEvent, type CloudEvent } from '../cloudevent';
import { parseDaoChannel } from './channels';
import { ledgerEventId } from './event-id';

export const LEDGER_EVENT_TYPE = 'datawell.ledger.event.v1';

const decimal = z.string().regex(/^\d+$/, 'must be a non-negative decimal integer string');

/**
 * A chaincode event as relayed to `datawell.ledger.events.v1`. The block number is a decimal string
 * (a uint64 does not fit a JSON number). `payload` is the chaincode's JSON when it is JSON, else
 * the raw bytes in base64 (`payloadEncoding` says which).
 */
export const ledgerEventSchema = z.object({
  channel: z.string().min(1),
  blockNumber: decimal,
  transactionId: z.string().min(1),
  eventIndex: z.number().int().nonnegative(),
  chaincodeId: z.string().min(1),
  eventName: z.string().min(1),
  payloadEncoding: z.enum(['json', 'base64']),
  payload: z.json(),
  /** The DAO the event belongs to: from a DAO channel's name, else the payload's `daoId`, else null. */
  daoId: z.string().min(1).nullable(),
});
export type LedgerEvent = z.output<typeof ledgerEventSchema>;

export interface RawChaincodeEvent {
  readonly channel: string;
  readonly blockNumber: bigint;
  readonly transactionId: string;
  readonly eventIndex?: number;
  readonly chaincodeName: string;
  readonly eventName: string;
  readonly payload: Uint8Array;
}

/** The relayed form of a chaincode event as Fabric delivers it. */
export function toLedgerEvent(raw: RawChaincodeEvent): LedgerEvent {
  const text = Buffer.from(raw.payload).toString('utf8');
  let payload: z.core.util.JSONType;
  let payloadEncoding: 'json' | 'base64';
  try {
    payload = JSON.parse(text) as z.core.util.JSONType;
    payloadEncoding = 'json';
  } catch {
    payload = Buffer.from(raw.payload).toString('base64');
    payloadEncoding = 'base64';
  }
  return {
    channel: raw.channel,
    blockNumber: raw.blockNumber.toString(),
    transactionId: raw.transactionId,
    eventIndex: raw.eventIndex ?? 0,
    chaincodeId: raw.chaincodeName,
    eventName: raw.eventName,
    payloadEncoding,
    payload,
    daoId: daoIdOf(raw.channel, payloadEncoding === 'json' ? payload : undefined),
  };
}

function daoIdOf(channel: string, payload: unknown): string | null {
  const dao = parseDaoChannel(channel);
  if (dao) return dao.daoId;
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const id = (payload as Record<string, unknown>)['daoId'];
    if (typeof id === 'string' && id !== '') return id;
  }
  return null;
}

export function ledgerEventIdOf(event: LedgerEvent): string {
  return ledgerEventId({
    channel: event.channel,
    blockNumber: BigInt(event.blockNumber),
    transactionId: event.transactionId,
    eventIndex: event.eventIndex,
  });
}

/** The Kafka key of a ledger event: its DAO, so one DAO's events stay in order on one partition. */
export function ledgerEventKey(event: LedgerEvent): string {
  return event.daoId ?? event.channel;
}

export function ledgerEventCloudEvent(event: LedgerEvent, time?: Date): CloudEvent<LedgerEvent> {
  return buildCloudEvent({
    id: ledgerEventIdOf(event),
    source: `urn:datawell:fabric:${event.channel}:${event.chaincodeId}`,
    type: LEDGER_EVENT_TYPE,
    subject: event.eventName,
    data: ledgerEventSchema.parse(event),
    ...(time ? { time } : {}),
  });
}

/** Parses a message value of the ledger events topic; a malformed one is a ContractValidationError. */
export function decodeLedgerEvent(bytes: Buffer | string | null): CloudEvent<LedgerEvent> {
  return decodeCloudEvent(bytes, LEDGER_EVENT_TYPE, ledgerEventSchema);
}
