import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import { REPUTATION_UNIT, reputationAt, reputationScoreMilli, type NetworkEvent, type Reputation, type ReputationPayload, type SanctionPayload } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { forbidden, MarketplaceError } from '../errors';
import { networkCommandMessage } from '../ledger/commands';
import { Store } from '../store';
import { ParticipantsRepository, type AwaitingAdmissionRow, type ParticipantRow, type ParticipantStatus } from './participants.repository';
import { csrPemSchema, enrollmentIdSchema, mspIdSchema, parseInput, textSchema } from '../validation';

export const registrationSchema = z.strictObject({
  mspId: mspIdSchema.refine((m) => m !== 'OperatorMSP', 'is the operator, which is not a participant'),
  role: z.enum(['DSP', 'VSP']),
  name: textSchema(128),
  /**
   * Refused (DOMAIN_REQUIRED): a first identity's CSR would have the operator make the organisation's
   * CA. The organisation runs its own CA in its own trust domain (it published its MSP package) and
   * signs in with identities that CA issues; the operator enrolls none of them.
   */
  identity: z.strictObject({ enrollmentId: enrollmentIdSchema, csrPem: csrPemSchema }).optional(),
});
export const identityRequestSchema = z.strictObject({ enrollmentId: enrollmentIdSchema, csrPem: csrPemSchema });
/** An operator administrator's rejection of a registration: the reason is shown to the organisation. */
export const rejectionSchema = z.strictObject({ reason: textSchema(500) });

export interface ParticipantView {
  mspId: string;
  role: 'DSP' | 'VSP';
  name: string;
  /** `rejected`: an operator administrator refused the registration (manual admission); it may register again. */
  status: ParticipantStatus;
  failure?: { code: string; message: string };
  /**
   * Manual admission only: `awaiting` an operator administrator's decision (nothing sent to the
   * bridge yet), or `admitted` (its onboarding command sent). Absent for an automatic registration.
   */
  admission?: 'awaiting' | 'admitted';
  /** Why an operator administrator rejected the registration, and when (ms since the epoch). */
  rejection?: { reason: string; atMs: number };
  /** Suspended by the marketplace's governance (the operator): posts no offers, opens no negotiations, joins no DAOs. */
  suspended: boolean;
  /** The standing suspension's reason, or the last lifted one's; absent when never sanctioned. */
  sanction?: { reason: string; atMs: number };
  reputation: ReputationView;
  offers: Array<{ offerId: string; kind: string; title: string; status: string }>;
}

/** Reputation read now: the ledger's record decayed to the time of the request (docs/marketplace.md). */
export interface ReputationView {
  count: number;
  sum: number;
  abandonments: number;
  scoreMilli: number;
  score: number;
  /** The decayed weight of all ratings and abandonments now (1 = one fresh rating). */
  weight: number;
  halfLifeDays: number;
  /** When the ledger last changed it (ms since the epoch; 0: never). */
  updatedAtMs: number;
}

export interface IdentityView {
  mspId: string;
  enrollmentId: string;
  status: 'pending' | 'requested' | 'enrolled' | 'failed';
  certificatePem: string | null;
  caCertPem: string | null;
  failure?: { code: string; message: string };
}

/** A registration waiting for an operator administrator (`GET /admin/admissions`). */
export interface AdmissionView {
  mspId: string;
  role: 'DSP' | 'VSP';
  name: string;
  /** When it registered (ISO 8601). */
  requestedAt: string;
  /** In its own trust domain: its own CA issues its identities (no CSR); else `enrollmentId` is the first identity to enroll. */
  ownCa: boolean;
  enrollmentId?: string;
}

export interface AdmittedView {
  mspId: string;
  status: 'pending';
  admission: 'admitted';
  /** The `onboard-participant` network command now sent (the id given at registration). */
  commandId: string;
}

export interface RejectedView {
  mspId: string;
  status: 'rejected';
  rejection: { reason: string; atMs: number };
}

const onboardId = (mspId: string) => `marketplace:onboard:${mspId}:${randomUUID()}`;

/** The network command that onboards a registration: at once (automatic admission) or when an operator administrator admits it. */
const onboardCommand = (r: { commandId: string; mspId: string; role: 'DSP' | 'VSP'; name: string; ownCa: boolean }) =>
  ({ kind: 'onboard-participant', commandId: r.commandId, mspId: r.mspId, role: r.role, name: r.name, ...(r.ownCa ? { ownCa: true } : {}) }) as const;
const decider = (principal: Principal) => `${principal.mspId}:${principal.enrollmentId}`;
const enrollId = (mspId: string, enrollmentId: string) => `marketplace:enroll:${mspId}:${enrollmentId}:${randomUUID()}`;

