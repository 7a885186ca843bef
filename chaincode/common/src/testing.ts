import { randomBytes } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { SALT_BYTES, TRANSIENT_SALT, sealedTxId, type SealedRecord } from '@datawell/contracts';
import { canonicalBytes, canonicalJson } from '@datawell/domain';
import { openValue } from './private';

/** A chaincode event as a test sees it. */
export interface RecordedEvent {
  readonly txId: string;
  readonly name: string;
  readonly payload: Record<string, unknown>;
}

interface KV {
  namespace: string;
  key: string;
  value: Uint8Array;
}

const SEP = '\u0000';
/** Private data of collection c under key k is kept as `PRIVATE c PRIVATE k`: outside every public key range. */
const PRIVATE = '\u0001';
const privateKey = (collection: string, key: string) => `${PRIVATE}${collection}${PRIVATE}${key}`;

export interface MemoryLedgerOptions {
  /**
   * The collection a private chaincode seals its transactions in: `submit` and `events` then show
   * each sealed transaction's response and event as the channel's members read them
   * (`GetTransaction`), and `rawResults`/`rawEvents` what the block carries.
   */
  readonly sealedCollection?: string;
}

/**
 * An in-memory ledger for unit tests, with Fabric's transaction semantics: reads see the committed
 * state only (not the transaction's own writes), writes are applied when the function returns and
 * discarded when it throws, and only a transaction's last event survives.
 */
export class MemoryLedger {
  readonly state = new Map<string, Uint8Array>();
  /** Chaincodes on other channels this one may query, by `<channel>/<name>`. */
  readonly #linked = new Map<string, (mspId: string, args: string[]) => Promise<string>>();
  readonly events: RecordedEvent[] = [];
  /** What the blocks carry of each transaction's event and response (markers, for a private chaincode). */
  readonly rawEvents: RecordedEvent[] = [];
  readonly rawResults: unknown[] = [];
  /** Transaction time of the next transaction, in ms since the epoch. */
  timeMs = Date.UTC(2026, 0, 1);
  #counter = 0;

  constructor(
    readonly channel: string,
    readonly options: MemoryLedgerOptions = {},
  ) {}

  /**
   * Runs `fn` as a submitted transaction of `mspId` and commits its writes and event. The transient
   * data holds a fresh salt (as a client's for a private write) and `options.transient`.
   */
  async submit<T>(mspId: string, fn: (ctx: Context) => Promise<T>, options: { txId?: string; transient?: Record<string, Uint8Array> } = {}): Promise<T> {
    const tx = this.#tx(mspId, options.txId, { [TRANSIENT_SALT]: randomBytes(SALT_BYTES), ...options.transient });
    const result = await fn(tx.ctx);
    this.#commit(tx.writes);
    return this.#committed(tx, result);
  }

