import type { Context } from 'fabric-contract-api';

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
  /** Transaction time of the next transaction, in ms since the epoch. */
  timeMs = Date.UTC(2026, 0, 1);
  #counter = 0;

  constructor(readonly channel: string) {}

  /** Runs `fn` as a submitted transaction of `mspId` and commits its writes and event. */
  async submit<T>(mspId: string, fn: (ctx: Context) => Promise<T>, options: { txId?: string } = {}): Promise<T> {
    const tx = this.#tx(mspId, options.txId);
    const result = await fn(tx.ctx);
    for (const [key, value] of tx.writes) {
      if (value === undefined) this.state.delete(key);
      else this.state.set(key, value);
    }
    if (tx.event) this.events.push(tx.event);
    return result;
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
      const tx = this.#tx(t.mspId);
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
      for (const [key, value] of tx.writes) {
        written.add(key);
        if (value === undefined) this.state.delete(key);
        else this.state.set(key, value);
      }
      if (tx.event) this.events.push(tx.event);
      return { valid: true, code: 'VALID', result };
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

  /** The committed state as text, key by key, for byte-level comparisons. */
  dump(): Record<string, string> {
    return Object.fromEntries([...this.state.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
  }

  #tx(mspId: string, txId?: string) {
    const id = txId ?? `tx${String(++this.#counter).padStart(6, '0')}`;
    const writes = new Map<string, Uint8Array | undefined>();
    const state = this.state;
    const timeMs = this.timeMs;
    const channel = this.channel;
    const linked = this.#linked;
    const reads = new Set<string>();
    const ranges: ((key: string) => boolean)[] = [];
    const tx: { ctx: Context; writes: typeof writes; reads: typeof reads; ranges: typeof ranges; event?: RecordedEvent } = { ctx: undefined as unknown as Context, writes, reads, ranges };
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
    const sorted = (filter: (key: string) => boolean): KV[] => {
      ranges.push(filter);
      return [...state.keys()].filter(filter).sort().map((key) => ({ namespace: 'test', key, value: state.get(key) as Uint8Array }));
    };
    const stub = {
      getState: async (key: string) => (checkKey(key), reads.add(key), state.get(key) ?? new Uint8Array(0)),
      putState: async (key: string, value: Uint8Array) => {
        checkKey(key);
        if (!(value instanceof Uint8Array)) throw new Error('stub: putState needs bytes');
        writes.set(key, Uint8Array.from(value));
      },
      deleteState: async (key: string) => (checkKey(key), void writes.set(key, undefined)),
      createCompositeKey: (type: string, attributes: string[]) => `${SEP}${type}${SEP}${attributes.map((a) => `${a}${SEP}`).join('')}`,
      getStateByPartialCompositeKey: (type: string, attributes: string[]) => {
        const prefix = `${SEP}${type}${SEP}${attributes.map((a) => `${a}${SEP}`).join('')}`;
        return iterate(sorted((k) => k.startsWith(prefix)));
      },
      getStateByRange: (start: string, end: string) =>
        iterate(sorted((k) => !k.startsWith(SEP) && (start === '' || k >= start) && (end === '' || k < end))),
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
