import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import type { NetworkEvent } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { forbidden, MarketplaceError } from '../errors';
import { networkCommandMessage } from '../ledger/commands';
import { Store } from '../store';
import { csrPemSchema, enrollmentIdSchema, mspIdSchema, parseInput, textSchema } from '../validation';

export const registrationSchema = z.strictObject({
  mspId: mspIdSchema.refine((m) => m !== 'OperatorMSP', 'is the operator, which is not a participant'),
  role: z.enum(['DSP', 'VSP']),
  name: textSchema(128),
  identity: z.strictObject({ enrollmentId: enrollmentIdSchema, csrPem: csrPemSchema }),
});
export const identityRequestSchema = z.strictObject({ enrollmentId: enrollmentIdSchema, csrPem: csrPemSchema });

export interface ParticipantView {
  mspId: string;
  role: 'DSP' | 'VSP';
  name: string;
  status: 'pending' | 'active' | 'failed';
  failure?: { code: string; message: string };
  reputation: { count: number; sum: number; scoreMilli: number; score: number };
  offers: Array<{ offerId: string; kind: string; title: string; status: string }>;
}

export interface IdentityView {
  mspId: string;
  enrollmentId: string;
  status: 'pending' | 'requested' | 'enrolled' | 'failed';
  certificatePem: string | null;
  caCertPem: string | null;
  failure?: { code: string; message: string };
}

interface ParticipantRow {
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
}

const onboardId = (mspId: string) => `marketplace:onboard:${mspId}:${randomUUID()}`;
const enrollId = (mspId: string, enrollmentId: string) => `marketplace:enroll:${mspId}:${enrollmentId}:${randomUUID()}`;

/**
 * Registration and enrollment through the operator's ledger bridge (network commands and events),
 * and the participant registry as the ledger records it (`ParticipantRegistered`).
 */
@Injectable()
export class ParticipantsService {
  constructor(private readonly store: Store) {}

  async register(body: unknown): Promise<{ mspId: string; status: 'pending'; commandId: string }> {
    const input = parseInput(registrationSchema, body, 'body');
    const topic = this.store.settings.topics.networkCommands;
    return this.store.write(async (manager, send) => {
      const commandId = onboardId(input.mspId);
      // Concurrent registrations of one MSP id serialise on the primary key; only a failed one may be retried.
      const written = await this.store.query(
        `INSERT INTO ${this.store.t('participants')} (msp_id, role, name, status, command_id) VALUES ($1, $2, $3, 'pending', $4)
         ON CONFLICT (msp_id) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name, status = 'pending', command_id = EXCLUDED.command_id,
           failure_code = NULL, failure_message = NULL, updated_at = now()
         WHERE ${this.store.t('participants')}.status = 'failed'
         RETURNING msp_id`,
        [input.mspId, input.role, input.name, commandId],
        manager,
      );
      if (written.length === 0) throw new MarketplaceError('PARTICIPANT_EXISTS', `${input.mspId} is already registered`);
      await this.store.query(`DELETE FROM ${this.store.t('identities')} WHERE msp_id = $1 AND status <> 'enrolled'`, [input.mspId], manager);
      await this.#insertIdentity(manager, input.mspId, input.identity.enrollmentId, input.identity.csrPem, 'pending');
      await send(networkCommandMessage(topic, { kind: 'onboard-participant', commandId, mspId: input.mspId, role: input.role, name: input.name }));
      return { mspId: input.mspId, status: 'pending' as const, commandId };
    });
  }