  #commit(writes: ReadonlyMap<string, Uint8Array | undefined>): void {
    for (const [key, value] of writes) {
      if (value === undefined) this.state.delete(key);
      else this.state.set(key, value);
    }
  }

  /** Records a committed transaction's event and result, unsealed as its members read them when the chaincode is private. */
  #committed<T>(tx: { event?: RecordedEvent }, result: T): T {
    this.rawResults.push(result);
    if (tx.event) this.rawEvents.push(tx.event);
    const sealed = this.options.sealedCollection && typeof result === 'string' ? sealedTxId(result) : undefined;
    if (!sealed) {
      if (tx.event) this.events.push(tx.event);
      return result;
    }
    const record = this.readSealed(sealed);
    if (!record) throw new Error(`transaction ${sealed} returned a sealed marker but left no record in ${this.options.sealedCollection}`);
    if (record.event) this.events.push({ txId: record.txId, name: record.event.name, payload: record.event.payload });
    return record.response as T;
  }

  /** A committed private value (without its salt), as a test reads it. */
  readPrivate<T>(collection: string, key: string): T | undefined {
    return openValue<T>(this.state.get(privateKey(collection, key)));
  }

  /** Sets a committed private value (salted as a chaincode would store it), as a test arranges a ledger. */
  writePrivate(collection: string, key: string, value: unknown): void {
    this.state.set(privateKey(collection, key), canonicalBytes({ s: randomBytes(SALT_BYTES).toString('hex'), v: value }));
  }

  /** A sealed transaction's record in the committed private state (what GetTransaction returns to a member). */
  readSealed(txId: string): SealedRecord | undefined {
    const collection = this.options.sealedCollection;
    if (!collection) return undefined;
    const key = `${SEP}tx${SEP}${txId}${SEP}`;
    return openValue<SealedRecord>(this.state.get(privateKey(collection, key)));
  }

  /**
   * Endorses several transactions against the same committed state, then commits them in order
   * as one block with Fabric's validation: a transaction whose read keys (or range queries) cover a
   * key written by an earlier valid transaction of the block is invalid (MVCC_READ_CONFLICT or
   * PHANTOM_READ_CONFLICT) and its writes and event are dropped.
   */
  async submitBlock(txs: readonly { mspId: string; fn: (ctx: Context) => Promise<unknown> }[]): Promise<{ valid: boolean; code: string; result?: unknown; error?: unknown }[]> {
    const endorsed = [];
    for (const t of txs) {
      const tx = this.#tx(t.mspId, undefined, { [TRANSIENT_SALT]: randomBytes(SALT_BYTES) });
      try {
        endorsed.push({ tx, result: await t.fn(tx.ctx) as unknown, error: undefined as unknown });
      } catch (error) {
        endorsed.push({ tx, result: undefined, error });
      }
    }
    const written = new Set<string>();
    return endorsed.map(({ tx, result, error }) => {
      if (error !== undefined) return { valid: false, code: 'ENDORSEMENT_FAILURE', error };
      if ([...tx.reads].some((k) => written.has(k))) return { valid: false, code: 'MVCC_READ_CONFLICT' };
      if (tx.ranges.some((covers) => [...written].some(covers))) return { valid: false, code: 'PHANTOM_READ_CONFLICT' };
      for (const key of tx.writes.keys()) written.add(key);
      this.#commit(tx.writes);
      return { valid: true, code: 'VALID', result: this.#committed(tx, result) };
    });
  }

  /** Runs `fn` as an evaluated (read-only) transaction: nothing it writes is kept. */
  async evaluate<T>(mspId: string, fn: (ctx: Context) => Promise<T>): Promise<T> {
    return fn(this.#tx(mspId).ctx);
  }

  /**
   * Makes `contract` on `other` (another channel) reachable through `invokeChaincode(name, args,
   * other.channel)`: evaluated as the same caller, as a peer runs a cross-channel query.
   */
  link(name: string, other: MemoryLedger, contract: object): void {
    this.#linked.set(`${other.channel}/${name}`, (mspId, [fn, ...args]) =>
      other.evaluate(mspId, (ctx) => {
        const method = (contract as Record<string, unknown>)[fn ?? ''];
        if (typeof method !== 'function') throw new Error(`You've asked to invoke a function that does not exist: ${fn}`);
        return (method as (...a: unknown[]) => Promise<string>).call(contract, ctx, ...args);
      }),
    );
  }

  lastEvent(): RecordedEvent | undefined {
    return this.events[this.events.length - 1];
  }

  /**
   * The committed state as text, key by key, for byte-level comparisons: a private value without its
   * salt (fresh in every transaction), and without the sealed transactions' own records (every
   * transaction of a private chaincode writes one; `readSealed` reads them).
   */
  dump(): Record<string, string> {
    const text = (k: string, v: Uint8Array) => (k.startsWith(PRIVATE) ? canonicalJson(openValue(v)) : Buffer.from(v).toString('utf8'));
    const records = this.options.sealedCollection ? privateKey(this.options.sealedCollection, `${SEP}tx${SEP}`) : undefined;
    return Object.fromEntries(
      [...this.state.entries()]
        .filter(([k]) => !records || !k.startsWith(records))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, text(k, v)]),
    );
  }

  #tx(mspId: string, txId?: string, transient: Record<string, Uint8Array> = {}) {
    const id = txId ?? `tx${String(++this.#counter).padStart(6, '0')}`;
    const writes = new Map<string, Uint8Array | undefined>();
    const state = this.state;
    const timeMs = this.timeMs;
    const channel = this.channel;
    const linked = this.#linked;
    const reads = new Set<string>();
    const ranges: ((key: string) => boolean)[] = [];
    const tx: { ctx: Context; writes: typeof writes; reads: typeof reads; ranges: typeof ranges; event?: RecordedEvent } = { ctx: undefined as unknown as Context, writes, reads, ranges };
    // Fabric refuses every write of a transaction that ran a range query on private data (its result
    // cannot be validated at commit): "Transaction has already performed queries on pvt data".
    let privateQueried = false;
    const noWriteAfterPrivateQuery = () => {
      if (privateQueried) throw new Error('stub: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed');
    };
    const checkKey = (key: string) => {
      if (typeof key !== 'string' || key.length === 0) throw new Error(`stub: invalid key ${JSON.stringify(key)}`);
    };
    const iterate = (entries: KV[]) => {
      let i = 0;
      const iterator = {
        next: async () => (i < entries.length ? { value: entries[i++] as KV, done: false } : { value: undefined as unknown as KV, done: true }),
        close: async () => undefined,
      };
      const promise = Promise.resolve(iterator) as Promise<typeof iterator> & AsyncIterable<KV>;
      promise[Symbol.asyncIterator] = async function* () {
        yield* entries;
      };
      return promise;
    };
    const sorted = (filter: (key: string) => boolean, strip = ''): KV[] => {
      ranges.push(filter);
      return [...state.keys()].filter(filter).sort().map((key) => ({ namespace: 'test', key: key.slice(strip.length), value: state.get(key) as Uint8Array }));
    };
    const compositePrefix = (type: string, attributes: string[]) => `${SEP}${type}${SEP}${attributes.map((a) => `${a}${SEP}`).join('')}`;
    const stub = {
      getState: async (key: string) => (checkKey(key), reads.add(key), state.get(key) ?? new Uint8Array(0)),
      putState: async (key: string, value: Uint8Array) => {
        checkKey(key);
        noWriteAfterPrivateQuery();
        if (!(value instanceof Uint8Array)) throw new Error('stub: putState needs bytes');
        writes.set(key, Uint8Array.from(value));
      },
      deleteState: async (key: string) => (checkKey(key), void writes.set(key, undefined)),
      createCompositeKey: (type: string, attributes: string[]) => `${SEP}${type}${SEP}${attributes.map((a) => `${a}${SEP}`).join('')}`,
      getStateByPartialCompositeKey: (type: string, attributes: string[]) => {
        const prefix = compositePrefix(type, attributes);
        return iterate(sorted((k) => k.startsWith(prefix)));
      },
      getStateByRange: (start: string, end: string) =>
        iterate(sorted((k) => !k.startsWith(SEP) && !k.startsWith(PRIVATE) && (start === '' || k >= start) && (end === '' || k < end))),
      getPrivateData: async (collection: string, key: string) => {
        checkKey(key);
        const at = privateKey(collection, key);
        reads.add(at);
        return state.get(at) ?? new Uint8Array(0);
      },
      putPrivateData: async (collection: string, key: string, value: Uint8Array) => {
        checkKey(key);
        noWriteAfterPrivateQuery();
        if (!(value instanceof Uint8Array)) throw new Error('stub: putPrivateData needs bytes');
        writes.set(privateKey(collection, key), Uint8Array.from(value));
      },
      deletePrivateData: async (collection: string, key: string) => (checkKey(key), noWriteAfterPrivateQuery(), void writes.set(privateKey(collection, key), undefined)),
      getPrivateDataByPartialCompositeKey: (collection: string, type: string, attributes: string[]) => {
        privateQueried = true;
        const prefix = privateKey(collection, compositePrefix(type, attributes));
        return iterate(sorted((k) => k.startsWith(prefix), privateKey(collection, '')));
      },
      getTransient: () => new Map(Object.entries(transient).map(([k, v]) => [k, Uint8Array.from(v)])),
      getFunctionAndParameters: () => ({ fcn: 'test', params: [] as string[] }),
      setEvent: (name: string, payload: Uint8Array) => {
        tx.event = { txId: id, name, payload: JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown> };
      },
      invokeChaincode: async (name: string, args: string[], onChannel: string) => {
        const target = linked.get(`${onChannel}/${name}`);
        if (!target) throw new Error(`stub: chaincode ${name} is not reachable on channel ${onChannel}`);
        try {
          return { status: 200, message: '', payload: Buffer.from(await target(mspId, args), 'utf8') };
        } catch (e) {
          return { status: 500, message: e instanceof Error ? e.message : String(e), payload: Buffer.alloc(0) };
        }
      },
      getTxID: () => id,
      getChannelID: () => channel,
      // The shim hands seconds as a protobuf Long; its decimal string is all the chaincode reads.
      getTxTimestamp: () => {
        const seconds = Math.floor(timeMs / 1000);
        return { seconds: { toString: () => String(seconds), toNumber: () => seconds }, nanos: (timeMs - seconds * 1000) * 1_000_000 };
      },
      getDateTimestamp: () => new Date(timeMs),
    };
    const clientIdentity = {
      getMSPID: () => mspId,
      getID: () => `x509::/OU=client/CN=user@${mspId}::/CN=ca.${mspId}`,
      getAttributeValue: () => null,
      assertAttributeValue: () => false,
    };
    tx.ctx = { stub, clientIdentity } as unknown as Context;
    return tx;
  }
}
