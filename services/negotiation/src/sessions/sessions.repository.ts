import type { DataSource, EntityManager } from 'typeorm';
import type { Agreement, SessionPlan } from './agreement';
import type { SessionState, SessionStatus } from './session-states';
import { sessionChangesChannel } from './session-changes';

type Queryable = Pick<EntityManager, 'query'>;
const q = (schema: string) => `"${schema.replace(/"/g, '""')}"`;

export type { SessionState, SessionStatus };
export type HistoryChange = 'created' | 'proposed' | 'accepted' | 'agreed' | 'formed' | 'finalized' | 'failed' | 'terminated';

export interface SessionRecord {
  readonly id: string;
  readonly kind: 'formation' | 'join';
  readonly daoId: string;
  readonly version: number;
  readonly plan: SessionPlan;
  readonly createdBy: string;
  readonly status: SessionStatus;
  readonly state: SessionState;
  readonly stateChangedAt: string;
  readonly revision: number;
  readonly agreementId: string | null;
  readonly failure: { readonly code: string; readonly message: string } | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface RevisionRecord {
  readonly revision: number;
  readonly proposedBy: string;
  readonly enrollmentId: string;
  readonly proposal: unknown;
  readonly agreement: Agreement;
  /** The author's signature over {sessionId, answers, proposal}; null for revisions made before proposals were signed. */
  readonly signed: RevisionSignature | null;
  readonly createdAt: string;
}

export interface RevisionSignature {
  /** The revision the proposal answers (the session's revision when it was made). */
  readonly answers: number;
  readonly certificatePem: string;
  readonly signature: string;
}

export interface AcceptanceRecord {
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly certificatePem: string;
  readonly signature: string;
  readonly acceptedAt: string;
}

export interface HistoryRecord {
  readonly seq: number;
  readonly revision: number | null;
  readonly change: HistoryChange;
  /** The state this change led to; null when it changed none (a late acceptance, an acceptance recorded before states existed). */
  readonly state: SessionState | null;
  readonly mspId: string | null;
  readonly enrollmentId: string | null;
  readonly detail: Record<string, unknown>;
  readonly at: string;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

function toSession(r: Record<string, unknown>): SessionRecord {
  return {
    id: r['id'] as string,
    kind: r['kind'] as SessionRecord['kind'],
    daoId: r['dao_id'] as string,
    version: r['version'] as number,
    plan: r['plan'] as SessionPlan,
    createdBy: r['created_by'] as string,
    status: r['status'] as SessionStatus,
    state: r['state'] as SessionState,
    stateChangedAt: iso(r['state_changed_at']),
    revision: r['revision'] as number,
    agreementId: (r['agreement_id'] as string | null) ?? null,
    failure: r['failure_code'] ? { code: r['failure_code'] as string, message: (r['failure_message'] as string) ?? '' } : null,
    createdAt: iso(r['created_at']),
    updatedAt: iso(r['updated_at']),
  };
}

/** Sessions, revisions, acceptances and history in the service's schema. */
export class SessionsRepository {
  readonly #s: string;
  readonly #changes: string;

  constructor(
    readonly dataSource: DataSource,
    schema: string,
  ) {
    this.#s = q(schema);
    this.#changes = sessionChangesChannel(schema);
  }

  async insert(manager: Queryable, s: { id: string; kind: string; daoId: string; version: number; plan: SessionPlan; createdBy: string }): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.#s}.sessions (id, kind, dao_id, version, plan, created_by, status, state) VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'open', 'requested')`,
      [s.id, s.kind, s.daoId, s.version, JSON.stringify(s.plan), s.createdBy],
    );
  }

  /** The id of the join opened for a DAO's admit-member proposal, if any (one per DAO and proposal: a unique index). */
  async byAdmission(daoId: string, proposalId: string): Promise<string | undefined> {
    const [row] = (await this.dataSource.query(`SELECT id FROM ${this.#s}.sessions WHERE dao_id = $1 AND plan->'admission'->>'proposalId' = $2`, [daoId, proposalId])) as Array<{ id: string }>;
    return row?.id;
  }