  /** Another user of an active participant, requested by an identity of that participant. */
  async enroll(principal: Principal, mspIdParam: string, body: unknown): Promise<{ mspId: string; enrollmentId: string; status: 'requested'; commandId: string }> {
    const mspId = parseInput(mspIdSchema, mspIdParam, 'mspId');
    const input = parseInput(identityRequestSchema, body, 'body');
    if (principal.mspId !== mspId) throw forbidden(`${principal.mspId} may not enroll identities of ${mspId}`);
    return this.store.write(async (manager, send) => {
      const participant = await this.#row(mspId, manager, true);
      if (!participant) throw new MarketplaceError('PARTICIPANT_NOT_FOUND', `no participant ${mspId}`);
      if (participant.status !== 'active') throw new MarketplaceError('WRONG_STATE', `${mspId} is ${participant.status}, not active`);
      const exists = await this.store.query(`SELECT 1 FROM ${this.store.t('identities')} WHERE msp_id = $1 AND enrollment_id = $2`, [mspId, input.enrollmentId], manager);
      if (exists.length > 0) throw new MarketplaceError('IDENTITY_EXISTS', `${input.enrollmentId} is already enrolled or being enrolled at ${mspId}`);
      const commandId = await this.#insertIdentity(manager, mspId, input.enrollmentId, input.csrPem, 'requested');
      await send(networkCommandMessage(this.store.settings.topics.networkCommands, { kind: 'enroll-identity', commandId, mspId, enrollmentId: input.enrollmentId, csrPem: input.csrPem }));
      return { mspId, enrollmentId: input.enrollmentId, status: 'requested' as const, commandId };
    });
  }

  async get(mspIdParam: string): Promise<ParticipantView> {
    const mspId = parseInput(mspIdSchema, mspIdParam, 'mspId');
    const row = await this.#row(mspId);
    if (!row) throw new MarketplaceError('PARTICIPANT_NOT_FOUND', `no participant ${mspId}`);
    const offers = await this.store.query<{ offer_id: string; kind: string; title: string; status: string }>(
      `SELECT offer_id, kind, title, status FROM ${this.store.t('offers')} WHERE owner_msp_id = $1 AND status IN ('open', 'withdrawn') ORDER BY created_at`,
      [mspId],
    );
    return {
      ...participantView(row),
      offers: offers.map((o) => ({ offerId: o.offer_id, kind: o.kind, title: o.title, status: o.status })),
    };
  }

  async identity(mspIdParam: string, enrollmentIdParam: string): Promise<IdentityView> {
    const mspId = parseInput(mspIdSchema, mspIdParam, 'mspId');
    const enrollmentId = parseInput(enrollmentIdSchema, enrollmentIdParam, 'enrollmentId');
    const [row] = await this.store.query<Record<string, string | null>>(
      `SELECT status, certificate_pem, ca_cert_pem, failure_code, failure_message FROM ${this.store.t('identities')} WHERE msp_id = $1 AND enrollment_id = $2`,
      [mspId, enrollmentId],
    );
    if (!row) throw new MarketplaceError('IDENTITY_NOT_FOUND', `no identity ${enrollmentId} at ${mspId}`);
    return {
      mspId,
      enrollmentId,
      status: row['status'] as IdentityView['status'],
      certificatePem: row['certificate_pem'] ?? null,
      caCertPem: row['ca_cert_pem'] ?? null,
      ...(row['failure_code'] ? { failure: { code: row['failure_code'], message: row['failure_message'] ?? '' } } : {}),
    };
  }

  /** The participant an authenticated caller acts for, which must be active on the ledger. */
  async activeParticipant(mspId: string, manager?: EntityManager): Promise<ParticipantView> {
    const row = await this.#row(mspId, manager);
    if (!row || row.status !== 'active') throw forbidden(`${mspId} is not an active participant on the ledger`);
    return { ...participantView(row), offers: [] };
  }

  // ---------------------------------------------------------------- from the bridge and the ledger

