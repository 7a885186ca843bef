import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { choiceSchema, DAO, DAO_ID_PATTERN, daoChannelName, daoRefusalOf, idSchema, MSP_ID_PATTERN, parseDaoChannel, proposalSchema, revenueArgument, revenueRequestSchema, workloadSchema, type DaoRefusal, type DaoTransactionName } from '@datawell/contracts';
import { AdminError, chaincodeCode, chaincodeMessage, isNotVisible } from './admin.errors';
import { readDaoVersion, type DaoRead, type EvaluateAs } from './dao-reads';

/** The member bridge's own ledger: as its organisation, through its own peer. */
export interface MemberLedger {
  readonly mspId: string;
  readonly evaluate: EvaluateAs;
  /** Submits as the member and waits for the commit; rejects when the chaincode refuses or validation fails. */
  submit(channel: string, chaincode: string, fn: string, args: readonly string[]): Promise<{ txId: string }>;
  /** The channels this bridge relays for its organisation (those its peer has joined). */
  channels(): Promise<readonly string[]>;
  /** The ids of the proposals created on `channel`, oldest first, as this bridge has seen their events (its proposal sweep); absent: none known. */
  proposalIds?(channel: string): readonly string[];
}

export const memberRevenueSchema = revenueRequestSchema;
/** A workload the member runs itself (self-hosted): its id and the public key its heartbeats are signed with. */
export const memberWorkloadSchema = workloadSchema;

const [changeTerms, admitMember, changeInfrastructure, dissolve] = proposalSchema.options;
const optionalId = { proposalId: idSchema.optional().describe('the proposal id (default: prop-<uuid>); a retry with the same id is PROPOSAL_EXISTS once the first got in') };
/** A member's proposal: CreateProposal's argument, its id chosen by the bridge when not given. */
export const memberProposalSchema = z.discriminatedUnion('kind', [changeTerms.extend(optionalId), admitMember.extend(optionalId), changeInfrastructure.extend(optionalId), dissolve.extend(optionalId)]);
export const memberVoteSchema = z.strictObject({ choice: choiceSchema.describe('yes or no, weighted by the member\'s ownership') });
/** A voluntary exit takes no arguments: the member gives notice for itself. */
export const memberExitSchema = z.strictObject({});

/** A proposal as GetProposal reads it: the stored proposal with its votes. */
export type ProposalView = Record<string, unknown> & { proposalId: string; status: string };

/** What a write through the member's own bridge answers: where it went and the transaction that did it. */
export interface MemberWrite {
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly txId: string;
}

/**
 * The dao chaincode's named refusals (DAO_REFUSALS) and its codes, as this bridge answers them:
 * every write of a member maps through here, so a refusal has one stable code whichever route met it.
 */
const REFUSALS: Readonly<Record<DaoRefusal, ConstructorParameters<typeof AdminError>[0]>> = {
  PROPOSAL_EXISTS: 'PROPOSAL_EXISTS',
  ALREADY_A_MEMBER: 'ALREADY_A_MEMBER',
  ALREADY_VOTED: 'ALREADY_VOTED',
  PROPOSAL_DECIDED: 'PROPOSAL_DECIDED',
  VOTING_CLOSED: 'VOTING_CLOSED',
  VOTING_OPEN: 'VOTING_OPEN',
  EXIT_ALREADY_REQUESTED: 'EXIT_ALREADY_REQUESTED',
  EXIT_NOT_REQUESTED: 'EXIT_NOT_REQUESTED',
  EXIT_NOTICE_RUNNING: 'EXIT_NOTICE_RUNNING',
  DAO_DISSOLVED: 'DAO_DISSOLVED',
  NOT_REVENUE_RECORDER: 'NOT_REVENUE_RECORDER',
};

/** Per transaction, what the chaincode's bare codes mean for it (the rest is LEDGER_REJECTED). */
type CodeMeaning = Partial<Record<'CONFLICT' | 'FORBIDDEN' | 'NOT_FOUND', (message: string) => AdminError>>;

/**
 * Maps what submitting (or reading) as the member met to the bridge's stable codes: a named refusal
 * to its own code; the chaincode's bare codes as `meaning` says for the transaction, else
 * LEDGER_REJECTED (422); a transaction the orderer ordered but validation invalidated (an MVCC
 * conflict) and a peer or orderer that did not answer to LEDGER_UNAVAILABLE (503, try again). Never
 * a bare error (500).
 */
