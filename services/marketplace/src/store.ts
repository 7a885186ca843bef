import { writeOutbox, type OutboxMessage, type WakeOutbox } from '@datawell/messaging';
import type { DataSource, EntityManager } from 'typeorm';
import type { MarketplaceConfig } from './config';

/** Runs SQL in the marketplace schema; `write` commits state and outgoing messages together (outbox). */
export class Store {
  constructor(
    readonly dataSource: DataSource,
    readonly schema: string,
    readonly settings: MarketplaceConfig['settings'],
    /** Called after a commit that wrote outbox rows (the relay's `notify`). */
    private readonly wakeOutbox: WakeOutbox,
  ) {}

  /** `"schema".table` */
  t(table: string): string {
    return `"${this.schema}".${table}`;
  }

  query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    return (manager ?? this.dataSource).query(sql, params) as Promise<T[]>;
  }

  async write<T>(work: (manager: EntityManager, send: (...messages: OutboxMessage[]) => Promise<void>) => Promise<T>): Promise<T> {
    let sent = false;
    const result = await this.dataSource.transaction(async (manager) =>
      work(manager, async (...messages) => {
        await writeOutbox(manager, this.schema, messages);
        sent = true;
      }),
    );
    if (sent) this.wakeOutbox();
    return result;
  }
}
