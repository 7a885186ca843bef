import { parseDaoChannel } from '@datawell/contracts';
import type { ConnectionLogger } from '@datawell/messaging';
import type { ChannelConfigView } from '@datawell/stack';
import { AdminError } from '../admin/admin.errors';
import { checkSeat, GenesisRejectedError } from './genesis-check';
import type { MemberAdmin } from './member-network.service';

export interface ChannelConfigWatchOptions {
  readonly admin: Pick<MemberAdmin, 'joinedChannel' | 'latestChannelConfig' | 'ownCaCertPems' | 'ordererTlsCaPems'>;
  /** This bridge's organisation. */
  readonly mspId: string;
  /** The channels the bridge relays for its organisation (its DAO channels are checked; `marketplace` has its own check at join). */
  readonly channels: () => Promise<readonly string[]>;
  readonly logger: ConnectionLogger;
  /**
   * Between two looks (default 5 min). A look fetches each DAO channel's latest config with the
   * member's own admin and decodes it with configtxlator (the genesis block too, on the channel's
   * first look only): about half the 0.3 s of CPU a channel that fetching both took, so well under
   * 0.1 % of a core a channel at the default.
   */
  readonly intervalMs?: number;
}

/**
 * A member's bridge looks again, after it joined, at the config of each DAO channel it relays: a
 * config update signed by a majority of the channel's admins (Fabric's rule for growth) could take
 * its organisation's own place away (its MSP no longer exactly its own CA, its policies not its own),
 * give the operator a say in the channel's governance, or move the channel to another ordering
 * service; the checks made when it joined (`checkSeat`: the genesis block ordered by the ordering
 * service it pins, its own place and a members' governance in the latest config) would have refused
 * such a channel. A channel whose latest config fails them is held refused: the bridge signs nothing
 * more on it (CHANNEL_REFUSED, 422) and says why, until a later config passes again. Reads go on:
 * the member may still want to see what happened. Nothing the operator says is relied on: the
 * blocks are fetched and decoded by the member's own admin.
 */
export class ChannelConfigWatch {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #refused = new Map<string, string>();
  /** Each channel's genesis block as the first look fetched it: it never changes, so it is fetched once for the process's life. */
  readonly #genesis = new Map<string, ChannelConfigView>();

  constructor(private readonly options: ChannelConfigWatchOptions) {}

  start(): void {
    const tick = () => {
      this.#running ??= this.check().finally(() => (this.#running = undefined));
    };
    tick();
    this.#timer = setInterval(tick, this.options.intervalMs ?? 5 * 60_000);
    this.#timer.unref();
  }

  /** One look at every DAO channel relayed. Never throws: a channel that could not be read keeps its earlier verdict (logged; the next look tries again). */
  async check(): Promise<void> {
    const { admin, mspId, logger } = this.options;
    let channels: readonly string[];
    try {
      channels = (await this.options.channels()).filter((c) => parseDaoChannel(c) !== undefined);
    } catch (error) {
      logger.warn({ message: 'could not list the channels to check their config; trying again later', error: messageOf(error) });
      return;
    }
    for (const [channel] of this.#refused) if (!channels.includes(channel)) this.#refused.delete(channel);
    for (const [channel] of this.#genesis) if (!channels.includes(channel)) this.#genesis.delete(channel);
    for (const channel of channels) {
      try {
        const genesis = this.#genesis.get(channel);
        const joined = genesis ? { genesis, latest: await admin.latestChannelConfig(channel) } : await admin.joinedChannel(channel);
        this.#genesis.set(channel, joined.genesis);
        // The genesis block's checks are pure and cheap: made again with each latest config, as checkSeat makes them.
        checkSeat(channel, { self: { mspId, caCertPems: admin.ownCaCertPems() }, ordererTlsCaPems: admin.ordererTlsCaPems() }, joined);
        if (this.#refused.delete(channel)) logger.log({ message: "the channel's latest config passes this member's checks again: signing on it resumes", channel });
      } catch (error) {
        if (error instanceof GenesisRejectedError) {
          const reason = error.message;
          if (this.#refused.get(channel) !== reason) logger.error({ message: "the channel's latest config no longer passes this member's checks: its bridge signs nothing more on it", code: 'CHANNEL_REFUSED', channel, reason });
          this.#refused.set(channel, reason);
        } else {
          logger.warn({ message: "could not read the channel's config to check it; trying again later", channel, error: messageOf(error) });
        }
      }
    }
  }

  /** Why the bridge refuses to sign on `channel` (its latest config failed the member's checks), if it does. */
  refusal(channel: string): string | undefined {
    return this.#refused.get(channel);
  }

  /** Throws CHANNEL_REFUSED (422) for a channel held refused; a write on it is then never endorsed nor sent. */
  guard(channel: string): void {
    const reason = this.#refused.get(channel);
    if (reason) throw new AdminError('CHANNEL_REFUSED', `${this.options.mspId} signs nothing more on ${channel}: its latest config failed the member's checks (${reason})`);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
