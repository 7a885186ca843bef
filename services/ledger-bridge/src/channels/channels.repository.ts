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
}

export class ChannelsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  async list(): Promise<KnownChannel[]> {
    const rows = (await this.dataSource.query(
      `SELECT name, chaincodes, acting_msp_id, start_block FROM "${this.schema}".channels ORDER BY name`,
    )) as ChannelRow[];
    return rows.map((r) => ({
      name: r.name,
      chaincodes: r.chaincodes,
      actingMspId: r.acting_msp_id,
      startBlock: BigInt(r.start_block),
    }));
  }

  async get(name: string): Promise<KnownChannel | undefined> {
    return (await this.list()).find((c) => c.name === name);
  }

  /**
   * Registers a channel, or adds chaincodes to a registered one (a channel's start block and acting
   * organisation are fixed at registration). A DAO channel needs its DSP as the acting organisation:
   * the allocation relay submits there as the DSP.
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
         SELECT DISTINCT unnest(channels.chaincodes || EXCLUDED.chaincodes) ORDER BY 1)`,
      [channel.name, [...channel.chaincodes], channel.actingMspId ?? null, String(channel.startBlock ?? 0n)],
    );
    const stored = await this.get(channel.name);
    if (!stored) throw new ChannelRegistrationError(channel.name, 'vanished after registration');
    return stored;
  }
}
