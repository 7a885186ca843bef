import type { DataSource } from 'typeorm';
import { notificationChannel, PostgresListener, type ConnectionLogger } from '@datawell/messaging';

/**
 * The PostgreSQL notification channel of a schema's session changes: each history entry notifies
 * it (in the writing transaction, delivered at commit) with `<sessionId>:<seq>`. A hash stands in for
 * a schema too long for PostgreSQL's 63-byte identifiers.
 */
export function sessionChangesChannel(schema: string): string {
  return notificationChannel('datawell_sessions', schema);
}

/** One committed change of a session: the seq of its history entry. */
export interface SessionChange {
  readonly sessionId: string;
  readonly seq: number;
}

export interface SessionChangeSubscriber {
  readonly notify: (change: SessionChange) => void;
  /** The service is stopping: the stream ends. */
  readonly end: () => void;
  /** The listener (re)connected: changes committed while it was away were not heard, read the session again. */
  readonly resync?: () => void;
}

/** `<sessionId>:<seq>` as the history writes it; undefined for anything else. */
export function parseSessionChange(payload: string): SessionChange | undefined {
  const at = payload.lastIndexOf(':');
  if (at <= 0) return undefined;
  const seq = Number(payload.slice(at + 1));
  return Number.isSafeInteger(seq) && seq > 0 ? { sessionId: payload.slice(0, at), seq } : undefined;
}

/**
 * Committed session changes, for the live route: one LISTEN connection per service instance, whatever
 * instance wrote the change, fanned out to the subscribers of that session. Nothing is kept: a client
 * that was away reads the session again.
 */
export class SessionChanges {
  readonly #subscribers = new Map<string, Set<SessionChangeSubscriber>>();
  readonly #listener: PostgresListener;
  #listening = false;

  constructor(options: { dataSource: DataSource; schema: string; logger?: ConnectionLogger }) {
    this.#listener = new PostgresListener({
      dataSource: options.dataSource,
      channel: sessionChangesChannel(options.schema),
      what: 'session changes listener',
      onNotification: (payload) => {
        const change = parseSessionChange(payload);
        if (change) for (const s of this.#subscribers.get(change.sessionId) ?? []) s.notify(change);
      },
      onListening: () => {
        // Not the first connection: what was committed while it was down was not heard.
        if (this.#listening) for (const set of this.#subscribers.values()) for (const s of set) s.resync?.();
        this.#listening = true;
      },
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  start(): void {
    this.#listener.start();
  }

  async stop(): Promise<void> {
    await this.#listener.stop();
    for (const set of this.#subscribers.values()) for (const s of set) s.end();
    this.#subscribers.clear();
  }

  /** Follows one session's changes; returns the function that stops following. */
  subscribe(sessionId: string, subscriber: SessionChangeSubscriber): () => void {
    let set = this.#subscribers.get(sessionId);
    if (!set) {
      set = new Set();
      this.#subscribers.set(sessionId, set);
    }
    set.add(subscriber);
    return () => {
      const current = this.#subscribers.get(sessionId);
      current?.delete(subscriber);
      if (current?.size === 0) this.#subscribers.delete(sessionId);
    };
  }

  /** How many streams follow a session (for tests and health). */
  subscribers(sessionId: string): number {
    return this.#subscribers.get(sessionId)?.size ?? 0;
  }
}
