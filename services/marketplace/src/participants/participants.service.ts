import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import type { NetworkEvent } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { forbidden, MarketplaceError } from '../errors';
import { networkCommandMessage } from '../ledger/commands';
import { Store } from '../store';
import { ParticipantsRepository, type ParticipantRow } from './participants.repository';
import { csrPemSchema, enrollmentIdSchema, mspIdSchema, parseInput, textSchema } from '../validation';

export const registrationSchema = z.strictObject({
  mspId: mspIdSchema.refine((m) => m !== 'OperatorMSP', 'is the operator, which is not a participant'),
  role: z.enum(['DSP', 'VSP']),
  name: textSchema(128),
  /**
   * The first identity, enrolled through the operator at the CA it creates for the organisation.
   * Omitted: the organisation runs its own CA in its own trust domain (it published its MSP package)
   * and signs in with identities that CA issues; the operator enrolls none of them.
   */
  identity: z.strictObject({ enrollmentId: enrollmentIdSchema, csrPem: csrPemSchema }).optional(),
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

const onboardId = (mspId: string) => `marketplace:onboard:${mspId}:${randomUUID()}`;
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

  async register(body: unknown): Promise<{ mspId: string; status: 'pending'; commandId: string }> {
    const input = parseInput(registrationSchema, body, 'body');
    const topic = this.store.settings.topics.networkCommands;
    return this.store.write(async (manager, send) => {
      const commandId = onboardId(input.mspId);
      if (!(await this.repository.register(manager, { mspId: input.mspId, role: input.role, name: input.name, commandId }))) {
        throw new MarketplaceError('PARTICIPANT_EXISTS', `${input.mspId} is already registered`);
      }
      await this.repository.deleteUnenrolledIdentities(manager, input.mspId);
      if (input.identity) await this.#insertIdentity(manager, input.mspId, input.identity.enrollmentId, input.identity.csrPem, 'pending');
      await send(networkCommandMessage(topic, { kind: 'onboard-participant', commandId, mspId: input.mspId, role: input.role, name: input.name, ...(input.identity ? {} : { ownCa: true }) }));
      return { mspId: input.mspId, status: 'pending' as const, commandId };
    });
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
      ...participantView(row),
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

  /** The participant an authenticated caller acts for, which must be active on the ledger. */
  async activeParticipant(mspId: string, manager?: EntityManager): Promise<ParticipantView> {
    const row = await this.repository.find(mspId, manager);
    if (!row || row.status !== 'active') throw forbidden(`${mspId} is not an active participant on the ledger`);
    return { ...participantView(row), offers: [] };
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

  async onReputation(manager: EntityManager, reputation: { mspId: string; count: number; sum: number; scoreMilli: number }): Promise<void> {
    await this.repository.setReputation(manager, reputation);
  }

  async #insertIdentity(manager: EntityManager, mspId: string, enrollmentId: string, csrPem: string, status: 'pending' | 'requested'): Promise<string> {
    const commandId = enrollId(mspId, enrollmentId);
    await this.repository.insertIdentity(manager, { mspId, enrollmentId, csrPem, status, commandId });
    return commandId;
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
