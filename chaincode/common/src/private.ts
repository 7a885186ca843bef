import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { SALT_BYTES, TRANSIENT_SALT, type SealedRecord } from '@datawell/contracts';
import { canonicalBytes, canonicalJson } from '@datawell/domain';
import { invalidArgument } from './errors';

/*
 * State kept in a private data collection (docs/ledger.md, "Private data"): the peers of the
 * collection's members store the values; a block carries only the SHA-256 of each key and value.
 * A value alone could be guessed from its hash (a β in ppm has 10^6 candidates), so every value is
 * stored with a salt only the transaction's members know: SHA-256 of the transaction's random salt
 * (transient data, the same for every endorser, never in a block) and the key. Values are stored
 * as canonical JSON `{"s": <salt hex>, "v": <value>}`; readers take `v`.
 *
 * A transaction's response and its event would otherwise reach the block in the clear (Fabric puts
 * both in the endorsed transaction), so a private transaction keeps them in the collection under
 * its id and returns and emits only a marker naming it (`sealTransaction`, `emitPrivate`).
 */

const salts = new WeakMap<Context, Buffer>();

/** The transaction's salt: 32 random bytes its client put in the transient data (required to write). */
function salt(ctx: Context): Buffer {
  const known = salts.get(ctx);
  if (known) return known;
  const given = ctx.stub.getTransient().get(TRANSIENT_SALT);
  if (!given || given.length !== SALT_BYTES) {
    throw invalidArgument(`transient ${TRANSIENT_SALT}: a transaction that writes private data needs ${SALT_BYTES} random bytes of salt in its transient data`);
  }
  const bytes = Buffer.from(given);
  salts.set(ctx, bytes);
  return bytes;
}

/** The bytes a collection keeps for `value` under `key` in this transaction. */
export function sealValue(ctx: Context, key: string, value: unknown): Uint8Array {
  const s = createHash('sha256').update(salt(ctx)).update(key, 'utf8').digest('hex');
  return canonicalBytes({ s, v: value });
}

/** The value of stored bytes (undefined when the key is absent). */
export function openValue<T>(bytes: Uint8Array | undefined): T | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  const stored = JSON.parse(Buffer.from(bytes).toString('utf8')) as { s?: unknown; v?: T };
  if (typeof stored !== 'object' || stored === null || typeof stored.s !== 'string' || !('v' in stored)) throw new Error('a private value is not in its salted form {s, v}');
  return stored.v;
}

/** Typed JSON reads and writes in one collection. */
export class PrivateState {
  constructor(
    private readonly ctx: Context,
    readonly collection: string,
  ) {}

  async read<T>(key: string): Promise<T | undefined> {
    return openValue<T>(await this.ctx.stub.getPrivateData(this.collection, key));
  }

  async write(key: string, value: unknown): Promise<void> {
    await this.ctx.stub.putPrivateData(this.collection, key, sealValue(this.ctx, key, value));
  }

  /**
   * Every value under a composite-key prefix, in key order. Read with the async iteration protocol,
   * which closes the query: the shim's private range query resolves to `{iterator}`, not to the
   * iterator itself as the public one does (fabric-shim 2.5 stub.js convertToAsyncIterator).
   */
  async list<T>(type: string, attributes: readonly string[] = []): Promise<T[]> {
    const out: T[] = [];
    for await (const kv of this.ctx.stub.getPrivateDataByPartialCompositeKey(this.collection, type, [...attributes])) out.push(openValue<T>(kv.value) as T);
    return out;
  }
}

const pendingEvents = new WeakMap<Context, { name: string; payload: Record<string, unknown> }>();

/**
 * Emits a private transaction's event: in the clear only `{type, txId, channel, sealed: true}`
 * under the event's name; the payload is kept for `sealTransaction` to store.
 */
export function emitPrivate(ctx: Context, event: { readonly name: string; readonly payload: object }): void {
  const txId = ctx.stub.getTxID();
  const channel = ctx.stub.getChannelID();
  pendingEvents.set(ctx, { name: event.name, payload: { ...(event.payload as Record<string, unknown>), type: event.name, txId, channel } });
  ctx.stub.setEvent(event.name, canonicalBytes({ type: event.name, txId, channel, sealed: true }));
}

/** Whether this transaction emitted a private event that was not sealed (a contract method that forgot `sealTransaction`). */
export function hasUnsealedEvent(ctx: Context): boolean {
  return pendingEvents.has(ctx);
}

const recordKey = (ctx: Context, txId: string) => ctx.stub.createCompositeKey('tx', [txId]);

/**
 * Keeps the transaction's response and event in the collection under its id and returns the
 * marker the block carries instead of the response: `{"sealed": <txId>}`.
 */
export async function sealTransaction(ctx: Context, collection: string, response: string): Promise<string> {
  const txId = ctx.stub.getTxID();
  const event = pendingEvents.get(ctx);
  pendingEvents.delete(ctx);
  const record: SealedRecord = { txId, response, ...(event ? { event } : {}) };
  await new PrivateState(ctx, collection).write(recordKey(ctx, txId), record);
  return canonicalJson({ sealed: txId });
}

/** A sealed transaction's record, as its members read it; undefined when this peer has none. */
export function readSealed(ctx: Context, collection: string, txId: string): Promise<SealedRecord | undefined> {
  return new PrivateState(ctx, collection).read<SealedRecord>(recordKey(ctx, txId));
}
