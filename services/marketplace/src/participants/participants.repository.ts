import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Reputation } from '@datawell/contracts';
import { Store } from '../store';

export type StoredReputation = Reputation;

export interface ParticipantRow {
  msp_id: string;
  role: 'DSP' | 'VSP';
  name: string;
  status: ParticipantStatus;
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
  /** Manual admission only (NULL: registered automatically, or learnt from the ledger). */
  admission: 'awaiting' | 'admitted' | null;
  /** Registered without an identity: its own CA in its own trust domain (the onboarding command's `ownCa`). */
  own_ca: boolean;
  requested_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  rejection_reason: string | null;
}

export type ParticipantStatus = 'pending' | 'active' | 'failed' | 'rejected';

/** A registration waiting for an operator administrator's decision. */
export interface AwaitingAdmissionRow {
  msp_id: string;
  role: 'DSP' | 'VSP';
  name: string;
  own_ca: boolean;
  requested_at: Date;
  /** The first identity to enroll (its CSR is kept), unless it brings its own CA. */
  enrollment_id: string | null;
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

  /**
   * A new registration, or again after a failed or rejected one; false when the MSP id is registered
   * (or being registered). `awaiting`: it waits for an operator administrator (manual admission).
   */
  async register(manager: EntityManager, p: { mspId: string; role: 'DSP' | 'VSP'; name: string; commandId: string; ownCa: boolean; awaiting: boolean }): Promise<boolean> {
    const t = this.store.t('participants');
    // Concurrent registrations of one MSP id serialise on the primary key; only a failed or rejected one may be registered again.
    const written = await this.store.query(
      `INSERT INTO ${t} (msp_id, role, name, status, command_id, own_ca, admission) VALUES ($1, $2, $3, 'pending', $4, $5, $6)
       ON CONFLICT (msp_id) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name, status = 'pending', command_id = EXCLUDED.command_id,
         own_ca = EXCLUDED.own_ca, admission = EXCLUDED.admission, requested_at = now(), decided_by = NULL, decided_at = NULL, rejection_reason = NULL,
         failure_code = NULL, failure_message = NULL, updated_at = now()
       WHERE ${t}.status IN ('failed', 'rejected')
       RETURNING msp_id`,
      [p.mspId, p.role, p.name, p.commandId, p.ownCa, p.awaiting ? 'awaiting' : null],
      manager,
    );
    return written.length > 0;
  }

  /** The registrations waiting for an operator administrator, oldest first. */
  async awaitingAdmission(): Promise<AwaitingAdmissionRow[]> {
    const p = this.store.t('participants');
    const i = this.store.t('identities');
    return this.store.query<AwaitingAdmissionRow>(
      `SELECT p.msp_id, p.role, p.name, p.own_ca, p.requested_at,
         (SELECT i.enrollment_id FROM ${i} i WHERE i.msp_id = p.msp_id AND i.status = 'pending' ORDER BY i.created_at LIMIT 1) AS enrollment_id
       FROM ${p} p WHERE p.admission = 'awaiting' AND p.status = 'pending' ORDER BY p.requested_at, p.msp_id`,
    );
  }

  /** An operator administrator admitted it: its network command is being sent in the same transaction. */
  async admitted(manager: EntityManager, mspId: string, by: string, at: Date): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('participants')} SET admission = 'admitted', decided_by = $2, decided_at = $3, updated_at = now() WHERE msp_id = $1`,
      [mspId, by, at],
      manager,
    );
  }

  /** An operator administrator rejected it, with a reason; the identities it asked for fail with it. */
  async rejected(manager: EntityManager, mspId: string, reason: string, by: string, at: Date): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('participants')} SET status = 'rejected', rejection_reason = $2, decided_by = $3, decided_at = $4, updated_at = now() WHERE msp_id = $1`,
      [mspId, reason, by, at],
      manager,
    );
    await this.store.query(
      `UPDATE ${this.store.t('identities')} SET status = 'failed', failure_code = 'REGISTRATION_REJECTED', failure_message = $2, updated_at = now() WHERE msp_id = $1 AND status = 'pending'`,
      [mspId, reason],
      manager,
    );
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
