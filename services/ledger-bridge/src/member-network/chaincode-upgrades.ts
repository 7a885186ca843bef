import type { ConnectionLogger } from '@datawell/messaging';
import type { MemberAdmin } from './member-network.service';

export interface ChaincodeUpgradesOptions {
  readonly admin: Pick<MemberAdmin, 'approveCommitted'>;
  /** The channel and chaincodes whose governor commits new definitions alone (`marketplace`). */
  readonly channel: string;
  readonly chaincodes: readonly string[];
  readonly logger: ConnectionLogger;
  /** Between two looks at the member's own peer (default 60 s: one `peer lifecycle` CLI call each, measured at 0.06–0.07 s of CPU, about 0.1 % of a core). */
  readonly intervalMs?: number;
}

/**
 * The member's own approval of a new definition of a chaincode its channel's governor commits alone
 * (the operator's `marketplace`: its LifecycleEndorsement is the operator's peer): nothing tells a
 * member of an upgrade, and until its organisation approves the committed definition its peer runs
 * no chaincode of that name there. So the member's bridge looks at its own peer (querycommitted) when
 * it starts and then every `intervalMs`, and approves, as its own admin with its own package of that
 * version, any committed definition its organisation has not approved. It relies on nothing the
 * operator says: the definition is read from its own peer.
 */
export class ChaincodeUpgrades {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(private readonly options: ChaincodeUpgradesOptions) {}

  start(): void {
    const every = this.options.intervalMs ?? 60_000;
    const tick = () => {
      this.#running ??= this.check().finally(() => (this.#running = undefined));
    };
    tick();
    this.#timer = setInterval(tick, every);
    this.#timer.unref();
  }

  /** One look: approves what is committed and not approved by this member. Never throws (logged; the next look tries again). */
  async check(): Promise<void> {
    const { admin, channel, chaincodes, logger } = this.options;
    for (const name of chaincodes) {
      try {
        const { outcome, version, sequence } = await admin.approveCommitted(channel, name);
        if (outcome === 'approved') logger.log({ message: 'approved a definition committed without this member (an upgrade)', channel, chaincode: name, version, sequence });
        if (outcome === 'no-own-server') logger.warn({ message: 'a committed definition this member has not approved, and no chaincode server of its own to approve it with', channel, chaincode: name, version, sequence });
      } catch (error) {
        logger.warn({ message: 'could not check or approve the committed chaincode definition; trying again later', channel, chaincode: name, error: (error instanceof Error ? error.message : String(error)).slice(0, 500) });
      }
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
