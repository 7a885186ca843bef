import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SERVICE_CONFIG } from '@datawell/service-platform';
import { writeOutbox, type OutboxMessage, type WakeOutbox } from '@datawell/messaging';
import type { DataSource, EntityManager } from 'typeorm';
import type { MarketplaceConfig } from './config';

/** Runs SQL in the marketplace schema; `write` commits state and outgoing messages together (outbox). */
@Injectable()
export class Store {
  readonly schema: string;
  readonly settings: MarketplaceConfig['settings'];
  #wakeOutbox: WakeOutbox | undefined;

  constructor(
    @InjectDataSource() readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: MarketplaceConfig,
  ) {
    this.schema = config.postgres.schema;
    this.settings = config.settings;
  }

  /** `"schema".table` */
  t(table: string): string {
    return `"${this.schema}".${table}`;
  }

  query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], manager?: EntityManager): Promise<T[]> {
    return (manager ?? this.dataSource).query(sql, params) as Promise<T[]>;
  }

  /** Called after a commit that wrote outbox rows (the relay's `notify`). */
  useWakeOutbox(wake: WakeOutbox): void {
    this.#wakeOutbox = wake;
  }

  async write<T>(work: (manager: EntityManager, send: (...messages: OutboxMessage[]) => Promise<void>) => Promise<T>): Promise<T> {
    let sent = false;
    const result = await this.dataSource.transaction(async (manager) =>
      work(manager, async (...messages) => {
        await writeOutbox(manager, this.schema, messages);
        sent = true;
      }),
    );
    if (sent) this.#wakeOutbox?.();
    return result;
  }
}
