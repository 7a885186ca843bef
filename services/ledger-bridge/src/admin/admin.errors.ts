import { DatawellError, type ErrorKind } from '@datawell/domain';

type AdminErrorCode =
  | 'INVALID_REQUEST'
  | 'NOT_A_PARTICIPANT'
  | 'ROLE_MISMATCH'
  | 'LEDGER_REJECTED'
  | 'INVALID_CSR'
  | 'ENROLLMENT_REJECTED'
  | 'CHANNEL_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'LEDGER_UNAVAILABLE'
  | 'ENROLL_IN_DOMAIN'
  | 'NO_MSP_PACKAGE'
  | 'NOT_CUSTODIAN'
  | 'REVENUE_EXISTS'
  | 'WORKLOAD_EXISTS'
  | 'PARTICIPANT_SUSPENDED'
  | 'ALREADY_SUSPENDED'
  | 'NOT_SUSPENDED'
  | 'FEEDBACK_EXISTS'
  | 'NOT_CO_MEMBERS'
  | 'OFFER_NOT_FOUND'
  | 'NOT_OFFER_OWNER'
  | 'OFFER_NOT_OPEN'
  | 'OFFER_EXISTS'
  | 'OFFER_KIND_NOT_ALLOWED'
  | 'CHANNEL_REFUSED'
  | 'CONFIG_UPDATE_REFUSED'
  | 'CONFIG_UPDATE_NOT_ACCEPTED'
  | 'COLLECTION_NOT_APPROVED'
  | ResultErrorCode
  | GovernanceErrorCode;

/** A computation result delivered by the member's own MPC node (member-network/computation-results.ts). */
type ResultErrorCode = 'RESULT_DIGEST_MISMATCH' | 'RESULT_CONFLICT' | 'RESULT_NOT_FOUND' | 'USAGE_CONFLICT';

/** A member's governance and exit, refused by the dao chaincode (its DAO_REFUSALS, and its codes per transaction). */
type GovernanceErrorCode =
  | 'NOT_A_MEMBER'
  | 'PROPOSAL_NOT_FOUND'
  | 'MEMBER_NOT_FOUND'
  | 'PROPOSAL_EXISTS'
  | 'ALREADY_A_MEMBER'
  | 'ALREADY_VOTED'
  | 'PROPOSAL_DECIDED'
  | 'VOTING_CLOSED'
  | 'VOTING_OPEN'
  | 'EXIT_ALREADY_REQUESTED'
  | 'EXIT_NOT_REQUESTED'
  | 'EXIT_NOTICE_RUNNING'
  | 'MEMBER_NOT_ACTIVE'
  | 'DAO_DISSOLVED'
  | 'NOT_REVENUE_RECORDER'
  | TransferErrorCode;

/** A transfer of rights refused by the dao chaincode (chaincode/dao/src/transactions/transfer.ts). */
type TransferErrorCode =
  | 'TRANSFER_NOT_FOUND'
  | 'TRANSFER_EXISTS'
  | 'TRANSFER_PENDING'
  | 'TRANSFER_DECIDED'
  | 'SELF_TRANSFER'
  | 'RECIPIENT_AT_OTHER_LEVEL'
  | 'RECIPIENT_NOT_ACTIVE'
  | 'RECIPIENT_NOT_PARTICIPANT'
  | 'NOT_TRANSFER_RECIPIENT'
  | 'NOT_TRANSFER_PARTY'
  | 'ALREADY_CONSENTED';