/**
 * Registration and enrollment through the operator's ledger bridge (network commands and events),
 * and the participant registry as the ledger records it (`ParticipantRegistered`).
 */
@Injectable()
export class ParticipantsService {
  constructor(
    private readonly store: Store,
    private readonly repository: ParticipantsRepository,
  ) {}

  /**
   * A registration: pending, its `onboard-participant` network command sent at once (automatic
   * admission), or kept until an operator administrator admits it (manual: `admission: 'awaiting'`).
   */
  async register(body: unknown): Promise<{ mspId: string; status: 'pending'; commandId: string; admission?: 'awaiting' }> {
    const input = parseInput(registrationSchema, body, 'body');
    const topic = this.store.settings.topics.networkCommands;
    const manual = this.store.settings.admission === 'manual';
    if (input.identity) {
      throw new MarketplaceError(
        'DOMAIN_REQUIRED',
        `${input.mspId} asks the operator to make its CA (a certificate request without its own domain); the operator holds no organisation: create its trust domain (./dev domain add ${input.mspId} --role ${input.role}) and register without "identity"`,
      );
    }
    return this.store.write(async (manager, send) => {
      const commandId = onboardId(input.mspId);
      // Every organisation brings its own CA from its own trust domain.
      if (!(await this.repository.register(manager, { mspId: input.mspId, role: input.role, name: input.name, commandId, ownCa: true, awaiting: manual }))) {
        throw new MarketplaceError('PARTICIPANT_EXISTS', `${input.mspId} is already registered`);
      }
      await this.repository.deleteUnenrolledIdentities(manager, input.mspId);
      if (manual) return { mspId: input.mspId, status: 'pending' as const, commandId, admission: 'awaiting' as const };
      await send(networkCommandMessage(topic, onboardCommand({ commandId, mspId: input.mspId, role: input.role, name: input.name, ownCa: true })));
      return { mspId: input.mspId, status: 'pending' as const, commandId };
    });
  }

  // ---------------------------------------------------------------- manual admission (operator administrators)

  /** The registrations waiting for an operator administrator, oldest first. */
  async admissions(): Promise<{ admissions: AdmissionView[] }> {
    return { admissions: (await this.repository.awaitingAdmission()).map(admissionView) };
  }

  /**
   * Admits a waiting registration: sends the `onboard-participant` command registration would have
   * sent (the same id and payload), in the transaction that marks it admitted. Once only: admitting
   * it again is 409 NOT_AWAITING_ADMISSION, as for any registration not waiting.
   */
  async admit(principal: Principal, mspIdParam: string): Promise<AdmittedView> {
    const mspId = parseInput(mspIdSchema, mspIdParam, 'mspId');
    return this.store.write(async (manager, send) => {
      const row = await this.#awaiting(manager, mspId);
      await this.repository.admitted(manager, mspId, decider(principal), new Date());
      const commandId = row.command_id!;
      await send(networkCommandMessage(this.store.settings.topics.networkCommands, onboardCommand({ commandId, mspId, role: row.role, name: row.name, ownCa: row.own_ca })));
      return { mspId, status: 'pending' as const, admission: 'admitted' as const, commandId };
    });
  }

  /** Rejects a waiting registration with a reason (1-500 characters); nothing is sent; the MSP id may register again. */
  async reject(principal: Principal, mspIdParam: string, body: unknown): Promise<RejectedView> {
    const mspId = parseInput(mspIdSchema, mspIdParam, 'mspId');
    const { reason } = parseInput(rejectionSchema, body, 'body');
    return this.store.write(async (manager) => {
      await this.#awaiting(manager, mspId);
      const at = new Date();
      await this.repository.rejected(manager, mspId, reason, decider(principal), at);
      return { mspId, status: 'rejected' as const, rejection: { reason, atMs: at.getTime() } };
    });
  }

