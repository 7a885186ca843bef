import { signLoginChallenge } from '@datawell/contracts';
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
 * identity (challenge signed by its key, libs/auth) and opens `POST /sessions {kind: 'join', daoId,
 * joiners: [admitted], admission: {proposalId}}` (docs/negotiation.md, "Admission").
 */
export class NegotiationAdmissionJoins implements AdmissionJoins {
  #token: string | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly identity: () => Promise<SigningIdentity>,
    private readonly timeoutMs = 30_000,
  ) {}

  async open(daoId: string, proposalId: string, admitted: string): Promise<AdmissionSession> {
    const body = { kind: 'join', daoId, joiners: [admitted], admission: { proposalId } };
    try {
      return (await this.#post('/sessions', body, await this.#login())) as unknown as AdmissionSession;
    } catch (error) {
      // An expired token: log in again once.
      if (!(error instanceof AdmissionJoinError) || error.status !== 401) throw error;
      this.#token = undefined;
      return (await this.#post('/sessions', body, await this.#login())) as unknown as AdmissionSession;
    }
  }

  async #login(): Promise<string> {
    if (this.#token) return this.#token;
    const { certificatePem, privateKeyPem } = await this.identity();
    const { challenge } = (await this.#post('/auth/challenge', {})) as { challenge: string };
    const signature = signLoginChallenge(challenge, privateKeyPem);
    const { token } = (await this.#post('/auth/token', { certificatePem, challenge, signature })) as { token: string };
    this.#token = token;
    return token;
  }

  async #post(path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new AdmissionJoinError(undefined, 'NEGOTIATION_UNAVAILABLE', `the negotiation service at ${this.baseUrl} did not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: reported below with the status
    }
    if (!response.ok) throw new AdmissionJoinError(response.status, typeof json['code'] === 'string' ? json['code'] : `HTTP_${response.status}`, `POST ${path}: ${response.status} ${String(json['message'] ?? text.slice(0, 200))}`);
    return json;
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
