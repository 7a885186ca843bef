import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdent } from './migration';

/**
 * Records that `consumer` processed `eventId`, inside the caller's transaction. Resolves true the
 * first time, false when it was already recorded: the caller then skips the effect. Two concurrent
 * claims of one id serialise on the primary key; the loser waits and sees false.
 */
export async function claimInbox(
  manager: EntityManager,
  schema: string,
  consumer: string,
  eventId: string,
): Promise<boolean> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error('claimInbox needs the EntityManager of an open transaction');
  }
  const rows = (await manager.query(
    `INSERT INTO ${quoteIdent(schema)}.inbox (consumer, event_id) VALUES ($1, $2)
     ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id`,
    [consumer, eventId],
  )) as unknown[];
  return rows.length > 0;
}

/**
 * Runs `effect` once per (consumer, event id): the claim and the effect commit together, so an
 * effect that throws leaves the id unclaimed for the redelivery. Resolves to whether it ran.
 */
export async function processOnce(
  dataSource: DataSource,
  schema: string,
  consumer: string,
  eventId: string,
  effect: (manager: EntityManager) => Promise<void>,
): Promise<boolean> {
  return dataSource.transaction(async (manager) => {
    if (!(await claimInbox(manager, schema, consumer, eventId))) return false;
    await effect(manager);
    return true;
  });
}