  /** The registration, locked, if it waits for a decision: else 404 PARTICIPANT_NOT_FOUND or 409 NOT_AWAITING_ADMISSION. */
  async #awaiting(manager: EntityManager, mspId: string): Promise<ParticipantRow> {
    const row = await this.repository.find(mspId, manager, true);
    if (!row) throw new MarketplaceError('PARTICIPANT_NOT_FOUND', `no registration of ${mspId}`);
    if (row.status !== 'pending' || row.admission !== 'awaiting' || !row.command_id) {
      const state = row.admission === 'admitted' && row.status === 'pending' ? 'already admitted (its onboarding is under way)' : row.admission === null && row.status === 'pending' ? 'being onboarded (registered with automatic admission)' : row.status;
      throw new MarketplaceError('NOT_AWAITING_ADMISSION', `${mspId} is not waiting for admission: ${state}`);
    }
    return row;
  }

  /** Another user of an active participant, requested by an identity of that participant. */
  async enroll(principal: Principal, mspIdParam: string, body: unknown): Promise<{ mspId: string; enrollmentId: string; status: 'requested'; commandId: string }> {
    const mspId = parseInput(mspIdSchema, mspIdParam, 'mspId');
    const input = parseInput(identityRequestSchema, body, 'body');
    if (principal.mspId !== mspId) throw forbidden(`${principal.mspId} may not enroll identities of ${mspId}`);
    return this.store.write(async (manager, send) => {
      const participant = await this.repository.find(mspId, manager, true);
      if (!participant) throw new MarketplaceError('PARTICIPANT_NOT_FOUND', `no participant ${mspId}`);
      if (participant.status !== 'active') throw new MarketplaceError('WRONG_STATE', `${mspId} is ${participant.status}, not active`);
      if (await this.repository.identityExists(manager, mspId, input.enrollmentId)) throw new MarketplaceError('IDENTITY_EXISTS', `${input.enrollmentId} is already enrolled or being enrolled at ${mspId}`);
      const commandId = await this.#insertIdentity(manager, mspId, input.enrollmentId, input.csrPem, 'requested');
      await send(networkCommandMessage(this.store.settings.topics.networkCommands, { kind: 'enroll-identity', commandId, mspId, enrollmentId: input.enrollmentId, csrPem: input.csrPem }));
      return { mspId, enrollmentId: input.enrollmentId, status: 'requested' as const, commandId };
    });
  }

  async get(mspIdParam: string): Promise<ParticipantView> {
    const mspId = parseInput(mspIdSchema, mspIdParam, 'mspId');
    const row = await this.repository.find(mspId);
    if (!row) throw new MarketplaceError('PARTICIPANT_NOT_FOUND', `no participant ${mspId}`);
    const offers = await this.repository.listedOffers(mspId);
    return {
      ...participantView(row, Date.now()),
      offers: offers.map((o) => ({ offerId: o.offer_id, kind: o.kind, title: o.title, status: o.status })),
    };
  }

  async identity(mspIdParam: string, enrollmentIdParam: string): Promise<IdentityView> {
    const mspId = parseInput(mspIdSchema, mspIdParam, 'mspId');
    const enrollmentId = parseInput(enrollmentIdSchema, enrollmentIdParam, 'enrollmentId');
    const row = await this.repository.findIdentity(mspId, enrollmentId);
    if (!row) throw new MarketplaceError('IDENTITY_NOT_FOUND', `no identity ${enrollmentId} at ${mspId}`);
    return {
      mspId,
      enrollmentId,
      status: row.status,
      certificatePem: row.certificate_pem ?? null,
      caCertPem: row.ca_cert_pem ?? null,
      ...(row.failure_code ? { failure: { code: row.failure_code, message: row.failure_message ?? '' } } : {}),
    };
  }

  /**
   * The participant an authenticated caller acts for, which must be active on the ledger; with
   * `unlessSuspended`, also not suspended (403 PARTICIPANT_SUSPENDED, as the chaincode refuses it).
   */
  async activeParticipant(mspId: string, manager?: EntityManager, unlessSuspended?: string): Promise<ParticipantView> {
    const row = await this.repository.find(mspId, manager);
    if (!row || row.status !== 'active') throw forbidden(`${mspId} is not an active participant on the ledger`);
    if (unlessSuspended && row.suspended) throw new MarketplaceError('PARTICIPANT_SUSPENDED', `${mspId} is suspended (${row.sanction_reason ?? 'no reason recorded'}) and may not ${unlessSuspended}`);
    return { ...participantView(row, Date.now()), offers: [] };
  }

  // ---------------------------------------------------------------- from the bridge and the ledger

  /** A network event: onboarding done (enroll the first identity), identity enrolled, or a command failed. */
  async onNetworkEvent(manager: EntityManager, event: NetworkEvent, send: (...m: ReturnType<typeof networkCommandMessage>[]) => Promise<void>): Promise<void> {
    switch (event.kind) {
      case 'participant-onboarded': {
        await this.repository.activate(manager, event.mspId, event.role, event.name, event.caCertPem);
        const pending = await this.repository.requestPendingIdentities(manager, event.mspId);
        for (const p of pending) {
          await send(networkCommandMessage(this.store.settings.topics.networkCommands, { kind: 'enroll-identity', commandId: p.command_id, mspId: event.mspId, enrollmentId: p.enrollment_id, csrPem: p.csr_pem }));
        }
        return;
      }
      case 'identity-enrolled':
        await this.repository.identityEnrolled(manager, event);
        return;
      case 'command-failed':
        await this.repository.commandFailed(manager, event.commandId, event.code, event.message);
        return;
      default:
        return;
    }
  }

  /** `ParticipantRegistered` on the marketplace channel: the ledger's word that the organisation is active. */
  async onParticipantRegistered(manager: EntityManager, payload: { mspId: string; role: 'DSP' | 'VSP'; name: string; caCertPem?: string }): Promise<void> {
    await this.repository.activate(manager, payload.mspId, payload.role, payload.name, payload.caCertPem ?? null);
  }

  /**
   * The ledger's reputation record after a rating or an abandonment. A record from before decay (no
   * weight) counts its ratings undecayed as of `atMs`, the event's ledger time.
   */
  async onReputation(manager: EntityManager, reputation: ReputationPayload, atMs: number): Promise<void> {
    const weightMicro = reputation.weightMicro ?? reputation.count * REPUTATION_UNIT;
    const sumMicro = reputation.sumMicro ?? reputation.sum * REPUTATION_UNIT;
    await this.repository.setReputation(manager, {
      mspId: reputation.mspId,
      count: reputation.count,
      sum: reputation.sum,
      abandonments: reputation.abandonments,
      weightMicro,
      sumMicro,
      asOfMs: reputation.asOfMs ?? atMs,
      halfLifeMs: reputation.halfLifeMs,
      scoreMilli: reputation.weightMicro === undefined ? reputationScoreMilli(weightMicro, sumMicro) : reputation.scoreMilli,
    });
  }

  /** `ParticipantSuspended` / `ParticipantReinstated`: the operator's sanction as the ledger recorded it. */
  async onSanction(manager: EntityManager, sanction: SanctionPayload, suspended: boolean): Promise<void> {
    await this.repository.setSanction(manager, { mspId: sanction.mspId, suspended, reason: sanction.reason, atMs: sanction.atMs });
  }

  async #insertIdentity(manager: EntityManager, mspId: string, enrollmentId: string, csrPem: string, status: 'pending' | 'requested'): Promise<string> {
    const commandId = enrollId(mspId, enrollmentId);
    await this.repository.insertIdentity(manager, { mspId, enrollmentId, csrPem, status, commandId });
    return commandId;
  }
}

