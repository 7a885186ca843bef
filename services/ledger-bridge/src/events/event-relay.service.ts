import { unsealEvent } from '@datawell/fabric';
import type { CloseableAsyncIterable, ChaincodeEvent } from '@hyperledger/fabric-gateway';
import { DAO } from '@datawell/contracts';
import type { ConnectionLogger, WakeOutbox } from '@datawell/messaging';
import type { ChannelsRepository, KnownChannel } from '../channels/channels.repository';
import type { Gateways } from '../fabric/gateways.adapter';
import type { LedgerEventsRepository } from './ledger-events.repository';
import { PostgresCheckpointer } from './postgres-checkpointer';

export interface EventRelayOptions {
  readonly channels: ChannelsRepository;
  readonly events: LedgerEventsRepository;
  readonly gateways: Gateways;
  /** The wallet identity the relay listens as; it must be a member of every relayed channel. */
  readonly listenAs: string;
  readonly logger: ConnectionLogger;
  /** Called after each relayed event (the outbox relay's `notify`). */
  readonly wakeOutbox?: WakeOutbox;
  /** Told of each event once it is relayed (the member bridge's live notifications); it must not throw. */
  readonly onEvent?: (channel: string, event: ChaincodeEvent) => void;
  /** How often the channels table is re-read for channels registered elsewhere. */
  readonly refreshIntervalMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/**
 * Relays the chaincode events of every known channel into the outbox, one stream per
 * (channel, chaincode), each resuming from its PostgreSQL checkpoint. A stream that fails (peer
 * away, PostgreSQL away, a record that could not be written) is reopened from the checkpoint after a
 * backoff, so nothing is skipped and nothing is written twice.
 *
 * A channel the organisation it listens as has left is no longer followed: once the relay has
 * relayed a `MemberTransferred` whose leaver is that organisation (its position moved; its
 * organisation is then removed from the channel, and its peer would be refused the channel's blocks),
 * it records the channel as left and closes its streams. Other bridges' relays see the channel as
 * left at their next refresh.
 */
export class EventRelay {
  readonly #streams = new Map<string, EventStream>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(private readonly options: EventRelayOptions) {}

  async start(): Promise<void> {
    this.#running = true;
    await this.refresh();
    const every = this.options.refreshIntervalMs ?? 5000;
    this.#timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.options.logger.warn({ message: 'could not re-read the channels table', error: String(error) }),
      );
    }, every);
  }

  /** Registers a channel (e.g. a new DAO channel) and starts relaying its events at once. */
  async addChannel(channel: Parameters<ChannelsRepository['add']>[0]): Promise<KnownChannel> {
    const stored = await this.options.channels.add(channel);
    if (this.#running) this.#ensureStreams(stored);
    return stored;
  }

  /** Starts streams for channels and chaincodes that have none yet; closes those of channels left. */
  async refresh(): Promise<void> {
    if (!this.#running) return;
    for (const channel of await this.options.channels.list()) {
      if (channel.left) await this.#drop(channel.name);
      else this.#ensureStreams(channel);
    }
  }

  /** The streams being relayed, as `channel/chaincode`. */
  streams(): string[] {
    return [...this.#streams.keys()].sort();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#streams.values()].map((s) => s.stop()));
    this.#streams.clear();
  }

  #ensureStreams(channel: KnownChannel): void {
    if (!this.#running || channel.left) return;
    for (const chaincode of channel.chaincodes) {
      const key = `${channel.name}/${chaincode}`;
      if (this.#streams.has(key)) continue;
      // Its departure relayed, the stream stops itself (its loop ends by itself: not awaited from it).
      const stream = new EventStream(channel, chaincode, this.options, () => void this.#drop(channel.name));
      this.#streams.set(key, stream);
      stream.start();
    }
  }

  /** The channel is left: no stream follows it any more. Resolves once its streams have stopped. */
  async #drop(name: string): Promise<void> {
    const dropped = [...this.#streams.entries()].filter(([key]) => key.startsWith(`${name}/`));
    for (const [key, stream] of dropped) {
      this.#streams.delete(key);
      stream.requestStop();
    }
    await Promise.all(dropped.map(([, stream]) => stream.stop()));
  }
}

/** Whether `event` says `self` left the channel: a completed transfer of its position. */
export function isDepartureOf(event: Pick<ChaincodeEvent, 'eventName' | 'payload'>, self: string): { to: string } | undefined {
  if (event.eventName !== DAO.event.MemberTransferred) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as { from?: unknown; to?: unknown };
    return payload.from === self && typeof payload.to === 'string' ? { to: payload.to } : undefined;
  } catch {
    return undefined;
  }
}

class EventStream {
  #stopped = false;
  #events: CloseableAsyncIterable<ChaincodeEvent> | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly channel: KnownChannel,
    private readonly chaincode: string,
    private readonly options: EventRelayOptions,
    private readonly onLeft: () => void,
  ) {}

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.requestStop();
    await this.#loop;
  }

  /** Stops the loop without waiting for it (from inside it, or for a stream that stops itself). */
  requestStop(): void {
    this.#stopped = true;
    this.#events?.close();
    this.#wake?.();
  }

  async #run(): Promise<void> {
    const { logger } = this.options;
    const initial = this.options.initialBackoffMs ?? 500;
    let backoff = initial;
    const where = { channel: this.channel.name, chaincode: this.chaincode };
    while (!this.#stopped) {
      try {
        const checkpointer = await PostgresCheckpointer.load(this.options.events, this.channel.name, this.chaincode);
        // On a DAO channel the bridge is its DSP (the operator is no member there).
        const network = (await this.options.gateways.for(this.channel.actingMspId ?? this.options.listenAs)).getNetwork(this.channel.name);
        this.#events = await network.getChaincodeEvents(this.chaincode, {
          checkpoint: checkpointer,
          startBlock: this.channel.startBlock,
        });
        if (this.#stopped) break;
        const from = checkpointer.state();
        logger.log({ message: 'relaying chaincode events', ...where, from: from ? `after ${from.blockNumber}/${from.transactionId}` : `block ${this.channel.startBlock}` });
        const self = this.channel.actingMspId ?? this.options.listenAs;
        for await (const sealed of this.#events) {
          if (this.#stopped) break;
          // A private chaincode's event carries a marker: its payload is read from this organisation's own peer.
          const event = await unsealEvent(network, sealed);
          const { problem } = await checkpointer.relay(this.channel, event);
          if (problem) logger.error({ message: 'allocation not relayed', code: problem.code, error: problem.message, ...where });
          this.options.wakeOutbox?.();
          this.options.onEvent?.(this.channel.name, event);
          backoff = initial;
          const departure = isDepartureOf(event, self);
          if (departure) {
            // Relayed (and checkpointed) first: the organisation's own services act on it (its provisioner removes its workloads).
            const recorded = await this.options.channels.markLeft(this.channel.name, `${self} transferred its position to ${departure.to} (transaction ${event.transactionId})`);
            logger.log({ message: 'left the channel: no longer relaying it', ...where, mspId: self, to: departure.to, transactionId: event.transactionId, recorded });
            this.onLeft();
            break;
          }
        }
        if (!this.#stopped) throw new Error('the event stream ended');
      } catch (error) {
        if (this.#stopped) break;
        logger.warn({ message: 'event stream failed; resuming from the checkpoint', error: String(error), backoffMs: backoff, ...where });
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 30_000);
      } finally {
        this.#events?.close();
        this.#events = undefined;
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
