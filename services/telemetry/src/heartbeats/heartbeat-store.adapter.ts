import { heartbeatMessageSchema, signedHeartbeatSchema, type HeartbeatMessage, type SignedHeartbeat } from '@datawell/contracts';
import type { Redis } from 'ioredis';

/** The latest verified heartbeat of a workload, as kept in Redis. */
export interface LatestHeartbeat {
  readonly channel: string;
  readonly workloadId: string;
  readonly owner: string;
  readonly seq: number;
  readonly timestamp: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly signature: string;
  readonly receivedAtMs: number;
}

/**
 * Keeps the latest only if its seq is after the stored one, and queues it for the channel's next
 * snapshot, atomically: a replayed or reordered heartbeat never overwrites a newer one.
 * KEYS: workload hash, channel's pending hash, set of channels with pending heartbeats.
 */
const ACCEPT = `
local current = redis.call('HGET', KEYS[1], 'seq')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'timestamp', ARGV[2], 'metrics', ARGV[3], 'signature', ARGV[4],
  'owner', ARGV[5], 'channel', ARGV[6], 'workloadId', ARGV[7], 'receivedAt', ARGV[8])
redis.call('HSET', KEYS[2], ARGV[7], ARGV[9])
redis.call('SADD', KEYS[3], ARGV[6])
return 1`;

/**
 * Removes pending entries that still hold exactly what was folded (a newer heartbeat that arrived
 * meanwhile stays), and the channel from the set once nothing is pending.
 * KEYS: channel's pending hash, channel set. ARGV: channel, then field/value pairs.
 */
const CLEAR = `
for i = 2, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 1`;

/** One pending entry as read: the raw value is what `clear` compares against. */
export interface PendingEntry {
  readonly heartbeat: SignedHeartbeat;
  readonly raw: string;
}

/** Redis: latest heartbeat per workload, heartbeats pending per channel, early heartbeats held briefly. */
export class HeartbeatStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** The most early (not yet registered) heartbeats held at once. */
    private readonly maxEarly = 10_000,
  ) {}

  #workloadKey(channel: string, workloadId: string): string {
    return `${this.prefix}:workload:${channel}:${workloadId}`;
  }
  #pendingKey(channel: string): string {
    return `${this.prefix}:pending:${channel}`;
  }
  get #channelsKey(): string {
    return `${this.prefix}:pending-channels`;
  }
  get #earlyKey(): string {
    return `${this.prefix}:early`;
  }

  /** Stores a verified heartbeat unless one with the same or a later seq is there; resolves whether it was kept. */
  async accept(channel: string, owner: string, hb: SignedHeartbeat, nowMs: number): Promise<boolean> {
    const result = await this.redis.eval(
      ACCEPT,
      3,
      this.#workloadKey(channel, hb.workloadId),
      this.#pendingKey(channel),
      this.#channelsKey,
      String(hb.seq),
      String(hb.timestamp),
      JSON.stringify(hb.metrics),
      hb.signature,
      owner,
      channel,
      hb.workloadId,
      String(nowMs),
      JSON.stringify(hb),
    );
    return Number(result) === 1;
  }

  async latest(channel: string, workloadId: string): Promise<LatestHeartbeat | undefined> {
    return parseLatest(await this.redis.hgetall(this.#workloadKey(channel, workloadId)));
  }

  async latestMany(keys: ReadonlyArray<{ channel: string; workloadId: string }>): Promise<Array<LatestHeartbeat | undefined>> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.hgetall(this.#workloadKey(k.channel, k.workloadId));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return parseLatest(value as Record<string, string>);
    });
  }

  async pendingChannels(): Promise<string[]> {
    return (await this.redis.smembers(this.#channelsKey)).sort();
  }

  /** The channel's pending heartbeats; an unreadable entry is returned as `invalid` for removal. */
  async pending(channel: string): Promise<{ entries: PendingEntry[]; invalid: Array<{ field: string; raw: string }> }> {
    const all = await this.redis.hgetall(this.#pendingKey(channel));
    const entries: PendingEntry[] = [];
    const invalid: Array<{ field: string; raw: string }> = [];
    for (const [field, raw] of Object.entries(all)) {
      const parsed = safeJson(raw, signedHeartbeatSchema);
      if (parsed && parsed.workloadId === field) entries.push({ heartbeat: parsed, raw });
      else invalid.push({ field, raw });
    }
    return { entries, invalid };
  }

  /** Removes the given pending entries unless they were replaced by newer heartbeats meanwhile. */
  async clear(channel: string, entries: ReadonlyArray<{ field: string; raw: string }>): Promise<void> {
    await this.redis.eval(CLEAR, 2, this.#pendingKey(channel), this.#channelsKey, channel, ...entries.flatMap((e) => [e.field, e.raw]));
  }

  /** Holds a heartbeat whose workload is not registered yet until `expiresAtMs`; false when full. */
  async holdEarly(message: HeartbeatMessage, expiresAtMs: number): Promise<boolean> {
    if ((await this.redis.zcard(this.#earlyKey)) >= this.maxEarly) return false;
    await this.redis.zadd(this.#earlyKey, expiresAtMs, JSON.stringify(message));
    return true;
  }

  /** The held heartbeats with their expiry; unreadable ones are removed. */
  async early(): Promise<Array<{ message: HeartbeatMessage; raw: string; expiresAtMs: number }>> {
    const flat = await this.redis.zrange(this.#earlyKey, 0, -1, 'WITHSCORES');
    const out: Array<{ message: HeartbeatMessage; raw: string; expiresAtMs: number }> = [];
    for (let i = 0; i < flat.length; i += 2) {
      const raw = flat[i]!;
      const message = safeJson(raw, heartbeatMessageSchema);
      if (message) out.push({ message, raw, expiresAtMs: Number(flat[i + 1]) });
      else await this.redis.zrem(this.#earlyKey, raw);
    }
    return out;
  }

  async releaseEarly(raw: string): Promise<void> {
    await this.redis.zrem(this.#earlyKey, raw);
  }
}

function safeJson<T>(raw: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): T | undefined {
  try {
    const result = schema.safeParse(JSON.parse(raw));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

function parseLatest(h: Record<string, string> | null | undefined): LatestHeartbeat | undefined {
  if (!h || h['seq'] === undefined) return undefined;
  let metrics: Record<string, number> = {};
  try {
    metrics = JSON.parse(h['metrics'] ?? '{}') as Record<string, number>;
  } catch {
    metrics = {};
  }
  return {
    channel: h['channel'] ?? '',
    workloadId: h['workloadId'] ?? '',
    owner: h['owner'] ?? '',
    seq: Number(h['seq']),
    timestamp: Number(h['timestamp']),
    metrics,
    signature: h['signature'] ?? '',
    receivedAtMs: Number(h['receivedAt']),
  };
}
