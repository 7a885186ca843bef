import { networkEventCloudEvent, type NetworkEvent } from '@datawell/contracts';
import { claimInbox, writeOutbox } from '@datawell/messaging';
import type { DataSource } from 'typeorm';
import { BRIDGE_SOURCE } from '../events/event-messages';
import type { NetworkInbox } from './network.service';

/**
 * The inbox of the network consumers and the outbox of their network events: a message's outcome is
 * written together with its inbox claim, so each command id (or agreement) gets exactly one event.
 */
export class NetworkRepository implements NetworkInbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly eventsTopic: string,
  ) {}

  /** Whether the message was handled already (its outcome is in the outbox). */
  async handled(consumer: string, messageId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM "${this.schema}".inbox WHERE consumer = $1 AND event_id = $2`, [consumer, messageId])) as unknown[];
    return rows.length > 0;
  }

  /**
   * Runs `work` holding a session advisory lock on the message id, so two replicas handed the same
   * message (a rebalance) take turns and the second finds it handled. The lock dies with the session.
   */
  async exclusively<T>(consumer: string, messageId: string, work: () => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const key = [`${this.schema}:${consumer}`, messageId];
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', key);
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', key);
      }
    } finally {
      await runner.release();
    }
  }

  /** Claims the message and writes its outcome, in one transaction. False when it was claimed already. */
  async complete(consumer: string, messageId: string, event: NetworkEvent, key: string): Promise<boolean> {
    const envelope = networkEventCloudEvent(event, BRIDGE_SOURCE);
    return this.dataSource.transaction(async (manager) => {
      if (!(await claimInbox(manager, this.schema, consumer, messageId))) return false;
      await writeOutbox(manager, this.schema, [{ id: envelope.id, topic: this.eventsTopic, key, payload: envelope, headers: { ce_type: envelope.type } }]);
      return true;
    });
  }
}