  /** A network event: onboarding done (enroll the first identity), identity enrolled, or a command failed. */
  async onNetworkEvent(manager: EntityManager, event: NetworkEvent, send: (...m: ReturnType<typeof networkCommandMessage>[]) => Promise<void>): Promise<void> {
    const t = (name: string) => this.store.t(name);
    switch (event.kind) {
      case 'participant-onboarded': {
        await this.#activate(manager, event.mspId, event.role, event.name, event.caCertPem);
        const pending = await this.store.query<{ enrollment_id: string; csr_pem: string; command_id: string }>(
          `SELECT enrollment_id, csr_pem, command_id FROM ${t('identities')} WHERE msp_id = $1 AND status = 'pending' ORDER BY created_at FOR UPDATE`,
          [event.mspId],
          manager,
        );
        await this.store.query(`UPDATE ${t('identities')} SET status = 'requested', updated_at = now() WHERE msp_id = $1 AND status = 'pending'`, [event.mspId], manager);
        for (const p of pending) {
          await send(networkCommandMessage(this.store.settings.topics.networkCommands, { kind: 'enroll-identity', commandId: p.command_id, mspId: event.mspId, enrollmentId: p.enrollment_id, csrPem: p.csr_pem }));
        }
        return;
      }
      case 'identity-enrolled':
        await this.store.query(
          `UPDATE ${t('identities')} SET status = 'enrolled', certificate_pem = $3, ca_cert_pem = $4, failure_code = NULL, failure_message = NULL, updated_at = now()
           WHERE msp_id = $1 AND enrollment_id = $2`,
          [event.mspId, event.enrollmentId, event.certificatePem, event.caCertPem],
          manager,
        );
        return;
      case 'command-failed':
        await this.store.query(
          `UPDATE ${t('participants')} SET status = 'failed', failure_code = $2, failure_message = $3, updated_at = now() WHERE command_id = $1 AND status = 'pending'`,
          [event.commandId, event.code, event.message],
          manager,
        );
        await this.store.query(
          `UPDATE ${t('identities')} SET status = 'failed', failure_code = $2, failure_message = $3, updated_at = now() WHERE command_id = $1 AND status <> 'enrolled'`,
          [event.commandId, event.code, event.message],
          manager,
        );
        return;
      default:
        return;
    }
  }

  /** `ParticipantRegistered` on the marketplace channel: the ledger's word that the organisation is active. */
  async onParticipantRegistered(manager: EntityManager, payload: { mspId: string; role: 'DSP' | 'VSP'; name: string; caCertPem?: string }): Promise<void> {
    await this.#activate(manager, payload.mspId, payload.role, payload.name, payload.caCertPem ?? null);
  }

  async onReputation(manager: EntityManager, reputation: { mspId: string; count: number; sum: number; scoreMilli: number }): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('participants')} SET reputation_count = $2, reputation_sum = $3, reputation_milli = $4, updated_at = now()
       WHERE msp_id = $1 AND reputation_count <= $2`,
      [reputation.mspId, reputation.count, reputation.sum, reputation.scoreMilli],
      manager,
    );
  }

  async #activate(manager: EntityManager, mspId: string, role: 'DSP' | 'VSP', name: string, caCertPem: string | null): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('participants')} (msp_id, role, name, status, ca_cert_pem) VALUES ($1, $2, $3, 'active', $4)
       ON CONFLICT (msp_id) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name, status = 'active',
         ca_cert_pem = coalesce(EXCLUDED.ca_cert_pem, ${this.store.t('participants')}.ca_cert_pem), failure_code = NULL, failure_message = NULL, updated_at = now()`,
      [mspId, role, name, caCertPem],
      manager,
    );
  }

  async #insertIdentity(manager: EntityManager, mspId: string, enrollmentId: string, csrPem: string, status: 'pending' | 'requested'): Promise<string> {
    const commandId = enrollId(mspId, enrollmentId);
    await this.store.query(
      `INSERT INTO ${this.store.t('identities')} (msp_id, enrollment_id, status, csr_pem, command_id) VALUES ($1, $2, $3, $4, $5)`,
      [mspId, enrollmentId, status, csrPem, commandId],
      manager,
    );
    return commandId;
  }

  async #row(mspId: string, manager?: EntityManager, forUpdate = false): Promise<ParticipantRow | undefined> {
    const [row] = await this.store.query<ParticipantRow>(
      `SELECT * FROM ${this.store.t('participants')} WHERE msp_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [mspId],
      manager,
    );
    return row;
  }
}

function participantView(row: ParticipantRow): Omit<ParticipantView, 'offers'> {
  return {
    mspId: row.msp_id,
    role: row.role,
    name: row.name,
    status: row.status,
    ...(row.failure_code ? { failure: { code: row.failure_code, message: row.failure_message ?? '' } } : {}),
    reputation: { count: row.reputation_count, sum: row.reputation_sum, scoreMilli: row.reputation_milli, score: row.reputation_milli / 1000 },
  };
}
