import { createRequire } from 'node:module';
import type { Context } from 'fabric-contract-api';

/*
 * Several reads, or several writes, in one message to the peer. Fabric 3.1 peers handle
 * GET_STATE_MULTIPLE and WRITE_BATCH_STATE (core/chaincode/handler.go: HandleGetStateMultipleKeys,
 * HandleWriteBatch); reads are recorded in the read set and writes in the write set exactly as by
 * GetState and PutState, so MVCC validation is unchanged. The Go shim (fabric-chaincode-go v2.1)
 * exposes them as GetMultipleStates and StartWriteBatch/FinishWriteBatch; the Node shim 2.5.8 does
 * not yet, so this module sends the two messages through the shim's own request queue. Each saves
 * a round trip between the peer and this chaincode server per extra key, which is what dominates
 * endorsement time on a busy machine (docs/benchmarks.md).
 *
 * A peer older than 3.1 does not know these messages (it ends the chaincode's stream), so the
 * chaincode needs a Fabric ≥ 3.1 peer — the version this project runs. Without the shim's handler
 * (the in-memory ledger of the unit tests) the calls fall back to one GetState / PutState per key.
 */

/** ChaincodeMessage.Type of the two messages (fabric-protos peer/chaincode_shim.proto). */
const WRITE_BATCH_STATE = 24;
const GET_STATE_MULTIPLE = 25;
/** WriteRecord.Type.PUT_STATE. */
const WRITE_RECORD_PUT_STATE = 9;

interface ShimMessage {
  setType(type: number): void;
  setPayload(payload: Uint8Array): void;
  setTxid(txId: string): void;
  setChannelId(channel: string): void;
}

interface ShimHandler {
  _askPeerAndListen(message: ShimMessage, method: string): Promise<Buffer>;
}

interface ShimStub {
  readonly handler?: Partial<ShimHandler>;
  readonly channel_id?: string;
  readonly txId?: string;
}

type MessageClass = new () => ShimMessage;
let chaincodeMessage: MessageClass | undefined;

/** The ChaincodeMessage class of the protobuf package the shim itself uses. */
function messageClass(): MessageClass {
  if (!chaincodeMessage) {
    const fromShim = createRequire(require.resolve('fabric-shim'));
    chaincodeMessage = (fromShim('@hyperledger/fabric-protos') as { peer: { ChaincodeMessage: MessageClass } }).peer.ChaincodeMessage;
  }
  return chaincodeMessage;
}

function shimOf(ctx: Context): { handler: ShimHandler; channel: string; txId: string } | undefined {
  const stub = ctx.stub as unknown as ShimStub;
  if (typeof stub.handler?._askPeerAndListen !== 'function' || typeof stub.channel_id !== 'string' || typeof stub.txId !== 'string') return undefined;
  return { handler: stub.handler as ShimHandler, channel: stub.channel_id, txId: stub.txId };
}

async function ask(shim: NonNullable<ReturnType<typeof shimOf>>, type: number, payload: Uint8Array, method: string): Promise<Buffer> {
  const message = new (messageClass())();
  message.setType(type);
  message.setPayload(payload);
  message.setTxid(shim.txId);
  message.setChannelId(shim.channel);
  return shim.handler._askPeerAndListen(message, method);
}

/** The values of `keys` in `collection` (empty for an absent key), read in one round trip. */
export async function getStates(ctx: Context, collection: string, keys: readonly string[]): Promise<Uint8Array[]> {
  const shim = keys.length > 1 ? shimOf(ctx) : undefined;
  if (!shim) return Promise.all(keys.map((k) => ctx.stub.getPrivateData(collection, k)));
  const values = decodeRepeatedBytes(await ask(shim, GET_STATE_MULTIPLE, encodeGetStateMultiple(keys, collection), 'GetStateMultiple'));
  if (values.length !== keys.length) throw new Error(`the peer answered ${values.length} values for ${keys.length} keys`);
  return values;
}

/** Writes every entry into `collection` in one round trip, in order. */
export async function putStates(ctx: Context, collection: string, entries: readonly (readonly [string, Uint8Array])[]): Promise<void> {
  const shim = entries.length > 1 ? shimOf(ctx) : undefined;
  if (!shim) {
    for (const [key, value] of entries) await ctx.stub.putPrivateData(collection, key, value);
    return;
  }
  for (const [key] of entries) if (key.length === 0) throw new Error('key must not be empty');
  await ask(shim, WRITE_BATCH_STATE, encodeWriteBatch(entries, collection), 'WriteBatchState');
}

// ---------------------------------------------------------------- protobuf wire format (proto3)

/** GetStateMultiple { repeated string keys = 1; string collection = 2; } (an empty collection: public state). */
export function encodeGetStateMultiple(keys: readonly string[], collection = ''): Uint8Array {
  return concat([...keys.map((k) => field(1, Buffer.from(k, 'utf8'))), ...(collection ? [field(2, Buffer.from(collection, 'utf8'))] : [])]);
}

/**
 * WriteBatchState { repeated WriteRecord rec = 1; }, WriteRecord { string key = 1; bytes value = 2;
 * string collection = 3; …; Type type = 5; } (an empty collection: public state; the peer writes a
 * PUT_STATE with a collection as private data, core/chaincode/handler.go HandleWriteBatch).
 */
export function encodeWriteBatch(entries: readonly (readonly [string, Uint8Array])[], collection = ''): Uint8Array {
  const inCollection = collection ? field(3, Buffer.from(collection, 'utf8')) : new Uint8Array(0);
  return concat(entries.map(([key, value]) => field(1, concat([field(1, Buffer.from(key, 'utf8')), field(2, value), inCollection, varint((5 << 3) | 0), varint(WRITE_RECORD_PUT_STATE)]))));
}

/** GetStateMultipleResult { repeated bytes values = 1; }. */
export function decodeRepeatedBytes(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  const read = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[i++];
      if (b === undefined || shift > 28) throw new Error('malformed GetStateMultipleResult');
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (i < bytes.length) {
    const tag = read();
    if (tag !== ((1 << 3) | 2)) throw new Error(`unexpected field tag ${tag} in GetStateMultipleResult`);
    const length = read();
    if (i + length > bytes.length) throw new Error('malformed GetStateMultipleResult');
    out.push(bytes.subarray(i, i + length));
    i += length;
  }
  return out;
}

function field(number: number, bytes: Uint8Array): Uint8Array {
  return concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}
