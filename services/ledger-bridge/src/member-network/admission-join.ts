import { answerCode, tokenSession, TokenSessionError, type TokenSession } from '@datawell/contracts';
import { DatawellError, type ErrorKind } from '@datawell/domain';

/** The join session an accepted admit-member proposal started, as the negotiation service answers it. */
export interface AdmissionSession {
  readonly id: string;
  readonly kind: string;
  readonly daoId: string;
  readonly version: number;
  readonly state: string;
  readonly admission: { readonly proposalId: string; readonly openedBy: string } | null;
  readonly parties: ReadonlyArray<{ mspId: string; group: string; required: boolean }>;
}

/** Opens (idempotently) the join of an accepted admit-member proposal, as this member. */
export interface AdmissionJoins {
  open(daoId: string, proposalId: string, admitted: string): Promise<AdmissionSession>;
}

/**
 * What the negotiation service answered when it did not open the join: `final` when asking again
 * will not change it (its 4xx refusals: the admitted party unknown or not a VSP, already a member,
 * the DAO not active, …), otherwise (unreachable, 5xx) worth retrying.
 */
export class AdmissionJoinError extends Error {
  override readonly name = 'AdmissionJoinError';
  constructor(
    readonly status: number | undefined,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get final(): boolean {
    return this.status !== undefined && this.status >= 400 && this.status < 500 && this.status !== 401 && this.status !== 408 && this.status !== 429;
  }
}

/** The identity the member's bridge signs with (its wallet's): the negotiation service logs it in with its organisation's CA. */
export interface SigningIdentity {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/**
 * The negotiation service's HTTP API as the member's bridge uses it: it logs in with the member's own
 * identity (the token session of @datawell/contracts: challenge signed by its key, libs/auth; a 401
 * logs in again once) and opens `POST /sessions {kind: 'join', daoId, joiners: [admitted],
 * admission: {proposalId}}` (docs/negotiation.md, "Admission").
 */
export class NegotiationAdmissionJoins implements AdmissionJoins {
  readonly #session: TokenSession;

  constructor(
    private readonly baseUrl: string,
    identity: () => Promise<SigningIdentity>,
    timeoutMs = 30_000,
  ) {
    this.#session = tokenSession({
      baseUrl,
      identity: async () => {
        const { certificatePem, privateKeyPem } = await identity();
        return { key: privateKeyPem, certificatePem };
      },
      timeoutMs,
    });
  }

  async open(daoId: string, proposalId: string, admitted: string): Promise<AdmissionSession> {
    const body = { kind: 'join', daoId, joiners: [admitted], admission: { proposalId } };
    let answer;
    try {
      answer = await this.#session.request('POST', '/sessions', body);
    } catch (error) {
      if (!(error instanceof TokenSessionError)) throw error;
      if (error.reason === 'login') throw new AdmissionJoinError(error.status, error.code ?? `HTTP_${error.status}`, `the negotiation service at ${this.baseUrl} ${error.message}`);
      throw new AdmissionJoinError(undefined, 'NEGOTIATION_UNAVAILABLE', `the negotiation service at ${this.baseUrl} ${error.message}`);
    }
    if (answer.status < 200 || answer.status >= 300) {
      const message = (answer.body as { message?: unknown } | undefined)?.message;
      throw new AdmissionJoinError(answer.status, answerCode(answer.body) ?? `HTTP_${answer.status}`, `POST /sessions: ${answer.status} ${String(message ?? answer.text.slice(0, 200))}`);
    }
    return answer.body as AdmissionSession;
  }
}

type AdmissionRouteCode = 'NOT_AN_ADMISSION' | 'PROPOSAL_NOT_ACCEPTED' | 'JOIN_REFUSED' | 'NEGOTIATION_UNAVAILABLE';

const ROUTE_KINDS: Readonly<Record<AdmissionRouteCode, ErrorKind>> = {
  // Only an accepted admit-member proposal starts a join.
  NOT_AN_ADMISSION: 'conflict',
  PROPOSAL_NOT_ACCEPTED: 'conflict',
  // The negotiation service refused to open it: its code and message in `details`.
  JOIN_REFUSED: 'unprocessable',
  // It did not answer, or this bridge has no LEDGER_BRIDGE_NEGOTIATION_URL: 503.
  NEGOTIATION_UNAVAILABLE: 'unavailable',
};

/** The member bridge's answers about the join of an admission, mapped to HTTP by the platform from their kind. */
export class AdmissionRouteError extends DatawellError {
  override readonly name = 'AdmissionRouteError';
  constructor(
    readonly code: AdmissionRouteCode,
    message: string,
    private readonly negotiation?: { status: number | undefined; code: string },
  ) {
    super(message);
  }

  get kind(): ErrorKind {
    return ROUTE_KINDS[this.code];
  }

  override exposedDetails(): Record<string, unknown> | undefined {
    return this.negotiation ? { negotiation: this.negotiation } : undefined;
  }
}

/** A proposal as GetProposal reads it, as far as an admission needs. */
export interface AdmissionProposal {
  readonly proposalId: string;
  readonly kind?: unknown;
  readonly status: string;
  readonly payload?: unknown;
}

/**
 * Opens (or finds) the join session of an accepted admit-member proposal, as this member: what
 * `POST /daos/:daoId/versions/:version/proposals/:proposalId/join` does by hand and the sweep does by
 * itself. NOT_AN_ADMISSION, PROPOSAL_NOT_ACCEPTED (not yet, or rejected/expired), NEGOTIATION_UNAVAILABLE,
 * JOIN_REFUSED (the negotiation service's code in details).
 */
export async function openAdmissionJoin(joins: AdmissionJoins | undefined, daoId: string, proposal: AdmissionProposal): Promise<{ daoId: string; proposalId: string; admitted: string; session: AdmissionSession }> {
  if (proposal.kind !== 'admit-member') throw new AdmissionRouteError('NOT_AN_ADMISSION', `proposal ${proposal.proposalId} is a ${String(proposal.kind)} proposal, not admit-member`);
  if (proposal.status !== 'accepted') throw new AdmissionRouteError('PROPOSAL_NOT_ACCEPTED', `proposal ${proposal.proposalId} is ${proposal.status}: only an accepted admission starts a join`);
  const admitted = (proposal.payload as { mspId?: unknown } | undefined)?.mspId;
  if (typeof admitted !== 'string') throw new AdmissionRouteError('NOT_AN_ADMISSION', `proposal ${proposal.proposalId} names no party to admit`);
  if (!joins) throw new AdmissionRouteError('NEGOTIATION_UNAVAILABLE', 'this bridge has no negotiation service configured (LEDGER_BRIDGE_NEGOTIATION_URL)');
  try {
    return { daoId, proposalId: proposal.proposalId, admitted, session: await joins.open(daoId, proposal.proposalId, admitted) };
  } catch (error) {
    if (error instanceof AdmissionJoinError && error.final) throw new AdmissionRouteError('JOIN_REFUSED', error.message, { status: error.status, code: error.code });
    throw new AdmissionRouteError('NEGOTIATION_UNAVAILABLE', error instanceof Error ? error.message : String(error));
  }
}
