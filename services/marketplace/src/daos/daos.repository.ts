import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Store } from '../store';

export type DaoRow = Record<string, unknown>;

/** A row of `dao_directory`: one published version of a DAO's public entry. */
export interface DirectoryRow {
  dao_id: string;
  version: number;
  channel: string;
  name: string;
  summary: string;
  members: string[];
  status: 'active' | 'dissolved';
  published_by: string;
  /** bigint, as text. */
  updated_at_ms: string;
}

/**
 * The public directory as `marketplace`'s DaoPublished events tell it (`dao_directory`); DAOs as their
 * channels' events tell them (`dao_versions`, `dao_members`, `dao_payouts`: the members' private view,
 * interim until members' own domains serve it) and the revenue we sent (`dao_revenue`).
 */
@Injectable()
export class DaosRepository {
  constructor(private readonly store: Store) {}

  async versions(daoId: string): Promise<DaoRow[]> {
    return this.store.query(`SELECT * FROM ${this.store.t('dao_versions')} WHERE dao_id = $1 ORDER BY version`, [daoId]);
  }

  /** The newest version of the DAO. */
  async topVersion(manager: EntityManager, daoId: string): Promise<DaoRow | undefined> {
    const [top] = await this.store.query(`SELECT * FROM ${this.store.t('dao_versions')} WHERE dao_id = $1 ORDER BY version DESC LIMIT 1`, [daoId], manager);
    return top;
  }

  async exists(daoId: string): Promise<boolean> {
    const rows = await this.store.query(`SELECT 1 FROM ${this.store.t('dao_versions')} WHERE dao_id = $1 LIMIT 1`, [daoId]);
    return rows.length > 0;
  }

  /** Every member row of every channel of the DAO, by channel and position. */
  async members(daoId: string): Promise<DaoRow[]> {
    return this.store.query(`SELECT * FROM ${this.store.t('dao_members')} WHERE dao_id = $1 ORDER BY channel, position`, [daoId]);
  }

  /** The members of one channel with their group and status (who may record its revenue). */
  async channelMembers(manager: EntityManager, channel: string): Promise<Array<{ mspId: string; group: string; status: string }>> {
    const rows = await this.store.query<{ msp_id: string; member_group: string; status: string }>(
      `SELECT msp_id, member_group, status FROM ${this.store.t('dao_members')} WHERE channel = $1 ORDER BY position`,
      [channel],
      manager,
    );
    return rows.map((r) => ({ mspId: r.msp_id, group: r.member_group, status: r.status }));
  }

  async memberIds(daoId: string): Promise<string[]> {
    const rows = await this.store.query<{ msp_id: string }>(`SELECT DISTINCT msp_id FROM ${this.store.t('dao_members')} WHERE dao_id = $1`, [daoId]);
    return rows.map((r) => r.msp_id);
  }

  /** Sums of payouts per member and channel, as decimal strings (numeric, exact). */
  async payoutSums(daoId: string): Promise<Array<{ msp_id: string; channel: string; amount: string }>> {
    return this.store.query(
      `SELECT msp_id, channel, sum(amount)::text AS amount FROM ${this.store.t('dao_payouts')} WHERE dao_id = $1 GROUP BY msp_id, channel ORDER BY msp_id, channel`,
      [daoId],
    );
  }

  /** Revenue we are sending to the ledger; false when this revenue id of the DAO exists already. */
  async insertRevenue(
    manager: EntityManager,
    r: { daoId: string; revenueId: string; channel: string; amount: string; kind: string; recordedBy: string; commandId: string },
  ): Promise<boolean> {
    const inserted = await this.store.query(
      `INSERT INTO ${this.store.t('dao_revenue')} (dao_id, revenue_id, channel, amount, kind, status, recorded_by, command_id)
       VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7) ON CONFLICT DO NOTHING RETURNING revenue_id`,
      [r.daoId, r.revenueId, r.channel, r.amount, r.kind, r.recordedBy, r.commandId],
      manager,
    );
    return inserted.length > 0;
  }

  /** The DAO's published directory rows, oldest version first. */
  async directory(daoId: string): Promise<DirectoryRow[]> {
    return this.store.query<DirectoryRow>(
      `SELECT dao_id, version, channel, name, summary, members, status, published_by, updated_at_ms::text AS updated_at_ms FROM ${this.store.t('dao_directory')} WHERE dao_id = $1 ORDER BY version`,
      [daoId],
    );
  }

