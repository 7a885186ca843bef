import type { EntityManager } from 'typeorm';
import { notificationChannel } from '../postgres-listener';
import { quoteIdent } from './migration';

/**
 * The PostgreSQL notification channel of a schema's outbox: writers notify it, relays LISTEN on it.
 * A hash stands in for a schema too long for PostgreSQL's 63-byte identifiers.
 */
export function outboxChannel(schema: string): string {
  return notificationChannel('datawell_outbox', schema);
}

/** One message to publish: `id` is its CloudEvent id, `payload` the envelope. */
export interface OutboxMessage {
  readonly id: string;
  readonly topic: string;
  readonly key: string | null;
  readonly payload: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Writes messages to the outbox inside the caller's transaction (`manager` is the transaction's
 * EntityManager), so they exist if and only if the state written beside them does. A message whose
 * id is already there is skipped, not written twice. Resolves to the ids actually written.
 * PostgreSQL delivers the notification to listening relays on commit (and drops it on rollback), so
 * a relay wakes as soon as the rows are visible, from any process.
 */
export async function writeOutbox(
  manager: EntityManager,
  schema: string,
  messages: readonly OutboxMessage[],
): Promise<string[]> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error('writeOutbox needs the EntityManager of an open transaction');
  }
  const written: string[] = [];
  for (const message of messages) {
    const rows = (await manager.query(
      `INSERT INTO ${quoteIdent(schema)}.outbox (id, topic, key, payload, headers)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [message.id, message.topic, message.key, JSON.stringify(message.payload), JSON.stringify(message.headers ?? {})],
    )) as Array<{ id: string }>;
    if (rows.length > 0) written.push(message.id);
  }
  if (written.length > 0) await manager.query('SELECT pg_notify($1, \'\')', [outboxChannel(schema)]);
  return written;
}
