import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { OPERATOR_MSP } from '@datawell/contracts';
import type { DirectoryEntry } from './principal';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const schemaOf = (queryRunner: QueryRunner) => (queryRunner.connection.options as { schema?: string }).schema ?? 'public';

/**
 * The identity directory table in a service's schema. A service migration extends this class with
 * its own timestamped name: `export class CreateIdentityDirectory1763900000000 extends CreateIdentityDirectory {}`.
 */
export abstract class CreateIdentityDirectory implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quote(schemaOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE ${s}.identity_directory (
        msp_id      text PRIMARY KEY,
        role        text NOT NULL,
        name        text NOT NULL,
        status      text NOT NULL,
        ca_cert_pem text NOT NULL,
        event_id    text NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${quote(schemaOf(queryRunner))}.identity_directory`);
  }
}

const toEntry = (r: Record<string, string>): DirectoryEntry => ({ mspId: r['msp_id']!, role: r['role'] as 'DSP' | 'VSP', name: r['name']!, status: r['status']!, caCertPem: r['ca_cert_pem']! });

/** The operator's entry: its CA from its public MSP (settings), never from the ledger. */
export function operatorEntry(caCertPem: string): DirectoryEntry {
  return { mspId: OPERATOR_MSP, role: 'OPERATOR', name: 'operator', status: 'active', caCertPem };
}

/** Reads and writes the directory; participants are written only from ledger events, the operator comes from settings. */
export class IdentityDirectory {
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly operator?: DirectoryEntry,
  ) {}

  /** Called after a committed change (the gRPC server then reloads its client CAs). */
  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  changed(): void {
    for (const listener of this.#listeners) listener();
  }

  async upsert(manager: EntityManager, entry: DirectoryEntry, eventId: string): Promise<void> {
    await manager.query(
      `INSERT INTO ${quote(this.schema)}.identity_directory (msp_id, role, name, status, ca_cert_pem, event_id)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (msp_id) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name, status = EXCLUDED.status,
         ca_cert_pem = EXCLUDED.ca_cert_pem, event_id = EXCLUDED.event_id, updated_at = now()`,
      [entry.mspId, entry.role, entry.name, entry.status, entry.caCertPem, eventId],
    );
  }

  /** A participant's status as the ledger's sanctions set it (`suspended` / `active`); nothing for one not in the directory. */
  async setStatus(manager: EntityManager, mspId: string, status: string, eventId: string): Promise<void> {
    await manager.query(`UPDATE ${quote(this.schema)}.identity_directory SET status = $2, event_id = $3, updated_at = now() WHERE msp_id = $1`, [mspId, status, eventId]);
  }

  async all(): Promise<DirectoryEntry[]> {
    const rows = (await this.dataSource.query(`SELECT msp_id, role, name, status, ca_cert_pem FROM ${quote(this.schema)}.identity_directory`)) as Array<Record<string, string>>;
    // The operator first: its identities are the operator's even if a participant registered the same CA.
    return [...(this.operator ? [this.operator] : []), ...rows.map(toEntry).filter((e) => e.mspId !== OPERATOR_MSP)];
  }

  async get(mspId: string): Promise<DirectoryEntry | undefined> {
    if (mspId === OPERATOR_MSP) return this.operator;
    const rows = (await this.dataSource.query(`SELECT msp_id, role, name, status, ca_cert_pem FROM ${quote(this.schema)}.identity_directory WHERE msp_id = $1`, [mspId])) as Array<Record<string, string>>;
    return rows.map(toEntry)[0];
  }
}
