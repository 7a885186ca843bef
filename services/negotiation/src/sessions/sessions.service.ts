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
import { isNegotiating, nextState, refusalOf, statusOf, TERMINATION_REASONS, type SessionState } from './session-states';
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
  /** A session still negotiating with no change for this long is terminated (SESSION_EXPIRED). */
  readonly idleSeconds: number;
}

/** A state the session entered, when, and (a termination) why: the session's timeline. */
export interface StateChange {
  readonly state: SessionState;
  readonly at: string;
  readonly change: HistoryRecord['change'];
  readonly revision: number | null;
  /** A termination's reason code and message. */
  readonly reason: { readonly code: string; readonly message: string } | null;
}

export interface SessionView {
  readonly id: string;
  readonly kind: 'formation' | 'join';
  readonly daoId: string;
  readonly version: number;
  readonly status: SessionRecord['status'];
  /** The EDC-like state (docs/negotiation.md, "States"); `status` is its older, coarser name. */
  readonly state: SessionState;
  readonly stateChangedAt: string;
  /** When the session ends (SESSION_EXPIRED) if nothing changes before; null once it no longer negotiates. */
  readonly deadline: string | null;
  /** Every state entered, oldest first. */
  readonly timeline: readonly StateChange[];
  readonly createdBy: string;
  /** The accepted admit-member proposal a join was opened for (and the member whose bridge opened it); null otherwise. */
  readonly admission: SessionAdmission | null;
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

export interface SessionAdmission {
  readonly proposalId: string;
  readonly openedBy: string;
}

const admissionOf = (plan: SessionPlan): SessionAdmission | null => (plan.kind === 'join' && plan.admission ? { proposalId: plan.admission.proposalId, openedBy: plan.admission.openedBy } : null);

/** PostgreSQL's unique_violation, as TypeORM's QueryFailedError carries it. */
const isUniqueViolation = (error: unknown): boolean => (error as { driverError?: { code?: string }; code?: string }).driverError?.code === '23505' || (error as { code?: string }).code === '23505';

/** A line of the caller's session list. */
export interface SessionSummary {
  readonly id: string;
  readonly kind: 'formation' | 'join';
  readonly daoId: string;
  readonly version: number;
  readonly status: SessionRecord['status'];
  readonly state: SessionState;
  readonly stateChangedAt: string;
  readonly deadline: string | null;
  readonly createdBy: string;
  readonly admission: SessionAdmission | null;
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
    // The marketplace's sanction (docs/marketplace.md): a suspended participant opens no negotiation
    // (and #roleOf refuses it as a party: only active participants take part).
    if ((await this.o.directory.get(principal.mspId))?.status === 'suspended') throw negotiationError('FORBIDDEN', `${principal.mspId} is suspended by the marketplace and may not open negotiations`);
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
      const { admission } = input;
      if (admission) {
        // Idempotent: the join of this admission is opened once; later openings answer it.
        const opened = await this.o.sessions.byAdmission(input.daoId, admission.proposalId);
        if (opened) return this.view(principal, opened);
        if (input.joiners.length !== 1) throw negotiationError('INVALID_REQUEST', 'joiners: an admission names exactly the one admitted party');
      } else if (principal.role !== 'VSP') throw negotiationError('FORBIDDEN', `only a VSP opens a join session; ${principal.mspId} is a ${principal.role}`);
      const joiners = admission ? [...input.joiners] : unique([principal.mspId, ...input.joiners]);
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
      if (admission && !current.activeMembers.some((m) => m.mspId === principal.mspId)) {
        throw negotiationError('NOT_A_MEMBER', `only an active member of DAO ${input.daoId} opens the join of its admission; ${principal.mspId} is none`);
      }
      const already = joiners.filter((j) => current.activeMembers.some((m) => m.mspId === j));
      if (already.length > 0) throw negotiationError('ALREADY_MEMBER', `${already.join(', ')} already member(s) of DAO ${input.daoId}`);
      if (current.version >= 9999) throw negotiationError('DAO_NOT_ACTIVE', `DAO ${input.daoId} has reached its last version`);
      plan = { kind: 'join', daoId: input.daoId, version: current.version + 1, existing: current.activeMembers, joiners, ...(admission ? { admission: { proposalId: admission.proposalId, openedBy: principal.mspId } } : {}) };
    }
    const id = `ses-${randomUUID()}`;
    const admission = plan.kind === 'join' ? plan.admission : undefined;
    try {
      await this.o.sessions.dataSource.transaction(async (manager) => {
        await this.o.sessions.insert(manager, { id, kind: plan.kind, daoId: plan.daoId, version: plan.version, plan, createdBy: principal.mspId });
        await this.o.sessions.addHistory(manager, id, {
          change: 'created',
          state: 'requested',
          mspId: principal.mspId,
          enrollmentId: principal.enrollmentId,
          detail: { kind: plan.kind, daoId: plan.daoId, version: plan.version, parties: partiesOf(plan), ...(admission ? { admission } : {}) },
        });
      });
    } catch (error) {
      // Another member opened the same admission's join at the same moment (a unique index): answer that one.
      const opened = admission && isUniqueViolation(error) ? await this.o.sessions.byAdmission(plan.daoId, admission.proposalId) : undefined;
      if (!opened) throw error;
      return this.view(principal, opened);
    }
    return this.view(principal, id);
  }

  /**
   * A proposal or counter-proposal, signed by its author (docs/negotiation.md, "Signed proposals").
   * Checked in this order, nothing stored on any failure: the envelope (400 INVALID_REQUEST), the
   * proposal (400 INVALID_PROPOSAL), the certificate is the caller's (400 INVALID_CERTIFICATE, 403
   * CERTIFICATE_MISMATCH), the signature over {sessionId, answers, proposal} (400 INVALID_SIGNATURE),
   * then the session: a party's (404), still negotiating (409 SESSION_TERMINATED, SESSION_CLOSED;
   * idle past its deadline it is terminated first), `answers` its current revision (409
   * STALE_REVISION), the proposal against its plan (400 INVALID_PROPOSAL, OWNERSHIP_INCONSISTENT).
   */
  async propose(principal: Principal, sessionId: string, body: unknown): Promise<SessionView> {
    const input = parseInput(signedProposalEnvelopeSchema, body, 'signed proposal');
    const proposal = parseInput(proposalSchema, input.proposal, 'proposal', 'INVALID_PROPOSAL');
    const signer = callerCertificate(principal, input.certificatePem);
    requireSignature(signer, Buffer.from(proposalSigningText(sessionId, input.answers, input.proposal), 'utf8'), input.signature, `{sessionId, answers: ${input.answers}, proposal} of session ${sessionId}`);
    await this.#expireIfIdle(principal, sessionId);
    await this.o.sessions.dataSource.transaction(async (manager) => {
      const session = await this.#openSessionOf(principal, sessionId, manager);
      if (input.answers !== session.revision) {
        throw negotiationError('STALE_REVISION', `the proposal answers revision ${input.answers}, but the session is at revision ${session.revision}: look again and answer the current one`, { sessionId });
      }
      const revision = session.revision + 1;
      const predecessorGrid = session.plan.kind === 'join' ? await this.o.daos.periodGrid(session.plan.daoId, session.plan.version - 1) : undefined;
      const predecessorWorkloads = session.plan.kind === 'join' ? await this.o.daos.agreedWorkloads(session.plan.daoId, session.plan.version - 1) : undefined;
      const agreement = buildAgreement(session.plan, proposal, agreementIdOf(session.id, revision), predecessorGrid, predecessorWorkloads);
      const signed = { answers: input.answers, certificatePem: input.certificatePem, signature: input.signature };
      await this.o.sessions.addRevision(manager, session.id, { revision, proposedBy: principal.mspId, enrollmentId: principal.enrollmentId, proposal: input.proposal, agreement, signed });
      const state = nextState(session.state, { kind: 'proposed' });
      await this.o.sessions.setState(manager, session.id, state, statusOf(state));
      await this.o.sessions.addHistory(manager, session.id, {
        revision,
        change: 'proposed',
        state,
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
    const history = await this.o.sessions.history(session.id);
    return {
      id: session.id,
      kind: session.kind,
      daoId: session.daoId,
      version: session.version,
      status: session.status,
      state: session.state,
      stateChangedAt: session.stateChangedAt,
      deadline: this.#deadlineOf(session),
      timeline: timelineOf(history),
      createdBy: session.createdBy,
      admission: admissionOf(session.plan),
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
      state: s.state,
      stateChangedAt: s.stateChangedAt,
      deadline: this.#deadlineOf(s),
      createdBy: s.createdBy,
      admission: admissionOf(s.plan),
      parties: partiesOf(s.plan),
      revision: s.revision,
      agreementId: s.agreementId,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    }));
  }

  /** The seq of the session's latest history entry (the live route's `ready`). */
  latestSeq(sessionId: string): Promise<number> {
    return this.o.sessions.latestSeq(sessionId);
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
    await this.#expireIfIdle(principal, sessionId);
    await this.o.sessions.dataSource.transaction(async (manager) => {
      const session = await this.#lockedSessionOf(principal, sessionId, manager);
      if (session.state === 'terminated') throw refused(session);
      // After the agreement, a party may still sign the agreed revision (a late signature, kept in
      // the history); it changes nothing that was published.
      const late = !isNegotiating(session.state);
      if (late && input.revision !== session.revision) throw refused(session);
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
        ...(late ? {} : { state: nextState(session.state, { kind: 'accepted', complete: false }) }),
        detail: { certificateFingerprint: fingerprint, ...(late ? { late: true, status: session.status, state: session.state } : {}) },
      });
      if (late) return;
      const acceptances = await this.o.sessions.acceptances(session.id, current.revision, manager);
      const state = acceptanceState(session.plan, new Set(acceptances.map((a) => a.mspId)));
      if (!state.complete) {
        const next = nextState(session.state, { kind: 'accepted', complete: false });
        if (next !== session.state) await this.o.sessions.setState(manager, session.id, next, statusOf(next));
        else await this.o.sessions.touch(manager, session.id);
        return;
      }
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
      const next = nextState(session.state, { kind: 'accepted', complete: true });
      await this.o.sessions.setState(manager, session.id, next, statusOf(next), { agreementId: event.agreementId });
      await this.o.sessions.addHistory(manager, session.id, {
        revision: current.revision,
        change: 'agreed',
        state: next,
        detail: { agreementId: event.agreementId, documentDigest: current.agreement.documentDigest, signedBy: acceptances.map((a) => a.mspId), ...state },
      });
      agreed = true;
    });
    if (agreed) this.o.wakeOutbox?.();
    return this.view(principal, sessionId);
  }

  /**
   * Terminates the session with SESSION_EXPIRED if it still negotiates and nothing changed for
   * `idleSeconds` (the database's clock); resolves whether it did. The idle sweep calls it for each
   * idle session, a party's write before its own transaction. Several instances may race: the row
   * lock and the re-check make one of them do it.
   */
  async expire(sessionId: string): Promise<boolean> {
    return this.o.sessions.dataSource.transaction(async (manager) => {
      const session = await this.o.sessions.lock(manager, sessionId);
      if (!session || !isNegotiating(session.state) || !(await this.o.sessions.isIdle(manager, sessionId, this.o.idleSeconds))) return false;
      const reason = { code: TERMINATION_REASONS.SESSION_EXPIRED, message: `no change for ${this.o.idleSeconds} s (the idle deadline) in state ${session.state}` };
      const state = nextState(session.state, { kind: 'expired' });
      await this.o.sessions.setState(manager, session.id, state, statusOf(state), { failure: reason });
      await this.o.sessions.addHistory(manager, session.id, { revision: session.revision || undefined, change: 'terminated', state, detail: { ...reason, from: session.state } });
      return true;
    });
  }

  /** Terminates every session idle past the deadline (at most `limit` per call); resolves how many. */
  async expireIdle(limit = 100): Promise<number> {
    let n = 0;
    for (const id of await this.o.sessions.idleSince(this.o.idleSeconds, limit)) if (await this.expire(id)) n++;
    return n;
  }

  async #expireIfIdle(principal: Principal, sessionId: string): Promise<void> {
    const session = await this.#sessionOf(principal, sessionId);
    if (isNegotiating(session.state)) await this.expire(session.id);
  }

  #deadlineOf(session: SessionRecord): string | null {
    return isNegotiating(session.state) ? new Date(Date.parse(session.updatedAt) + this.o.idleSeconds * 1000).toISOString() : null;
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
    if (!isNegotiating(session.state)) throw refused(session);
    return session;
  }
}

/** Deterministic per revision, so a retried command is the same agreement. */
export const agreementIdOf = (sessionId: string, revision: number) => `agr-${sessionId.replace(/^ses-/, '')}-r${revision}`;

/** 409 SESSION_TERMINATED (with the reason) or SESSION_CLOSED: the session no longer takes proposals or acceptances. */
function refused(session: SessionRecord) {
  const code = refusalOf(session.state);
  const why = session.state === 'terminated' && session.failure ? `: ${session.failure.code} ${session.failure.message}` : '';
  return negotiationError(code, `session ${session.id} is ${session.state}${why}`, { sessionId: session.id });
}

/** The history entries that entered a state, as the session's timeline. */
export function timelineOf(history: readonly HistoryRecord[]): StateChange[] {
  return history.flatMap((h) =>
    h.state === null
      ? []
      : [{
          state: h.state,
          at: h.at,
          change: h.change,
          revision: h.revision,
          reason: h.state === 'terminated' && typeof h.detail['code'] === 'string' ? { code: h.detail['code'], message: typeof h.detail['message'] === 'string' ? h.detail['message'] : '' } : null,
        }],
  );
}

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