export function ledgerRefusal(error: unknown, channel: string, meaning: CodeMeaning = {}): AdminError {
  const message = chaincodeMessage(error);
  const refusal = daoRefusalOf(message);
  if (refusal) return new AdminError(REFUSALS[refusal], message, { cause: error });
  const code = chaincodeCode(error);
  if (code === 'CONFLICT' || code === 'FORBIDDEN' || code === 'NOT_FOUND') {
    const mapped = meaning[code]?.(message);
    if (mapped) return Object.assign(mapped, { cause: error });
  }
  if (code) return new AdminError('LEDGER_REJECTED', message, { cause: error });
  if (!isNotVisible(error) || /was not committed: validation code/.test(message)) {
    return new AdminError('LEDGER_UNAVAILABLE', `the peer or orderer did not answer for ${channel}, or the transaction was not committed; try again`, { cause: error });
  }
  return new AdminError('LEDGER_REJECTED', message, { cause: error });
}

/** A member that is not an active member of the version (or not one at all): the chaincode's FORBIDDEN to members' writes. */
const notAMember = (message: string) => new AdminError('NOT_A_MEMBER', message);

/** What a member does with its DAOs in its own domain: reads and its own writes, signed by itself. */
export class MemberDao {
  constructor(private readonly ledger: MemberLedger) {}

  get mspId(): string {
    return this.ledger.mspId;
  }

  read(daoId: string, version: number, fn: DaoRead): Promise<unknown> {
    return readDaoVersion(this.ledger.evaluate, daoId, version, fn, this.ledger.mspId);
  }

