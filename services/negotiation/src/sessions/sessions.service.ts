import { randomUUID, createHash, X509Certificate } from 'node:crypto';
import type { IdentityDirectory, Principal } from '@datawell/auth';
import { agreementReachedCloudEvent, type AgreementReached } from '@datawell/contracts';
import { canonicalJson, proposalSigningText } from '@datawell/domain';
import { writeOutbox, type WakeOutbox } from '@datawell/messaging';
import type { DaosRepository } from '../daos/daos.repository';
import { acceptanceState, type AcceptanceState } from './acceptance-rules';
import { buildAgreement, groupLevel, groupName, partiesOf, signingBytes, type Agreement, type Role, type SessionPlan } from './agreement';
import { negotiationError } from './negotiation.errors';
import { acceptanceSchema, createSessionSchema, parseInput, proposalSchema, signedProposalEnvelopeSchema } from './proposal.schema';
import type { AcceptanceRecord, HistoryRecord, SessionRecord, SessionsRepository } from './sessions.repository';
import { callerCertificate, certificateFingerprint, requireSignature } from './signatures';

export const NEGOTIATION_SOURCE = 'urn:datawell:negotiation';

export interface SessionsServiceOptions {
  readonly sessions: SessionsRepository;
  readonly daos: DaosRepository;
  readonly directory: Pick<IdentityDirectory, 'get'>;
  readonly schema: string;
  readonly agreementsTopic: string;
  /** Called after a transaction wrote to the outbox (the relay's `notify`). */
  readonly wakeOutbox?: WakeOutbox;
}

export interface SessionView {
  readonly id: string;
  readonly kind: 'formation' | 'join';
  readonly daoId: string;
  readonly version: number;
  readonly status: SessionRecord['status'];
  readonly createdBy: string;
  readonly parties: ReadonlyArray<{ mspId: string; role: Role; group: string; required: boolean }>;
  readonly revision: number;
  readonly proposal: {
    revision: number;
    proposedBy: string;
    enrollmentId: string;
    proposedAt: string;
    agreement: Agreement;
    /** The author's signature (null for a revision proposed before proposals were signed). */
    signed: ProposalSignature | null;
  } | null;
  readonly acceptances: ReadonlyArray<Omit<AcceptanceRecord, 'certificatePem' | 'signature'>>;
  readonly acceptance: AcceptanceState | null;
  readonly agreementId: string | null;
  readonly failure: SessionRecord['failure'];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** How a revision's author signed it: over proposalSigningText(sessionId, answers, proposal) of @datawell/domain. */
export interface ProposalSignature {
  readonly answers: number;
  readonly certificateFingerprint: string;
  readonly signature: string;
}

/** A line of the caller's session list. */
export interface SessionSummary {
  readonly id: string;
  readonly kind: 'formation' | 'join';
  readonly daoId: string;
  readonly version: number;
  readonly status: SessionRecord['status'];
  readonly createdBy: string;
  readonly parties: readonly string[];
  readonly revision: number;
  readonly agreementId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface AgreementToSign {
  readonly sessionId: string;
  readonly revision: number;
  readonly agreement: Agreement;
  /** canonicalJson(agreement): sign exactly these UTF-8 bytes (ECDSA-SHA256, DER, base64). */
  readonly canonical: string;
  readonly canonicalBase64: string;
  readonly sha256: string;
}

/** Sessions, proposals and signed acceptances (docs/negotiation.md). */
export class SessionsService {
  constructor(private readonly o: SessionsServiceOptions) {}

