import { parseDaoChannel } from '@datawell/contracts';
import type { DataSource } from 'typeorm';

/** A channel whose chaincode events the bridge relays. */
export interface KnownChannel {
  readonly name: string;
  readonly chaincodes: readonly string[];
  /** The organisation the bridge acts as on this channel (a DAO channel's DSP); null for none. */
  readonly actingMspId: string | null;
  /** Where the relay starts when it has no checkpoint for a stream of this channel. */
  readonly startBlock: bigint;
  /** Set once the bridge's organisation left the channel (markLeft): nothing follows it any more. */
  readonly left?: { readonly atMs: number; readonly reason: string };
}

export class ChannelRegistrationError extends Error {
  override readonly name = 'ChannelRegistrationError';
  readonly code = 'CHANNEL_REGISTRATION_INVALID' as const;
  constructor(
    readonly channel: string,
    message: string,
  ) {
    super(`channel ${channel}: ${message}`);
  }
}

const CHANNEL = /^[a-z][a-z0-9.-]*$/;

interface ChannelRow {
  name: string;
  chaincodes: string[];
  acting_msp_id: string | null;
  start_block: string;
  left_at: Date | null;
  left_reason: string | null;
}

export class ChannelsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  async list(): Promise<KnownChannel[]> {
    const rows = (await this.dataSource.query(
      `SELECT name, chaincodes, acting_msp_id, start_block, left_at, left_reason FROM "${this.schema}".channels ORDER BY name`,
    )) as ChannelRow[];
    return rows.map((r) => ({
      name: r.name,
      chaincodes: r.chaincodes,
      actingMspId: r.acting_msp_id,
      startBlock: BigInt(r.start_block),
      ...(r.left_at ? { left: { atMs: r.left_at.getTime(), reason: r.left_reason ?? '' } } : {}),
    }));
  }

  /** The channels still followed (not left). */
  async followed(): Promise<KnownChannel[]> {
    return (await this.list()).filter((c) => !c.left);
  }

  /** Records that the bridge's organisation left `name` (first time wins); resolves whether this call recorded it. */
  async markLeft(name: string, reason: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`UPDATE "${this.schema}".channels SET left_at = now(), left_reason = $2 WHERE name = $1 AND left_at IS NULL RETURNING name`, [name, reason])) as unknown[];
    // node-postgres answers an UPDATE … RETURNING as [rows, count] through TypeORM.
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return returned.length > 0;
  }

  async get(name: string): Promise<KnownChannel | undefined> {
    return (await this.list()).find((c) => c.name === name);
  }

  /**
   * Registers a channel, or adds chaincodes to a registered one (a channel's start block and acting
   * organisation are fixed at registration). A DAO channel needs its DSP as the acting organisation:
   * the allocation relay submits there as the DSP. A channel left before is followed again (its
   * organisation was seated anew).
   */
  async add(channel: Omit<KnownChannel, 'startBlock' | 'actingMspId'> & Partial<KnownChannel>): Promise<KnownChannel> {
    if (!CHANNEL.test(channel.name)) throw new ChannelRegistrationError(channel.name, 'not a Fabric channel name');
    if (channel.chaincodes.length === 0) throw new ChannelRegistrationError(channel.name, 'names no chaincode');
    if (parseDaoChannel(channel.name) && !channel.actingMspId) {
      throw new ChannelRegistrationError(channel.name, 'a DAO channel needs the acting (DSP) MSP id');
    }
    await this.dataSource.query(
      `INSERT INTO "${this.schema}".channels (name, chaincodes, acting_msp_id, start_block)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET chaincodes = ARRAY(
         SELECT DISTINCT unnest(channels.chaincodes || EXCLUDED.chaincodes) ORDER BY 1), left_at = NULL, left_reason = NULL`,
      [channel.name, [...channel.chaincodes], channel.actingMspId ?? null, String(channel.startBlock ?? 0n)],
    );
    const stored = await this.get(channel.name);
    if (!stored) throw new ChannelRegistrationError(channel.name, 'vanished after registration');
    return stored;
  }
}
