import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { ConnectionLogger } from '../logger';
import { quoteIdent } from './migration';
import { outboxChannel } from './outbox';
import { PostgresListener } from '../postgres-listener';

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  readonly schema: string;
  readonly kafka: Kafka;
  /** Rows per round; a round is one Kafka send and one UPDATE. */
  readonly batchSize?: number;
  /**
   * Pause between rounds when the outbox is empty. Writes wake the relay at once through PostgreSQL
   * NOTIFY (see `writeOutbox`), so this is only the safety net for a missed notification, e.g. while
   * the listening connection reconnects.
   */
  readonly pollIntervalMs?: number;
  readonly logger?: ConnectionLogger;
}

/** The first pause after a failed round (doubling up to `MAX_BACKOFF_MS`). */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

interface OutboxRow {
  seq: string;
  id: string;
  topic: string;
  key: string | null;
  payload: unknown;
  headers: Record<string, string>;
}

/**
 * "Rows were just written to the outbox: publish now". Writers take it as `wakeOutbox` and call it
 * after the commit; it is the relay's `notify`. `writeOutbox`'s PostgreSQL NOTIFY already wakes every
 * listening relay on commit; this in-process call also covers the moments its listener reconnects.
 */
export type WakeOutbox = () => void;

/** A running outbox relay of one schema. */
export interface OutboxPublisher {
  /** Publishes one batch; resolves to the number of rows published. */
  publishBatch(): Promise<number>;
  /** Publishes until stopped. */
  start(): void;
  /** Tells the relay that rows were just written. */
  notify(): void;
  stop(): Promise<void>;
}

/**
 * Publishes unpublished outbox rows in `seq` order with an idempotent producer, then marks them
 * published. When Kafka acknowledged a send but the UPDATE did not commit (PostgreSQL cut the
 * connection, a deadlock, …), the relay remembers those ids and marks them published in its next
 * round without sending them again. Only a crash of the process between the send and the UPDATE
 * resends rows, with the same CloudEvent id (`ce_id` header and envelope id), and consumers
 * deduplicate by it. One relay per schema publishes at a time (a transaction-scoped advisory lock),
 * so replicas do not reorder rows. The relay LISTENs on its schema's channel on a connection of its
 * own, so an idle relay costs nothing until a write commits.
 */
class OutboxRelay implements OutboxPublisher {
  readonly #options: Required<Omit<OutboxRelayOptions, 'logger'>> & { logger?: ConnectionLogger };
  #producer: Producer | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** A wake-up that came while no sleep was pending: the next sleep returns at once. */
  #woken = false;
  #listener: PostgresListener | undefined;
  /** Ids Kafka acknowledged whose published mark did not commit: marked, not sent, next round. */
  readonly #sentUnmarked = new Set<string>();

  constructor(options: OutboxRelayOptions) {
    this.#options = { batchSize: 100, pollIntervalMs: 10_000, ...options };
  }

  /** Publishes one batch; resolves to the number of rows published. */
  async publishBatch(): Promise<number> {
    const producer = await this.#connectedProducer();
    const { dataSource, schema, batchSize } = this.#options;
    const table = `${quoteIdent(schema)}.outbox`;
    const marked = await dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [
        `datawell.outbox.${schema}`,
      ])) as [{ locked: boolean }];
      if (!locked) return [];
      const rows = (await manager.query(
        `SELECT seq, id, topic, key, payload, headers FROM ${table}
         WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
        [batchSize],
      )) as OutboxRow[];
      if (rows.length === 0) return [];
      // Consecutive rows of one topic go in one request; topics are sent in the order they appear.
      for (const run of runsByTopic(rows.filter((r) => !this.#sentUnmarked.has(r.id)))) {
        await producer.send({ topic: run.topic, messages: run.rows.map(toKafkaMessage), acks: -1 });
        for (const r of run.rows) this.#sentUnmarked.add(r.id);
      }
      await manager.query(`UPDATE ${table} SET published_at = now() WHERE seq = ANY($1::bigint[])`, [
        rows.map((r) => r.seq),
      ]);
      return rows.map((r) => r.id);
    });
    // Committed: these rows are marked.
    for (const id of marked) this.#sentUnmarked.delete(id);
    return marked.length;
  }

  /** Publishes until stopped, waking at once on a NOTIFY or `notify()`, and every poll interval otherwise. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const { dataSource, schema, logger } = this.#options;
    // A notification wakes the publishing loop; so does every (re)connect, for rows whose notification came while nobody listened.
    this.#listener = new PostgresListener({ dataSource, channel: outboxChannel(schema), onNotification: () => this.notify(), onListening: () => this.notify(), what: 'outbox listener', ...(logger ? { logger } : {}) });
    this.#listener.start();
    this.#loop = this.#run();
  }

  /** Tells the relay that rows were just written. */
  notify(): void {
    this.#woken = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await Promise.all([this.#loop, this.#listener?.stop()]);
    this.#loop = undefined;
    this.#listener = undefined;
    await this.#producer?.disconnect().catch(() => undefined);
    this.#producer = undefined;
  }

  async #run(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    while (this.#running) {
      let published = 0;
      // A notification from here on may concern rows this round does not see: it must wake the next sleep.
      this.#woken = false;
      try {
        published = await this.publishBatch();
        backoff = FIRST_BACKOFF_MS;
      } catch (error) {
        this.#options.logger?.warn({ message: 'outbox publish failed; retrying', error: String(error), backoffMs: backoff });
        await this.#producer?.disconnect().catch(() => undefined);
        this.#producer = undefined;
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      if (published === 0) await this.#sleep(this.#options.pollIntervalMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken || !this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  async #connectedProducer(): Promise<Producer> {
    if (!this.#producer) {
      // Idempotent: the broker drops a retried batch it already has, so producer retries add no copies.
      // The Java client's key hashing, so a key lands on the same partition whoever produces it.
      const producer = this.#options.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: true,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.#producer = producer;
    }
    return this.#producer;
  }
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxPublisher {
  return new OutboxRelay(options);
}

export function runsByTopic<R extends { topic: string }>(rows: readonly R[]): Array<{ topic: string; rows: R[] }> {
  const runs: Array<{ topic: string; rows: R[] }> = [];
  for (const row of rows) {
    const last = runs[runs.length - 1];
    if (last && last.topic === row.topic) last.rows.push(row);
    else runs.push({ topic: row.topic, rows: [row] });
  }
  return runs;
}

function toKafkaMessage(row: OutboxRow): Message {
  return {
    key: row.key,
    value: JSON.stringify(row.payload),
    headers: { ...row.headers, ce_id: row.id, 'content-type': 'application/cloudevents+json' },
  };
}