  /** Every published row of the DAOs whose entry names `mspId` as a member of some version, by DAO, oldest version first. */
  async directoryOfMember(mspId: string): Promise<DirectoryRow[]> {
    const t = this.store.t('dao_directory');
    return this.store.query<DirectoryRow>(
      `SELECT dao_id, version, channel, name, summary, members, status, published_by, updated_at_ms::text AS updated_at_ms FROM ${t}
        WHERE dao_id IN (SELECT dao_id FROM ${t} WHERE members @> $1::jsonb) ORDER BY dao_id, version`,
      [JSON.stringify([mspId])],
    );
  }

  // ---------------------------------------------------------------- from ledger events (redeliveries change nothing)

  /** DaoPublished: a version's entry; the same version published again replaces it. */
  async publish(manager: EntityManager, e: { daoId: string; version: number; channel: string; name: string; summary: string; members: readonly string[]; status: string; publishedBy: string; updatedAtMs: number }): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('dao_directory')} (dao_id, version, channel, name, summary, members, status, published_by, updated_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
       ON CONFLICT (dao_id, version) DO UPDATE SET channel = EXCLUDED.channel, name = EXCLUDED.name, summary = EXCLUDED.summary, members = EXCLUDED.members,
         status = EXCLUDED.status, published_by = EXCLUDED.published_by, updated_at_ms = EXCLUDED.updated_at_ms`,
      [e.daoId, e.version, e.channel, e.name, e.summary, JSON.stringify(e.members), e.status, e.publishedBy, e.updatedAtMs],
      manager,
    );
  }

  async insertVersion(manager: EntityManager, v: { daoId: string; version: number; channel: string; agreementId: string; betaPpm: number; terms: unknown }): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('dao_versions')} (dao_id, version, channel, agreement_id, beta_ppm, terms, status)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'active') ON CONFLICT DO NOTHING`,
      [v.daoId, v.version, v.channel, v.agreementId, v.betaPpm, JSON.stringify(v.terms)],
      manager,
    );
  }

  async insertMember(
    manager: EntityManager,
    m: { channel: string; daoId: string; mspId: string; position: number; group: string; role: string; weight: number; ownershipPpm: number },
  ): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('dao_members')} (channel, dao_id, msp_id, position, member_group, role, weight, ownership_ppm, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active') ON CONFLICT DO NOTHING`,
      [m.channel, m.daoId, m.mspId, m.position, m.group, m.role, m.weight, m.ownershipPpm],
      manager,
    );
  }

  /** An accepted change-terms proposal replaced the version's terms. */
  async setTerms(manager: EntityManager, channel: string, terms: unknown): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('dao_versions')} SET terms = $2::jsonb WHERE channel = $1`, [channel, JSON.stringify(terms)], manager);
  }

  async supersedeBefore(manager: EntityManager, daoId: string, version: number): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('dao_versions')} SET superseded = true WHERE dao_id = $1 AND version < $2`, [daoId, version], manager);
  }

  async supersedeChannel(manager: EntityManager, channel: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('dao_versions')} SET superseded = true WHERE channel = $1`, [channel], manager);
  }

  async setMemberStatus(manager: EntityManager, channel: string, mspId: string, status: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('dao_members')} SET status = $3 WHERE channel = $1 AND msp_id = $2`, [channel, mspId, status], manager);
  }

  async dissolveChannel(manager: EntityManager, channel: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('dao_versions')} SET status = 'dissolved' WHERE channel = $1`, [channel], manager);
  }

  async insertPayout(manager: EntityManager, p: { eventId: string; daoId: string; channel: string; allocationId: string; mspId: string; amount: string }): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('dao_payouts')} (event_id, dao_id, channel, allocation_id, msp_id, amount) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [p.eventId, p.daoId, p.channel, p.allocationId, p.mspId, p.amount],
      manager,
    );
  }

  async revenueRecorded(manager: EntityManager, daoId: string, revenueId: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('dao_revenue')} SET status = 'recorded' WHERE dao_id = $1 AND revenue_id = $2`, [daoId, revenueId], manager);
  }

  async revenueFailed(manager: EntityManager, commandId: string, code: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('dao_revenue')} SET status = 'failed', failure_code = $2 WHERE command_id = $1 AND status = 'submitted'`, [commandId, code], manager);
  }
}