  /**
   * RecordRevenue on the DAO's top channel among those the member is in, signed by the member. The
   * chaincode decides whether the member may (an active member of the top version); a revenue id
   * recorded before is REVENUE_EXISTS.
   */
  async recordRevenue(daoId: string, body: unknown): Promise<{ daoId: string; channel: string; revenueId: string; txId: string }> {
    const input = parse(memberRevenueSchema, body);
    const levels = (await this.ledger.channels()).map(parseDaoChannel).filter((c) => c?.daoId === daoId).map((c) => c!.level);
    if (levels.length === 0) throw new AdminError('VERSION_NOT_FOUND', `no version of DAO ${daoId} of which ${this.ledger.mspId} is a member`);
    const channel = `dao-${daoId}-v${Math.max(...levels)}`;
    const revenueId = input.revenueId ?? `rev-${randomUUID()}`;
    const { txId } = await this.#submit(channel, DAO.invocation(DAO.tx.RecordRevenue, revenueArgument(input, revenueId)), {
      CONFLICT: () => new AdminError('REVENUE_EXISTS', `revenue ${revenueId} of DAO ${daoId} is already recorded`),
    });
    return { daoId, channel, revenueId, txId };
  }

  /**
   * RegisterWorkload on the version's channel, signed by the member: the public key of a workload
   * it runs itself, whose signed heartbeats then count for it. The chaincode decides whether it may
   * (an active member of the active version); a workload id registered before is WORKLOAD_EXISTS.
   */
  async registerWorkload(daoId: string, version: number, body: unknown): Promise<{ daoId: string; version: number; channel: string; workloadId: string; owner: string; txId: string }> {
    const input = parse(memberWorkloadSchema, body);
    const channel = await this.#memberChannel(daoId, version);
    const { txId } = await this.#submit(channel, DAO.invocation(DAO.tx.RegisterWorkload, input), {
      CONFLICT: () => new AdminError('WORKLOAD_EXISTS', `workload ${input.workloadId} is already registered on ${channel}`),
    });
    return { daoId, version, channel, workloadId: input.workloadId, owner: this.ledger.mspId, txId };
  }

  /** CreateProposal on the version's channel, as the member: its voting period and quorum come from the version's terms. */
  async propose(daoId: string, version: number, body: unknown): Promise<MemberWrite & { proposal: ProposalView }> {
    const input = parse(memberProposalSchema, body);
    const channel = await this.#memberChannel(daoId, version);
    const proposalId = input.proposalId ?? `prop-${randomUUID()}`;
    const { txId } = await this.#submit(channel, DAO.invocation(DAO.tx.CreateProposal, { ...input, proposalId }), { FORBIDDEN: notAMember });
    return { daoId, version, channel, txId, proposal: await this.#proposal(channel, proposalId) };
  }

  /** The proposal with its votes, as the member's own peer has it. */
  async proposal(daoId: string, version: number, proposalId: string): Promise<ProposalView> {
    return this.#proposal(await this.#memberChannel(daoId, version), checkProposalId(proposalId));
  }

  /**
   * The version's proposals, newest first, each as GetProposal reads it on the member's own peer. The
   * chaincode has no list: the ids are those of the ProposalCreated events this bridge has followed
   * (its sweep replays each channel from its first block), so a proposal appears once its event has.
   */
  async proposals(daoId: string, version: number): Promise<ProposalView[]> {
    const channel = await this.#memberChannel(daoId, version);
    const ids = [...(this.ledger.proposalIds?.(channel) ?? [])].reverse();
    return Promise.all(ids.map((id) => this.#proposal(channel, id)));
  }

  /** CastVote as the member, with its ownership weight; answers the proposal as it stands after the vote. */
  async vote(daoId: string, version: number, proposalId: string, body: unknown): Promise<MemberWrite & { proposal: ProposalView }> {
    const { choice } = parse(memberVoteSchema, body);
    const channel = await this.#memberChannel(daoId, version);
    const { txId } = await this.#submit(channel, DAO.invocation(DAO.tx.CastVote, checkProposalId(proposalId), choice), { FORBIDDEN: notAMember, NOT_FOUND: noProposal });
    return { daoId, version, channel, txId, proposal: await this.#proposal(channel, proposalId) };
  }

  /** CloseProposal as the member, once the voting period has run: decided by the votes cast and the quorum. */
  async close(daoId: string, version: number, proposalId: string): Promise<MemberWrite & { proposal: ProposalView }> {
    const channel = await this.#memberChannel(daoId, version);
    const { txId } = await this.#submit(channel, DAO.invocation(DAO.tx.CloseProposal, checkProposalId(proposalId)), { FORBIDDEN: notAMember, NOT_FOUND: noProposal });
    return { daoId, version, channel, txId, proposal: await this.#proposal(channel, proposalId) };
  }

  /** RequestExit as the member: notice of leaving the version; it may be completed once the terms' notice has run. */
  async requestExit(daoId: string, version: number, body: unknown): Promise<MemberWrite & { member: Record<string, unknown> }> {
    parse(memberExitSchema, body ?? {});
    const channel = await this.#memberChannel(daoId, version);
    const { txId } = await this.#submit(channel, DAO.invocation(DAO.tx.RequestExit), { FORBIDDEN: notAMember });
    return { daoId, version, channel, txId, member: (await this.#evaluate(channel, DAO.tx.GetMember, [this.ledger.mspId], {})) as Record<string, unknown> };
  }

  /** CompleteExit of `mspId` (the member itself or another), as the member, once that exit's notice has run. */
  async completeExit(daoId: string, version: number, mspId: string): Promise<MemberWrite & { member: Record<string, unknown> }> {
    if (!MSP_ID_PATTERN.test(mspId)) throw new AdminError('INVALID_REQUEST', 'mspId: must be an MSP id: letters and digits ending in "MSP"');
    const channel = await this.#memberChannel(daoId, version);
    const { txId } = await this.#submit(channel, DAO.invocation(DAO.tx.CompleteExit, mspId), { FORBIDDEN: notAMember, NOT_FOUND: (m) => new AdminError('MEMBER_NOT_FOUND', m), CONFLICT: (m) => new AdminError('MEMBER_NOT_ACTIVE', m) });
    return { daoId, version, channel, txId, member: (await this.#evaluate(channel, DAO.tx.GetMember, [mspId], {})) as Record<string, unknown> };
  }

  /** The version's channel, when this member's peer has joined it: VERSION_NOT_FOUND otherwise, before the ledger is asked. */
  async #memberChannel(daoId: string, version: number): Promise<string> {
    if (!DAO_ID_PATTERN.test(daoId)) throw new AdminError('INVALID_REQUEST', 'daoId: must be 1-41 lower-case letters, digits or "-"');
    if (!Number.isSafeInteger(version) || version < 1 || version > 9999) throw new AdminError('INVALID_REQUEST', 'version: must be an integer 1-9999');
    const channel = daoChannelName(daoId, version);
    if (!(await this.ledger.channels()).includes(channel)) throw new AdminError('VERSION_NOT_FOUND', `no version ${version} of DAO ${daoId} of which ${this.ledger.mspId} is a member`);
    return channel;
  }

  async #proposal(channel: string, proposalId: string): Promise<ProposalView> {
    return (await this.#evaluate(channel, DAO.tx.GetProposal, [proposalId], { NOT_FOUND: noProposal, FORBIDDEN: notAMember })) as ProposalView;
  }

  async #evaluate(channel: string, fn: DaoTransactionName, args: readonly string[], meaning: CodeMeaning): Promise<unknown> {
    let text: string;
    try {
      text = await this.ledger.evaluate(this.ledger.mspId, channel, DAO.chaincode, fn, args);
    } catch (error) {
      throw ledgerRefusal(error, channel, meaning);
    }
    return JSON.parse(text);
  }

  async #submit(channel: string, call: { chaincode: string; transaction: string; arguments: readonly string[] }, meaning: CodeMeaning): Promise<{ txId: string }> {
    try {
      return await this.ledger.submit(channel, call.chaincode, call.transaction, call.arguments);
    } catch (error) {
      throw ledgerRefusal(error, channel, meaning);
    }
  }
}

const noProposal = (message: string) => new AdminError('PROPOSAL_NOT_FOUND', message);

function checkProposalId(proposalId: string): string {
  const parsed = idSchema.safeParse(proposalId);
  if (!parsed.success) throw new AdminError('INVALID_REQUEST', `proposalId: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AdminError('INVALID_REQUEST', parsed.error.issues.map((i) => `body${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; '));
  return parsed.data;
}