const KINDS: Readonly<Record<AdminErrorCode, ErrorKind>> = {
  INVALID_REQUEST: 'invalid',
  NOT_A_PARTICIPANT: 'unprocessable',
  ROLE_MISMATCH: 'conflict',
  LEDGER_REJECTED: 'unprocessable',
  INVALID_CSR: 'invalid',
  ENROLLMENT_REJECTED: 'unprocessable',
  CHANNEL_NOT_FOUND: 'notFound',
  VERSION_NOT_FOUND: 'notFound',
  // A domain's organisation enrolls at its own CA, in its domain: not a request the operator serves.
  ENROLL_IN_DOMAIN: 'unprocessable',
  NO_MSP_PACKAGE: 'unprocessable',
  // The operator holds no member's identity to act or read as: a member acts and reads through its own domain.
  NOT_CUSTODIAN: 'forbidden',
  REVENUE_EXISTS: 'conflict',
  WORKLOAD_EXISTS: 'conflict',
  // Suspended by the marketplace's governance: it joins no DAO (createDaoVersion refuses it).
  PARTICIPANT_SUSPENDED: 'forbidden',
  ALREADY_SUSPENDED: 'conflict',
  NOT_SUSPENDED: 'conflict',
  // Feedback through the member's own bridge (SubmitFeedback on marketplace): once per DAO and pair, between co-members of a DAO in the directory.
  FEEDBACK_EXISTS: 'conflict',
  NOT_CO_MEMBERS: 'forbidden',
  // Offers through the member's own bridge (PostOffer, UpdateOffer, WithdrawOffer on marketplace): its own open offers only,
  // data offers from a DSP and value offers from a VSP.
  OFFER_NOT_FOUND: 'notFound',
  NOT_OFFER_OWNER: 'forbidden',
  OFFER_NOT_OPEN: 'conflict',
  OFFER_EXISTS: 'exists',
  OFFER_KIND_NOT_ALLOWED: 'forbidden',
  // A channel whose configuration the member does not accept (a seat's channel: genesis-check.ts); not relayed.
  CHANNEL_REFUSED: 'unprocessable',
  // A seat's or unseat's config update this member's bridge will not sign (member-network/config-signature.ts).
  CONFIG_UPDATE_REFUSED: 'unprocessable',
  CONFIG_UPDATE_NOT_ACCEPTED: 'unprocessable',
  // A commit of the dao chaincode's new collection asked before every organisation of the channel approved it, as this member's peer shows (member-network/collection-redefinition.ts).
  COLLECTION_NOT_APPROVED: 'conflict',
  // A result whose digest is not SHA-256 of its canonical JSON; a job recorded (here or on the ledger) with another digest; none kept here.
  RESULT_DIGEST_MISMATCH: 'invalid',
  RESULT_CONFLICT: 'conflict',
  RESULT_NOT_FOUND: 'notFound',
  // A usage entry recorded on the ledger under the same id with other content.
  USAGE_CONFLICT: 'conflict',
  // Not an active member of the version: it may not propose, vote or leave there.
  NOT_A_MEMBER: 'forbidden',
  PROPOSAL_NOT_FOUND: 'notFound',
  MEMBER_NOT_FOUND: 'notFound',
  PROPOSAL_EXISTS: 'exists',
  ALREADY_A_MEMBER: 'conflict',
  ALREADY_VOTED: 'conflict',
  PROPOSAL_DECIDED: 'conflict',
  // The proposal's voting period (a term of the agreement) ended before this vote's transaction time.
  VOTING_CLOSED: 'conflict',
  VOTING_OPEN: 'conflict',
  EXIT_ALREADY_REQUESTED: 'conflict',
  EXIT_NOT_REQUESTED: 'conflict',
  EXIT_NOTICE_RUNNING: 'conflict',
  MEMBER_NOT_ACTIVE: 'conflict',
  DAO_DISSOLVED: 'conflict',
  // Not named by the terms (revenueRecorders, else the founding group D) to record revenue.
  NOT_REVENUE_RECORDER: 'forbidden',
  TRANSFER_NOT_FOUND: 'notFound',
  TRANSFER_EXISTS: 'exists',
  // The leaver or the recipient is already party to an open transfer.
  TRANSFER_PENDING: 'conflict',
  TRANSFER_DECIDED: 'conflict',
  SELF_TRANSFER: 'invalid',
  // An organisation holds one position: an internal transfer stays inside the leaver's group.
  RECIPIENT_AT_OTHER_LEVEL: 'conflict',
  RECIPIENT_NOT_ACTIVE: 'conflict',
  RECIPIENT_NOT_PARTICIPANT: 'unprocessable',
  NOT_TRANSFER_RECIPIENT: 'forbidden',
  NOT_TRANSFER_PARTY: 'conflict',
  ALREADY_CONSENTED: 'conflict',
  // The peer or orderer did not answer (unreachable, timed out): 503, worth retrying.
  LEDGER_UNAVAILABLE: 'unavailable',
};

/** Errors of network administration, mapped to HTTP by the platform from their kind. */
export class AdminError extends DatawellError {
  override readonly name = 'AdminError';
  readonly #details: Record<string, unknown> | undefined;
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.#details = options?.details;
  }

  get kind(): ErrorKind {
    return KINDS[this.code];
  }

  /** What the caller may act on beside the message (e.g. the organisations whose approval is missing). */
  override exposedDetails(): Record<string, unknown> | undefined {
    return this.#details;
  }
}

/** The first line of an error's message, at most 300 characters (a peer CLI failure names its command there). */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

/**
 * `read`, done through a member's own peer and admin: its failure is LEDGER_UNAVAILABLE (503) naming
 * `what`, except an AdminError, which is already the answer (e.g. CHANNEL_REFUSED from a check).
 */
export async function readOwn<T>(mspId: string, what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AdminError) throw error;
    throw new AdminError('LEDGER_UNAVAILABLE', `${what} could not be had from ${mspId}'s own peer and admin: ${firstLine(error)}`, { cause: error });
  }
}

/** The chaincode's error text carries a stable code first (INVALID_ARGUMENT:, NOT_FOUND:, …). */
export function chaincodeCode(error: unknown): string | undefined {
  const details = (error as { details?: { message?: string }[] }).details ?? [];
  const text = [error instanceof Error ? error.message : String(error), ...details.map((d) => d.message ?? '')].join(' ');
  return /\b(INVALID_ARGUMENT|FORBIDDEN|NOT_FOUND|CONFLICT):/.exec(text)?.[1];
}

export function chaincodeMessage(error: unknown): string {
  const details = (error as { details?: { message?: string }[] }).details ?? [];
  const detail = details.map((d) => d.message ?? '').find((m) => /\b(INVALID_ARGUMENT|FORBIDDEN|NOT_FOUND|CONFLICT):/.test(m));
  return detail ?? (error instanceof Error ? error.message : String(error));
}

/** gRPC statuses of a peer or orderer that waiting may cure: the call failed, not the question. */
const TRANSIENT = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);
const NO_CHANNEL_HERE = /failed to get config for channel|no peers available to evaluate chaincode/;

/**
 * Whether a read failed because the reader cannot see what it asked for (no such channel, its
 * organisation not in it, no identity of it here, the chaincode's NOT_FOUND) rather than because the
 * network is unreachable: the former is one answer, "not found", for unknown and other members' ids alike.
 */
export function isNotVisible(error: unknown): boolean {
  // The gateway answers UNAVAILABLE when its own peer has no such channel (discovery finds no config
  // for it): that is the reader's peer not being a member, not an outage.
  if (NO_CHANNEL_HERE.test(error instanceof Error ? error.message : String(error))) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && TRANSIENT.has(code)) return false;
  if (/\b(ECONNREFUSED|UNAVAILABLE|DEADLINE_EXCEEDED|timed? ?out)\b/i.test(error instanceof Error ? error.message : String(error))) return false;
  return true;
}
