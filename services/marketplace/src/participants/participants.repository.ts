import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Reputation } from '@datawell/contracts';
import { Store } from '../store';

export type StoredReputation = Reputation;

export interface ParticipantRow {
  msp_id: string;
  role: 'DSP' | 'VSP';
  name: string;
  status: 'pending' | 'active' | 'failed';
  command_id: string | null;
  ca_cert_pem: string | null;
  failure_code: string | null;
  failure_message: string | null;
  reputation_count: number;
  reputation_sum: number;
  reputation_milli: number;
  reputation_abandonments: number;
  /** bigint columns: text from the driver. */
  reputation_weight_micro: string | number;
  reputation_sum_micro: string | number;
  reputation_as_of_ms: string | number;
  reputation_half_life_ms: string | number;
  suspended: boolean;
  sanction_reason: string | null;
  sanction_at_ms: string | number;
}

export interface IdentityRow {
  status: 'pending' | 'requested' | 'enrolled' | 'failed';
  certificate_pem: string | null;
  ca_cert_pem: string | null;
  failure_code: string | null;
  failure_message: string | null;
}

/** The participant registry and its identities (`participants`, `identities`). Writes take the caller's transaction. */
@Injectable()
export class ParticipantsRepository {
  constructor(private readonly store: Store) {}

  /** A new registration, or a retry of a failed one; false when the MSP id is registered (or being registered). */
  async register(manager: EntityManager, p: { mspId: string; role: 'DSP' | 'VSP'; name: string; commandId: string }): Promise<boolean> {
    const t = this.store.t('participants');
    // Concurrent registrations of one MSP id serialise on the primary key; only a failed one may be retried.
    const written = await this.store.query(
      `INSERT INTO ${t} (msp_id, role, name, status, command_id) VALUES ($1, $2, $3, 'pending', $4)
       ON CONFLICT (msp_id) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name, status = 'pending', command_id = EXCLUDED.command_id,
         failure_code = NULL, failure_message = NULL, updated_at = now()
       WHERE ${t}.status = 'failed'
       RETURNING msp_id`,
      [p.mspId, p.role, p.name, p.commandId],
      manager,
    );
    return written.length > 0;
  }

  async find(mspId: string, manager?: EntityManager, forUpdate = false): Promise<ParticipantRow | undefined> {
    const [row] = await this.store.query<ParticipantRow>(`SELECT * FROM ${this.store.t('participants')} WHERE msp_id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [mspId], manager);
    return row;
  }

  /** The participant's open and withdrawn offers, oldest first. */
  async listedOffers(mspId: string): Promise<Array<{ offer_id: string; kind: string; title: string; status: string }>> {
    return this.store.query(
      `SELECT offer_id, kind, title, status FROM ${this.store.t('offers')} WHERE owner_msp_id = $1 AND status IN ('open', 'withdrawn') ORDER BY created_at`,
      [mspId],
    );
  }

  /** Active on the ledger: created or updated from the ledger's (or the bridge's) word. */
  async activate(manager: EntityManager, mspId: string, role: 'DSP' | 'VSP', name: string, caCertPem: string | null): Promise<void> {
    const t = this.store.t('participants');
    await this.store.query(
      `INSERT INTO ${t} (msp_id, role, name, status, ca_cert_pem) VALUES ($1, $2, $3, 'active', $4)
       ON CONFLICT (msp_id) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name, status = 'active',
         ca_cert_pem = coalesce(EXCLUDED.ca_cert_pem, ${t}.ca_cert_pem), failure_code = NULL, failure_message = NULL, updated_at = now()`,
      [mspId, role, name, caCertPem],
      manager,
    );
  }

  /**
   * The ledger's reputation record (decayed weight and sum as of `asOfMs`); an older record (fewer
   * ratings and abandonments in all) never overwrites a newer one.
   */
  async setReputation(manager: EntityManager, r: StoredReputation): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('participants')} SET reputation_count = $2, reputation_sum = $3, reputation_milli = $4, reputation_abandonments = $5,
         reputation_weight_micro = $6, reputation_sum_micro = $7, reputation_as_of_ms = $8, reputation_half_life_ms = $9, updated_at = now()
       WHERE msp_id = $1 AND reputation_count + reputation_abandonments <= $2::integer + $5::integer`,
      [r.mspId, r.count, r.sum, r.scoreMilli, r.abandonments, r.weightMicro, r.sumMicro, r.asOfMs, r.halfLifeMs],
      manager,
    );
  }