  async create(principal: Principal, body: unknown): Promise<SessionView> {
    const input = parseInput(createSessionSchema, body, 'session');
    let plan: SessionPlan;
    if (input.kind === 'formation') {
      if (principal.role !== 'DSP') throw negotiationError('FORBIDDEN', `only a DSP opens a formation session; ${principal.mspId} is a ${principal.role}`);
      const msps = unique([principal.mspId, ...input.parties]);
      const parties = [];
      for (const mspId of msps) parties.push({ mspId, role: await this.#roleOf(mspId) });
      if (!parties.some((p) => p.role === 'VSP')) throw negotiationError('INVALID_REQUEST', 'parties: a formation needs at least one VSP');
      if (await this.o.daos.exists(input.daoId)) throw negotiationError('DAO_EXISTS', `DAO ${input.daoId} exists already; join it instead`);
      plan = { kind: 'formation', daoId: input.daoId, version: 1, parties };
    } else {
      if (principal.role !== 'VSP') throw negotiationError('FORBIDDEN', `only a VSP opens a join session; ${principal.mspId} is a ${principal.role}`);
      const joiners = unique([principal.mspId, ...input.joiners]);
      for (const mspId of joiners) {
        if ((await this.#roleOf(mspId)) !== 'VSP') throw negotiationError('INVALID_REQUEST', `joiners: ${mspId} is not a VSP`);
      }
      const current = await this.o.daos.current(input.daoId);
      if (!current) throw negotiationError('DAO_NOT_FOUND', `no DAO ${input.daoId} on the ledger`);
      if (current.status !== 'active') throw negotiationError('DAO_NOT_ACTIVE', `version ${current.version} of DAO ${input.daoId} is ${current.status}`);
      for (let level = 0; level <= current.version; level++) {
        if (!current.activeMembers.some((m) => groupLevel(m.group) === level)) {
          throw negotiationError('DAO_NOT_ACTIVE', `group ${groupName(level)} of DAO ${input.daoId} has no active member`);
        }
      }
      const already = joiners.filter((j) => current.activeMembers.some((m) => m.mspId === j));
      if (already.length > 0) throw negotiationError('ALREADY_MEMBER', `${already.join(', ')} already member(s) of DAO ${input.daoId}`);
      if (current.version >= 9999) throw negotiationError('DAO_NOT_ACTIVE', `DAO ${input.daoId} has reached its last version`);
      plan = { kind: 'join', daoId: input.daoId, version: current.version + 1, existing: current.activeMembers, joiners };
    }
    const id = `ses-${randomUUID()}`;
    await this.o.sessions.dataSource.transaction(async (manager) => {
      await this.o.sessions.insert(manager, { id, kind: plan.kind, daoId: plan.daoId, version: plan.version, plan, createdBy: principal.mspId });
      await this.o.sessions.addHistory(manager, id, { change: 'created', mspId: principal.mspId, enrollmentId: principal.enrollmentId, detail: { kind: plan.kind, daoId: plan.daoId, version: plan.version, parties: partiesOf(plan) } });
    });
    return this.view(principal, id);
  }

  /**
   * A proposal or counter-proposal, signed by its author (docs/negotiation.md, "Signed proposals").
   * Checked in this order, nothing stored on any failure: the envelope (400 INVALID_REQUEST), the
   * proposal (400 INVALID_PROPOSAL), the certificate is the caller's (400 INVALID_CERTIFICATE, 403
   * CERTIFICATE_MISMATCH), the signature over {sessionId, answers, proposal} (400 INVALID_SIGNATURE),
   * then the session: a party's (404), open (409 SESSION_CLOSED), `answers` its current revision
   * (409 STALE_REVISION), the proposal against its plan (400 INVALID_PROPOSAL, OWNERSHIP_INCONSISTENT).
   */
  async propose(principal: Principal, sessionId: string, body: unknown): Promise<SessionView> {
    const input = parseInput(signedProposalEnvelopeSchema, body, 'signed proposal');
    const proposal = parseInput(proposalSchema, input.proposal, 'proposal', 'INVALID_PROPOSAL');
    const signer = callerCertificate(principal, input.certificatePem);
    requireSignature(signer, Buffer.from(proposalSigningText(sessionId, input.answers, input.proposal), 'utf8'), input.signature, `{sessionId, answers: ${input.answers}, proposal} of session ${sessionId}`);
    await this.o.sessions.dataSource.transaction(async (manager) => {
      const session = await this.#openSessionOf(principal, sessionId, manager);
      if (input.answers !== session.revision) {
        throw negotiationError('STALE_REVISION', `the proposal answers revision ${input.answers}, but the session is at revision ${session.revision}: look again and answer the current one`, { sessionId });
      }
      const revision = session.revision + 1;
      const agreement = buildAgreement(session.plan, proposal, agreementIdOf(session.id, revision));
      const signed = { answers: input.answers, certificatePem: input.certificatePem, signature: input.signature };
      await this.o.sessions.addRevision(manager, session.id, { revision, proposedBy: principal.mspId, enrollmentId: principal.enrollmentId, proposal: input.proposal, agreement, signed });
      await this.o.sessions.addHistory(manager, session.id, {
        revision,
        change: 'proposed',
        mspId: principal.mspId,
        enrollmentId: principal.enrollmentId,
        detail: {
          agreementId: agreement.agreementId,
          betaPpm: agreement.betaPpm,
          documentDigest: agreement.documentDigest,
          answers: input.answers,
          proposal: input.proposal,
          certificateFingerprint: signer.fingerprint,
          certificatePem: input.certificatePem,
          signature: input.signature,
        },
      });
    });
    return this.view(principal, sessionId);
  }

  async view(principal: Principal | undefined, sessionId: string): Promise<SessionView> {
    const session = await this.#sessionOf(principal, sessionId);
    const current = session.revision > 0 ? await this.o.sessions.revision(session.id, session.revision) : undefined;
    const acceptances = current ? await this.o.sessions.acceptances(session.id, current.revision) : [];
    const state = current ? acceptanceState(session.plan, new Set(acceptances.map((a) => a.mspId))) : null;
    return {
      id: session.id,
      kind: session.kind,
      daoId: session.daoId,
      version: session.version,
      status: session.status,
      createdBy: session.createdBy,
      parties: partyList(session.plan),
      revision: session.revision,
      proposal: current
        ? {
            revision: current.revision,
            proposedBy: current.proposedBy,
            enrollmentId: current.enrollmentId,
            proposedAt: current.createdAt,
            agreement: current.agreement,
            signed: current.signed
              ? { answers: current.signed.answers, certificateFingerprint: certificateFingerprint(new X509Certificate(current.signed.certificatePem)), signature: current.signed.signature }
              : null,
          }
        : null,
      acceptances: acceptances.map(({ mspId, enrollmentId, acceptedAt }) => ({ mspId, enrollmentId, acceptedAt })),
      acceptance: state,
      agreementId: session.agreementId,
      failure: session.failure,
      createdAt: session.createdAt,
      updatedAt: session.updatedAt,
    };
  }

  /** The caller's sessions (at most 100, latest change first): what a party's console lists. */
  async list(principal: Principal): Promise<SessionSummary[]> {
    const sessions = await this.o.sessions.ofParty(principal.mspId, 100);
    return sessions.map((s) => ({
      id: s.id,
      kind: s.kind,
      daoId: s.daoId,
      version: s.version,
      status: s.status,
      createdBy: s.createdBy,
      parties: partiesOf(s.plan),
      revision: s.revision,
      agreementId: s.agreementId,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    }));
  }

  async history(principal: Principal | undefined, sessionId: string): Promise<HistoryRecord[]> {
    const session = await this.#sessionOf(principal, sessionId);
    return this.o.sessions.history(session.id);
  }

  async agreement(principal: Principal, sessionId: string): Promise<AgreementToSign> {
    const session = await this.#sessionOf(principal, sessionId);
    if (session.revision === 0) throw negotiationError('NO_PROPOSAL', `session ${session.id} has no proposal yet`, { sessionId: session.id });
    const current = await this.o.sessions.revision(session.id, session.revision);
    if (!current) throw new Error(`revision ${session.revision} of session ${session.id} is missing`);
    const canonical = canonicalJson(current.agreement);
    return {
      sessionId: session.id,
      revision: current.revision,
      agreement: current.agreement,
      canonical,
      canonicalBase64: Buffer.from(canonical, 'utf8').toString('base64'),
      sha256: createHash('sha256').update(canonical).digest('hex'),
    };
  }

  async accept(principal: Principal, sessionId: string, body: unknown): Promise<SessionView> {
    const input = parseInput(acceptanceSchema, body, 'acceptance');
    const signer = callerCertificate(principal, input.certificatePem);
    const fingerprint = signer.fingerprint;
    let agreed = false;
    await this.o.sessions.dataSource.transaction(async (manager) => {
      const session = await this.#lockedSessionOf(principal, sessionId, manager);
      // After the agreement, a party may still sign the agreed revision (a late signature, kept in
      // the history); it changes nothing that was published.
      const late = session.status !== 'open';
      if (late && input.revision !== session.revision) throw negotiationError('SESSION_CLOSED', `session ${sessionId} is ${session.status}`, { sessionId });
      if (session.revision === 0) throw negotiationError('NO_PROPOSAL', `session ${session.id} has no proposal to accept`, { sessionId: session.id });
      if (input.revision !== session.revision) {
        throw negotiationError('STALE_REVISION', `revision ${input.revision} is not the current proposal (revision ${session.revision})`, { sessionId: session.id });
      }
      const current = await this.o.sessions.revision(session.id, session.revision, manager);
      if (!current) throw new Error(`revision ${session.revision} of session ${session.id} is missing`);
      requireSignature(signer, signingBytes(current.agreement), input.signature, `canonicalJson(agreement) of revision ${current.revision}`);
      const recorded = await this.o.sessions.addAcceptance(manager, session.id, current.revision, {
        mspId: principal.mspId,
        enrollmentId: principal.enrollmentId,
        certificatePem: input.certificatePem,
        signature: input.signature,
      });
      if (!recorded) return;
      await this.o.sessions.addHistory(manager, session.id, {
        revision: current.revision,
        change: 'accepted',
        mspId: principal.mspId,
        enrollmentId: principal.enrollmentId,
        detail: { certificateFingerprint: fingerprint, ...(late ? { late: true, status: session.status } : {}) },
      });
      if (late) return;
      const acceptances = await this.o.sessions.acceptances(session.id, current.revision, manager);
      const state = acceptanceState(session.plan, new Set(acceptances.map((a) => a.mspId)));
      if (!state.complete) return;
      const event: AgreementReached = {
        sessionId: session.id,
        agreementId: current.agreement.agreementId,
        daoId: session.daoId,
        version: session.version,
        agreement: current.agreement as unknown as AgreementReached['agreement'],
        signatures: acceptances.map(({ mspId, enrollmentId, certificatePem, signature }) => ({ mspId, enrollmentId, certificatePem, signature })),
      };
      const message = agreementReachedCloudEvent(event, NEGOTIATION_SOURCE);
      await writeOutbox(manager, this.o.schema, [{ id: message.id, topic: this.o.agreementsTopic, key: session.daoId, payload: message }]);
      await this.o.sessions.setStatus(manager, session.id, 'agreed', { agreementId: event.agreementId });
      await this.o.sessions.addHistory(manager, session.id, {
        revision: current.revision,
        change: 'agreed',
        detail: { agreementId: event.agreementId, documentDigest: current.agreement.documentDigest, signedBy: acceptances.map((a) => a.mspId), ...state },
      });
      agreed = true;
    });
    if (agreed) this.o.wakeOutbox?.();
    return this.view(principal, sessionId);
  }

  async #roleOf(mspId: string): Promise<'DSP' | 'VSP'> {
    const entry = await this.o.directory.get(mspId);
    if (!entry || entry.status !== 'active' || entry.role === 'OPERATOR') throw negotiationError('UNKNOWN_PARTY', `${mspId} is not an active registered participant`);
    return entry.role;
  }

  /** A session the caller (when given) is a party of. */
  async #sessionOf(principal: Principal | undefined, sessionId: string, manager?: Parameters<SessionsRepository['get']>[1]): Promise<SessionRecord> {
    return partySession(principal, sessionId, await this.o.sessions.get(sessionId, manager));
  }

  /** The session locked for this transaction, of which the caller is a party. */
  async #lockedSessionOf(principal: Principal, sessionId: string, manager: Parameters<SessionsRepository['lock']>[0]): Promise<SessionRecord> {
    return partySession(principal, sessionId, await this.o.sessions.lock(manager, sessionId));
  }

  async #openSessionOf(principal: Principal, sessionId: string, manager: Parameters<SessionsRepository['lock']>[0]): Promise<SessionRecord> {
    const session = await this.#lockedSessionOf(principal, sessionId, manager);
    if (session.status !== 'open') throw negotiationError('SESSION_CLOSED', `session ${sessionId} is ${session.status}`, { sessionId });
    return session;
  }
}

/** Deterministic per revision, so a retried command is the same agreement. */
export const agreementIdOf = (sessionId: string, revision: number) => `agr-${sessionId.replace(/^ses-/, '')}-r${revision}`;

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function partyList(plan: SessionPlan): SessionView['parties'] {
  if (plan.kind === 'formation') {
    return plan.parties.map((p) => ({ mspId: p.mspId, role: p.role, group: p.role === 'DSP' ? 'D' : 'J1', required: true }));
  }
  return [
    ...plan.existing.map((m) => ({ mspId: m.mspId, role: m.role, group: m.group, required: m.group === 'D' })),
    ...plan.joiners.map((mspId) => ({ mspId, role: 'VSP' as const, group: groupName(plan.version), required: true })),
  ];
}

/**
 * The session if the caller (when given) is one of its parties. To anyone else a session answers
 * exactly as an unknown id does, so that ids cannot be probed (issue 11).
 */
function partySession(principal: Principal | undefined, sessionId: string, session: SessionRecord | undefined | null): SessionRecord {
  if (!session || (principal && !partiesOf(session.plan).includes(principal.mspId))) {
    throw negotiationError('SESSION_NOT_FOUND', `no session ${sessionId}`, { sessionId });
  }
  return session;
}