  /** The session, locked for the rest of the transaction (proposals and acceptances serialise on it). */
  async lock(manager: Queryable, id: string): Promise<SessionRecord | undefined> {
    const [row] = (await manager.query(`SELECT * FROM ${this.#s}.sessions WHERE id = $1 FOR UPDATE`, [id])) as Array<Record<string, unknown>>;
    return row ? toSession(row) : undefined;
  }

  async get(id: string, manager: Queryable = this.dataSource): Promise<SessionRecord | undefined> {
    const [row] = (await manager.query(`SELECT * FROM ${this.#s}.sessions WHERE id = $1`, [id])) as Array<Record<string, unknown>>;
    return row ? toSession(row) : undefined;
  }

  /** The sessions `mspId` is a party of (formation parties, a join's earlier members and joiners), latest change first. */
  async ofParty(mspId: string, limit: number): Promise<SessionRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.#s}.sessions
        WHERE plan->'parties' @> $1::jsonb OR plan->'existing' @> $1::jsonb OR plan->'joiners' ? $2
        ORDER BY updated_at DESC, id LIMIT $3`,
      [JSON.stringify([{ mspId }]), mspId, limit],
    )) as Array<Record<string, unknown>>;
    return rows.map(toSession);
  }

  async lockByAgreement(manager: Queryable, agreementId: string): Promise<SessionRecord | undefined> {
    const [row] = (await manager.query(`SELECT * FROM ${this.#s}.sessions WHERE agreement_id = $1 FOR UPDATE`, [agreementId])) as Array<Record<string, unknown>>;
    return row ? toSession(row) : undefined;
  }