  /** The ledger's sanction or its lifting; an older one (by ledger time) never overwrites a newer one. */
  async setSanction(manager: EntityManager, s: { mspId: string; suspended: boolean; reason: string; atMs: number }): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('participants')} SET suspended = $2, sanction_reason = $3, sanction_at_ms = $4, updated_at = now() WHERE msp_id = $1 AND sanction_at_ms <= $4`,
      [s.mspId, s.suspended, s.reason, s.atMs],
      manager,
    );
  }

  /** A failed network command: the pending registration and the identities it was enrolling fail. */
  async commandFailed(manager: EntityManager, commandId: string, code: string, message: string): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('participants')} SET status = 'failed', failure_code = $2, failure_message = $3, updated_at = now() WHERE command_id = $1 AND status = 'pending'`,
      [commandId, code, message],
      manager,
    );
    await this.store.query(
      `UPDATE ${this.store.t('identities')} SET status = 'failed', failure_code = $2, failure_message = $3, updated_at = now() WHERE command_id = $1 AND status <> 'enrolled'`,
      [commandId, code, message],
      manager,
    );
  }

  // ---------------------------------------------------------------- identities

  async insertIdentity(manager: EntityManager, i: { mspId: string; enrollmentId: string; csrPem: string; status: 'pending' | 'requested'; commandId: string }): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('identities')} (msp_id, enrollment_id, status, csr_pem, command_id) VALUES ($1, $2, $3, $4, $5)`,
      [i.mspId, i.enrollmentId, i.status, i.csrPem, i.commandId],
      manager,
    );
  }

  /** Forgets the identities of an earlier (failed) registration that never got a certificate. */
  async deleteUnenrolledIdentities(manager: EntityManager, mspId: string): Promise<void> {
    await this.store.query(`DELETE FROM ${this.store.t('identities')} WHERE msp_id = $1 AND status <> 'enrolled'`, [mspId], manager);
  }

  async identityExists(manager: EntityManager, mspId: string, enrollmentId: string): Promise<boolean> {
    const rows = await this.store.query(`SELECT 1 FROM ${this.store.t('identities')} WHERE msp_id = $1 AND enrollment_id = $2`, [mspId, enrollmentId], manager);
    return rows.length > 0;
  }

  async findIdentity(mspId: string, enrollmentId: string): Promise<IdentityRow | undefined> {
    const [row] = await this.store.query<IdentityRow>(
      `SELECT status, certificate_pem, ca_cert_pem, failure_code, failure_message FROM ${this.store.t('identities')} WHERE msp_id = $1 AND enrollment_id = $2`,
      [mspId, enrollmentId],
    );
    return row;
  }

  /** The identities waiting for their organisation's onboarding, now marked requested (locked until commit). */
  async requestPendingIdentities(manager: EntityManager, mspId: string): Promise<Array<{ enrollment_id: string; csr_pem: string; command_id: string }>> {
    const t = this.store.t('identities');
    const pending = await this.store.query<{ enrollment_id: string; csr_pem: string; command_id: string }>(
      `SELECT enrollment_id, csr_pem, command_id FROM ${t} WHERE msp_id = $1 AND status = 'pending' ORDER BY created_at FOR UPDATE`,
      [mspId],
      manager,
    );
    await this.store.query(`UPDATE ${t} SET status = 'requested', updated_at = now() WHERE msp_id = $1 AND status = 'pending'`, [mspId], manager);
    return pending;
  }

  async identityEnrolled(manager: EntityManager, e: { mspId: string; enrollmentId: string; certificatePem: string; caCertPem: string }): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('identities')} SET status = 'enrolled', certificate_pem = $3, ca_cert_pem = $4, failure_code = NULL, failure_message = NULL, updated_at = now()
       WHERE msp_id = $1 AND enrollment_id = $2`,
      [e.mspId, e.enrollmentId, e.certificatePem, e.caCertPem],
      manager,
    );
  }
}
