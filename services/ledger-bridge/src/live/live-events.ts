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

export interface LiveSubscriber {
  notify(notification: LiveNotification): void;
  /** The bridge is stopping: the stream ends (the client reconnects to the next bridge). */
  end(): void;
}

/**
 * The member bridge's live notifications, per DAO: fed by the chaincode events its own peer delivers
 * to its event relay (the stream it already follows to fill its events topic; nothing polls the
 * ledger), read by the open `GET /daos/:daoId/events` streams. Nothing is kept: a subscriber hears
 * what arrives while it is subscribed, and reads the state again after (re)connecting.
 */
export class LiveEvents {
  readonly #subscribers = new Map<string, Set<LiveSubscriber>>();
  #closed = false;

  /** Called by the relay for each delivered event of `channel`; only dao events of DAO channels are passed on. */
  publish(channel: string, event: DeliveredEvent): void {
    const notification = notificationOf(channel, event);
    if (!notification) return;
    for (const subscriber of [...(this.#subscribers.get(notification.daoId) ?? [])]) {
      try {
        subscriber.notify(notification);
      } catch {
        // A subscriber whose connection broke is removed by its own close handler; the others still hear.
      }
    }
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
