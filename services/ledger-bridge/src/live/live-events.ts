import { DAO, parseDaoChannel } from '@datawell/contracts';

/** A chaincode event as the Gateway delivers it (fabric-gateway's ChaincodeEvent); its payload is never passed on. */
export interface DeliveredEvent {
  readonly chaincodeName: string;
  readonly eventName: string;
  readonly blockNumber: bigint;
  readonly transactionId: string;
}

/**
 * What a subscriber of a DAO's live stream is told: that something happened on one of its versions,
 * and where (event name, channel, version, block, transaction). Never the event's payload: the page
 * reads what changed through the member's own routes, as before.
 */
export interface LiveNotification {
  readonly daoId: string;
  readonly event: string;
  readonly channel: string;
  readonly version: number;
  /** A decimal string: block numbers are 64-bit. */
  readonly blockNumber: string;
  readonly txId: string;
}

/** A dao chaincode event of a DAO channel as a notification; undefined for anything else (other chaincodes, other channels). */
export function notificationOf(channel: string, event: DeliveredEvent): LiveNotification | undefined {
  if (event.chaincodeName !== DAO.chaincode) return undefined;
  const dao = parseDaoChannel(channel);
  if (!dao) return undefined;
  return { daoId: dao.daoId, event: event.eventName, channel, version: dao.level, blockNumber: event.blockNumber.toString(), txId: event.transactionId };
}

/** A notification's SSE id: its block and transaction (Fabric keeps one chaincode event per transaction). */
export function liveEventId(n: Pick<LiveNotification, 'blockNumber' | 'txId'>): string {
  return `${n.blockNumber}:${n.txId}`;
}

/** How many of a DAO's latest notifications are kept for a client that reconnects (Last-Event-ID). */
export const LIVE_REPLAY_LIMIT = 256;

export interface LiveSubscriber {
  notify(notification: LiveNotification): void;
  /** The bridge is stopping: the stream ends (the client reconnects to the next bridge). */
  end(): void;
}

/**
 * The member bridge's live notifications, per DAO: fed by the chaincode events its own peer delivers
 * to its event relay (the stream it already follows to fill its events topic; nothing polls the
 * ledger), read by the open `GET /daos/:daoId/events` streams. The latest LIVE_REPLAY_LIMIT of each
 * DAO are kept in memory, so a client that reconnects with the id of the last one it heard gets those
 * it missed (`since`); older ones, or any from before the bridge started, are not: it then reads the
 * state again.
 */
export class LiveEvents {
  readonly #subscribers = new Map<string, Set<LiveSubscriber>>();
  readonly #recent = new Map<string, LiveNotification[]>();
  #closed = false;

  /** Called by the relay for each delivered event of `channel`; only dao events of DAO channels are passed on. */
  publish(channel: string, event: DeliveredEvent): void {
    const notification = notificationOf(channel, event);
    if (!notification) return;
    const recent = this.#recent.get(notification.daoId) ?? [];
    this.#recent.set(notification.daoId, recent);
    recent.push(notification);
    if (recent.length > LIVE_REPLAY_LIMIT) recent.splice(0, recent.length - LIVE_REPLAY_LIMIT);
    for (const subscriber of [...(this.#subscribers.get(notification.daoId) ?? [])]) {
      try {
        subscriber.notify(notification);
      } catch {
        // A subscriber whose connection broke is removed by its own close handler; the others still hear.
      }
    }
  }

  /**
   * The DAO's notifications after the one whose id is `lastEventId`, oldest first; undefined when
   * that one is not among those kept (too old, or from before this bridge started).
   */
  since(daoId: string, lastEventId: string): LiveNotification[] | undefined {
    const recent = this.#recent.get(daoId) ?? [];
    const at = recent.findIndex((n) => liveEventId(n) === lastEventId);
    return at < 0 ? undefined : recent.slice(at + 1);
  }

  /** Listens to one DAO's notifications until the returned function is called. */
  subscribe(daoId: string, subscriber: LiveSubscriber): () => void {
    if (this.#closed) {
      subscriber.end();
      return () => undefined;
    }
    const set = this.#subscribers.get(daoId) ?? new Set<LiveSubscriber>();
    this.#subscribers.set(daoId, set.add(subscriber));
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.#subscribers.get(daoId) === set) this.#subscribers.delete(daoId);
    };
  }

  /** Open subscriptions (of one DAO, or all). */
  count(daoId?: string): number {
    if (daoId !== undefined) return this.#subscribers.get(daoId)?.size ?? 0;
    let n = 0;
    for (const set of this.#subscribers.values()) n += set.size;
    return n;
  }

  /** Ends every open stream (the bridge stops; an open response would hold the HTTP server's close). */
  close(): void {
    this.#closed = true;
    const all = [...this.#subscribers.values()].flatMap((s) => [...s]);
    this.#subscribers.clear();
    for (const subscriber of all) {
      try {
        subscriber.end();
      } catch {
        // already gone
      }
    }
  }
}