/** The participant row's stored reputation record. */
export function storedReputation(row: Pick<ParticipantRow, 'msp_id' | 'reputation_count' | 'reputation_sum' | 'reputation_milli' | 'reputation_abandonments' | 'reputation_weight_micro' | 'reputation_sum_micro' | 'reputation_as_of_ms' | 'reputation_half_life_ms'>): Reputation {
  return {
    mspId: row.msp_id,
    count: Number(row.reputation_count),
    sum: Number(row.reputation_sum),
    abandonments: Number(row.reputation_abandonments),
    weightMicro: Number(row.reputation_weight_micro),
    sumMicro: Number(row.reputation_sum_micro),
    asOfMs: Number(row.reputation_as_of_ms),
    halfLifeMs: Number(row.reputation_half_life_ms),
    scoreMilli: Number(row.reputation_milli),
  };
}

/** The reputation as of `nowMs`: the ledger's formula (libs/contracts reputationAt) on the stored record. */
export function reputationView(stored: Reputation, nowMs: number): ReputationView {
  const now = reputationAt(stored, nowMs);
  return {
    count: now.count,
    sum: now.sum,
    abandonments: now.abandonments,
    scoreMilli: now.scoreMilli,
    score: now.scoreMilli / 1000,
    weight: now.weightMicro / REPUTATION_UNIT,
    halfLifeDays: now.halfLifeMs / 86_400_000,
    updatedAtMs: stored.asOfMs,
  };
}

function participantView(row: ParticipantRow, nowMs: number): Omit<ParticipantView, 'offers'> {
  return {
    mspId: row.msp_id,
    role: row.role,
    name: row.name,
    status: row.status,
    ...(row.failure_code ? { failure: { code: row.failure_code, message: row.failure_message ?? '' } } : {}),
    ...(row.admission ? { admission: row.admission } : {}),
    ...(row.status === 'rejected' ? { rejection: { reason: row.rejection_reason ?? '', atMs: row.decided_at ? new Date(row.decided_at).getTime() : 0 } } : {}),
    suspended: row.suspended,
    ...(row.sanction_reason !== null ? { sanction: { reason: row.sanction_reason, atMs: Number(row.sanction_at_ms) } } : {}),
    reputation: reputationView(storedReputation(row), nowMs),
  };
}

function admissionView(row: AwaitingAdmissionRow): AdmissionView {
  return {
    mspId: row.msp_id,
    role: row.role,
    name: row.name,
    requestedAt: new Date(row.requested_at).toISOString(),
    ownCa: row.own_ca,
    ...(row.enrollment_id ? { enrollmentId: row.enrollment_id } : {}),
  };
}
