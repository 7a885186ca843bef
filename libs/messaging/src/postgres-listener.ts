import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ConnectionLogger } from './logger';
import { quoteIdent } from './outbox/migration';

/**
 * A schema's notification channel named `<prefix>_<schema>`: writers pg_notify it, listeners LISTEN
 * on it. A hash stands in for a schema too long for PostgreSQL's 63-byte identifiers.
 */
export function notificationChannel(prefix: string, schema: string): string {
  const name = `${prefix}_${schema}`;
  return Buffer.byteLength(name) <= 63 ? name : `${prefix}_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

/** The first pause before a reconnect (doubling up to MAX_BACKOFF_MS). */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

/** The part of a `pg` client the listener uses. */
interface PgListenClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
}

export interface PostgresListenerOptions {
  readonly dataSource: DataSource;
  /** The notification channel (LISTEN's identifier, quoted). */
  readonly channel: string;
  /** Each notification's payload ('' when it has none). */
  readonly onNotification: (payload: string) => void;
  /** After every (re)connect, once listening: notifications sent while nobody listened were lost. */
  readonly onListening?: () => void;
  readonly logger?: ConnectionLogger;
  /** What listens, for the log lines ("outbox listener", …). */
  readonly what: string;
}

/**
 * Keeps one connection LISTENing on a PostgreSQL notification channel while running (pg_notify in a
 * transaction is delivered at its commit), reconnecting with a backoff when the connection breaks.
 * Uses the DataSource's own driver and connection settings for its one extra connection; without a
 * PostgreSQL driver (not initialised yet) it waits and tries again.
 */
export class PostgresListener {
  #running = false;
  #loop: Promise<void> | undefined;
  #client: PgListenClient | undefined;
  #endPause: (() => void) | undefined;

  constructor(private readonly options: PostgresListenerOptions) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#listen();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#endPause?.();
    await this.#client?.end().catch(() => undefined);
    await this.#loop;
    this.#loop = undefined;
  }

  async #listen(): Promise<void> {
    const { dataSource, channel, logger, what } = this.options;
    let backoff = FIRST_BACKOFF_MS;
    while (this.#running) {
      const driver = dataSource.driver as unknown as { postgres?: { Client?: new (config: unknown) => PgListenClient }; master?: { options?: unknown } };
      const Client = driver.postgres?.Client;
      const config = driver.master?.options;
      if (!Client || !config) {
        await this.#pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      const client = new Client(config);
      const closed = new Promise<Error | undefined>((resolve) => {
        client.on('error', (error) => resolve(error));
        client.on('end', () => resolve(undefined));
      });
      client.on('notification', (message) => this.options.onNotification(message.payload ?? ''));
      this.#client = client;
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdent(channel)}`);
        backoff = FIRST_BACKOFF_MS;
        this.options.onListening?.();
        const error = await closed;
        if (this.#running) logger?.warn({ message: `${what} connection closed; reconnecting`, error: String(error) });
      } catch (error) {
        if (this.#running) logger?.warn({ message: `${what} cannot connect; retrying`, error: String(error), backoffMs: backoff });
      } finally {
        this.#client = undefined;
        await client.end().catch(() => undefined);
      }
      await this.#pause(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** A pause that `stop()` cuts short. */
  #pause(ms: number): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#endPause = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#endPause = done;
    });
  }
}