  async addRevision(
    manager: Queryable,
    sessionId: string,
    r: { revision: number; proposedBy: string; enrollmentId: string; proposal: unknown; agreement: Agreement; signed: RevisionSignature },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.#s}.revisions (session_id, revision, proposed_by, enrollment_id, proposal, agreement, answers, certificate_pem, signature)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)`,
      [sessionId, r.revision, r.proposedBy, r.enrollmentId, JSON.stringify(r.proposal), JSON.stringify(r.agreement), r.signed.answers, r.signed.certificatePem, r.signed.signature],
    );
    await manager.query(`UPDATE ${this.#s}.sessions SET revision = $2, updated_at = now() WHERE id = $1`, [sessionId, r.revision]);
  }

  async revision(sessionId: string, revision: number, manager: Queryable = this.dataSource): Promise<RevisionRecord | undefined> {
    const [row] = (await manager.query(`SELECT * FROM ${this.#s}.revisions WHERE session_id = $1 AND revision = $2`, [sessionId, revision])) as Array<Record<string, unknown>>;
    if (!row) return undefined;
    return {
      revision: row['revision'] as number,
      proposedBy: row['proposed_by'] as string,
      enrollmentId: row['enrollment_id'] as string,
      proposal: row['proposal'],
      agreement: row['agreement'] as Agreement,
      signed:
        row['signature'] == null
          ? null
          : { answers: row['answers'] as number, certificatePem: row['certificate_pem'] as string, signature: row['signature'] as string },
      createdAt: iso(row['created_at']),
    };
  }

  /** Resolves true when recorded, false when that party had already accepted this revision. */
  async addAcceptance(manager: Queryable, sessionId: string, revision: number, a: Omit<AcceptanceRecord, 'acceptedAt'>): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO ${this.#s}.acceptances (session_id, revision, msp_id, enrollment_id, certificate_pem, signature) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING RETURNING msp_id`,
      [sessionId, revision, a.mspId, a.enrollmentId, a.certificatePem, a.signature],
    )) as unknown[];
    return rows.length > 0;
  }

  async acceptances(sessionId: string, revision: number, manager: Queryable = this.dataSource): Promise<AcceptanceRecord[]> {
    const rows = (await manager.query(
      `SELECT * FROM ${this.#s}.acceptances WHERE session_id = $1 AND revision = $2 ORDER BY accepted_at, msp_id`,
      [sessionId, revision],
    )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      mspId: r['msp_id'] as string,
      enrollmentId: r['enrollment_id'] as string,
      certificatePem: r['certificate_pem'] as string,
      signature: r['signature'] as string,
      acceptedAt: iso(r['accepted_at']),
    }));
  }

  /**
   * Moves the session to `state` (its status follows: statusOf), stamping when; a termination keeps
   * its reason in failure_code/failure_message. Callers decide the state with nextState.
   */
  async setState(
    manager: Queryable,
    id: string,
    state: SessionState,
    status: SessionStatus,
    extra: { agreementId?: string; failure?: { code: string; message: string } } = {},
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.#s}.sessions SET state = $2, status = $3, state_changed_at = now(), agreement_id = COALESCE($4, agreement_id), failure_code = $5, failure_message = $6, updated_at = now() WHERE id = $1`,
      [id, state, status, extra.agreementId ?? null, extra.failure?.code ?? null, extra.failure?.message ?? null],
    );
  }

  /** Marks activity (the idle deadline restarts from now) without changing the state. */
  async touch(manager: Queryable, id: string): Promise<void> {
    await manager.query(`UPDATE ${this.#s}.sessions SET updated_at = now() WHERE id = $1`, [id]);
  }

  /**
   * Ids of sessions still negotiating whose last change is older than `idleSeconds` (at most
   * `limit`, oldest first): what the idle sweep terminates.
   */
  async idleSince(idleSeconds: number, limit: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT id FROM ${this.#s}.sessions WHERE state IN ('requested', 'offered', 'accepted') AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT $2`,
      [idleSeconds, limit],
    )) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Whether the session's last change is older than `idleSeconds` (by the database's clock). */
  async isIdle(manager: Queryable, id: string, idleSeconds: number): Promise<boolean> {
    const [row] = (await manager.query(`SELECT updated_at < now() - make_interval(secs => $2) AS idle FROM ${this.#s}.sessions WHERE id = $1`, [id, idleSeconds])) as Array<{ idle: boolean }>;
    return row?.idle === true;
  }

  async addHistory(
    manager: Queryable,
    sessionId: string,
    h: { revision?: number; change: HistoryChange; state?: SessionState; mspId?: string; enrollmentId?: string; detail?: Record<string, unknown> },
  ): Promise<void> {
    // The live route's followers hear of it at commit (session-changes.ts): `<sessionId>:<seq>`.
    await manager.query(
      `WITH h AS (INSERT INTO ${this.#s}.history (session_id, revision, change, state, msp_id, enrollment_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING session_id, seq)
       SELECT pg_notify($8, h.session_id || ':' || h.seq) FROM h`,
      [sessionId, h.revision ?? null, h.change, h.state ?? null, h.mspId ?? null, h.enrollmentId ?? null, JSON.stringify(h.detail ?? {}), this.#changes],
    );
  }

  /** The latest history entry's seq of a session (0 before any). */
  async latestSeq(sessionId: string): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT COALESCE(MAX(seq), 0) AS seq FROM ${this.#s}.history WHERE session_id = $1`, [sessionId])) as Array<{ seq: string | number }>;
    return Number(row?.seq ?? 0);
  }

  async history(sessionId: string): Promise<HistoryRecord[]> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#s}.history WHERE session_id = $1 ORDER BY seq`, [sessionId])) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      seq: Number(r['seq']),
      revision: (r['revision'] as number | null) ?? null,
      change: r['change'] as HistoryChange,
      state: (r['state'] as SessionState | null) ?? null,
      mspId: (r['msp_id'] as string | null) ?? null,
      enrollmentId: (r['enrollment_id'] as string | null) ?? null,
      detail: r['detail'] as Record<string, unknown>,
      at: iso(r['at']),
    }));
  }
}
