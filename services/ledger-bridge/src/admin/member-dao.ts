import { forbidden, type Principal } from '@datawell/auth';
import { awaitPrivateData, isPrivateDataPending, type SubmitOptions } from '@datawell/fabric';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { choiceSchema, DAO, DAO_ID_PATTERN, daoChannelName, daoRefusalOf, idSchema, MSP_ID_PATTERN, parseDaoChannel, proposalSchema, revenueArgument, revenueRequestSchema, transferOfferSchema, workloadSchema, type DaoRefusal, type DaoTransactionName } from '@datawell/contracts';
import { AdminError, chaincodeCode, chaincodeMessage, isNotVisible } from './admin.errors';
import { readDaoVersion, type DaoRead, type EvaluateAs } from './dao-reads';

/** The member bridge's own ledger: as its organisation, through its own peer. */
export interface MemberLedger {
  readonly mspId: string;
  readonly evaluate: EvaluateAs;
  /** Submits as the member and waits for the commit; rejects when the chaincode refuses or validation fails. */
  submit(channel: string, chaincode: string, fn: string, args: readonly string[], options?: Pick<SubmitOptions, 'endorsingOrganizations'>): Promise<{ txId: string }>;
  /** The channels this bridge relays for its organisation (those its peer has joined). */
  channels(): Promise<readonly string[]>;
  /** The ids of the proposals created on `channel`, oldest first, as this bridge has seen their events (its proposal sweep); absent: none known. */
  proposalIds?(channel: string): readonly string[];
  /** The ids of the allocations made on `channel` (RevenueRecorded, AllocationReceived), oldest first, as this bridge has seen their events; absent: none known. */
  allocationIds?(channel: string): readonly string[];
  /** Relays a DAO channel the member's peer has joined outside the operator's inbox (a seat taken by a transfer of rights); absent: not offered. */
  relay?(channel: string): Promise<void>;
  /**
   * The application organisations of a channel with their MSPs' root certificates as Fabric's config
   * reports them, read by the member's admin from its own peer (`peer channel fetch config`); absent:
   * the bridge has no Fabric administration.
   */
  channelOrganisations?(channel: string): Promise<ReadonlyArray<{ readonly mspId: string; readonly rootCertPems: readonly string[] }>>;
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
/** A transfer of the member's whole position: OfferTransfer's argument, its id chosen by the bridge when not given. */
export const memberTransferSchema = transferOfferSchema.extend({ transferId: idSchema.optional().describe('the transfer id (default: xfer-<uuid>); the same id names the transfer on every channel of the position') });

/** A transfer as GetTransfer reads it on one channel, with where its consent stands there. */
export type TransferView = Record<string, unknown> & { transferId: string; status: string; from: string; to: string };
/** A transfer of rights across the channels of the DAO this member's peer has joined, each as it stands after this member's step. */
export interface MemberTransfer {
  readonly daoId: string;
  readonly transferId: string;
  readonly channels: readonly { readonly channel: string; readonly version: number; readonly txId?: string; readonly transfer: TransferView }[];
}

/** A proposal as GetProposal reads it: the stored proposal with its votes. */
export type ProposalView = Record<string, unknown> & { proposalId: string; status: string };
/** An allocation as GetAllocation answers it (the chaincode's AllocationState: source, lump, betaPpm, payouts, rest, restTo, txId, atMs). */
export type AllocationView = Record<string, unknown> & { allocationId: string; txId: string };

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
  TRANSFER_EXISTS: 'TRANSFER_EXISTS',
  TRANSFER_PENDING: 'TRANSFER_PENDING',
  TRANSFER_DECIDED: 'TRANSFER_DECIDED',
  SELF_TRANSFER: 'SELF_TRANSFER',
  RECIPIENT_AT_OTHER_LEVEL: 'RECIPIENT_AT_OTHER_LEVEL',
  RECIPIENT_NOT_ACTIVE: 'RECIPIENT_NOT_ACTIVE',
  RECIPIENT_NOT_PARTICIPANT: 'RECIPIENT_NOT_PARTICIPANT',
  ROLE_MISMATCH: 'ROLE_MISMATCH',
  NOT_TRANSFER_RECIPIENT: 'NOT_TRANSFER_RECIPIENT',
  NOT_TRANSFER_PARTY: 'NOT_TRANSFER_PARTY',
  ALREADY_CONSENTED: 'ALREADY_CONSENTED',
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
  // The bridge's own refusal before anything was asked of the ledger (e.g. CHANNEL_REFUSED): as it is.
  if (error instanceof AdminError) return error;
  const message = chaincodeMessage(error);
  const refusal = daoRefusalOf(message);
  if (refusal) return new AdminError(REFUSALS[refusal], message, { cause: error });
  const code = chaincodeCode(error);
  if (code === 'CONFLICT' || code === 'FORBIDDEN' || code === 'NOT_FOUND') {
    const mapped = meaning[code]?.(message);
    if (mapped) return Object.assign(mapped, { cause: error });
  }
  if (code) return new AdminError('LEDGER_REJECTED', message, { cause: error });
  if (isPrivateDataPending(error)) {
    return new AdminError('LEDGER_UNAVAILABLE', `this organisation's peer is still fetching the DAO's private data on ${channel} (it joined its collection recently); try again in a few seconds`, { cause: error });
  }
  if (!isNotVisible(error) || /was not committed: validation code/.test(message)) {
    return new AdminError('LEDGER_UNAVAILABLE', `the peer or orderer did not answer for ${channel}, or the transaction was not committed; try again`, { cause: error });
  }
  return new AdminError('LEDGER_REJECTED', message, { cause: error });
}

/** A member that is not an active member of the version (or not one at all): the chaincode's FORBIDDEN to members' writes. */
const notAMember = (message: string) => new AdminError('NOT_A_MEMBER', message);

/**
 * A member bridge serves its own organisation's identities only: another's is FORBIDDEN, and uses its
 * own bridge. `self` is this bridge's MSP id.
 */
export function ownOrganisationOnly(self: string, principal: Principal): void {
  if (principal.mspId !== self) throw forbidden(`this is ${self}'s bridge: ${principal.mspId} uses its own`);
}

/** A member route's DAO id and version, checked (INVALID_REQUEST) before anything is asked. */
export function checkDaoVersion(daoId: string, version: number): void {
  if (!DAO_ID_PATTERN.test(daoId)) throw new AdminError('INVALID_REQUEST', 'daoId: must be 1-41 lower-case letters, digits or "-"');
  if (!Number.isSafeInteger(version) || version < 1 || version > 9999) throw new AdminError('INVALID_REQUEST', 'version: must be an integer 1-9999');
}

/** The version's channel, when this member's peer has joined it: VERSION_NOT_FOUND otherwise, before the ledger is asked. */
export async function memberVersionChannel(ledger: Pick<MemberLedger, 'channels' | 'mspId'>, daoId: string, version: number): Promise<string> {
  checkDaoVersion(daoId, version);
  const channel = daoChannelName(daoId, version);
  if (!(await ledger.channels()).includes(channel)) throw new AdminError('VERSION_NOT_FOUND', `no version ${version} of DAO ${daoId} of which ${ledger.mspId} is a member`);
  return channel;
}

/** What a member does with its DAOs in its own domain: reads and its own writes, signed by itself. */
export class MemberDao {
  constructor(private readonly ledger: MemberLedger) {}

  get mspId(): string {
    return this.ledger.mspId;
  }

  read(daoId: string, version: number, fn: DaoRead): Promise<unknown> {
    return readDaoVersion((...args) => awaitPrivateData(() => this.ledger.evaluate(...args)), daoId, version, fn, this.ledger.mspId);
  }

  /**
   * A version's channel and its organisations as Fabric's channel config has them (what the channel
   * is, as opposed to the member states the chaincode keeps), with each organisation's MSP root
   * certificates (its MPC node checks a requester's certificate against them), read from the member's own peer. Only
   * a channel the member's bridge follows (VERSION_NOT_FOUND otherwise, as for its other reads).
   */
  async channel(
    daoId: string,
    version: number,
  ): Promise<{ daoId: string; version: number; channel: string; organisations: string[]; rootCertificates: Record<string, string[]>; source: 'fabric-channel-config' }> {
    checkDaoVersion(daoId, version);
    const channel = daoChannelName(daoId, version);
    if (!(await this.ledger.channels()).includes(channel)) throw new AdminError('VERSION_NOT_FOUND', `no version ${version} of DAO ${daoId} of which ${this.ledger.mspId} is a member`);
    if (!this.ledger.channelOrganisations) throw new AdminError('LEDGER_UNAVAILABLE', "this bridge has no Fabric administration of its own (LEDGER_BRIDGE_MEMBER_ADMIN_MSP_DIR and the rest): it cannot read a channel's config");
    try {
      const orgs = await this.ledger.channelOrganisations(channel);
      const organisations = orgs.map((o) => o.mspId).sort();
      return { daoId, version, channel, organisations, rootCertificates: Object.fromEntries(orgs.map((o) => [o.mspId, [...o.rootCertPems]])), source: 'fabric-channel-config' };
    } catch (error) {
      throw new AdminError('LEDGER_UNAVAILABLE', `the config of ${channel} could not be read from ${this.ledger.mspId}'s peer: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
    }
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

  /**
   * The version's allocations, oldest first, each as GetAllocation reads it on the member's own peer:
   * the revenue recorded on this channel and the rests relayed to it from the next version's, with
   * their payouts, β, rest and transaction id. The chaincode has no list: the ids are those of the
   * RevenueRecorded and AllocationReceived events this bridge has followed (as for proposals).
   */
  async allocations(daoId: string, version: number): Promise<AllocationView[]> {
    const channel = await this.#memberChannel(daoId, version);
    const ids = this.ledger.allocationIds?.(channel) ?? [];
    return Promise.all(ids.map(async (id) => (await this.#evaluate(channel, DAO.tx.GetAllocation, [id], { FORBIDDEN: notAMember })) as AllocationView));
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

  /**
   * Offers this member's whole position to `to` on every channel of the DAO its peer has joined (its
   * level and above: the position sits in each), signed by the member (OfferTransfer). A retry skips
   * the channels where the same offer is recorded already; another transfer under the id is TRANSFER_EXISTS.
   */
  async offerTransfer(daoId: string, body: unknown): Promise<MemberTransfer> {
    const input = parse(memberTransferSchema, body);
    const transferId = input.transferId ?? `xfer-${randomUUID()}`;
    const channels = await this.#daoChannels(daoId);
    const done: MemberTransfer['channels'][number][] = [];
    for (const { channel, version } of channels) {
      const existing = await this.#transferOn(channel, transferId);
      if (existing && existing.from === this.ledger.mspId && existing.to === input.to) {
        done.push({ channel, version, transfer: existing });
        continue;
      }
      const { txId } = await this.#submit(channel, DAO.invocation(DAO.tx.OfferTransfer, { transferId, to: input.to }), { FORBIDDEN: notAMember, NOT_FOUND: (m) => new AdminError('RECIPIENT_NOT_PARTICIPANT', m) });
      done.push({ channel, version, txId, transfer: await this.#transfer(channel, transferId) });
    }
    return { daoId, transferId, channels: done };
  }

  /**
   * Consents to transfer `transferId` on every channel of the DAO where this member sits and the
   * transfer is recorded, signed by the member (ConsentTransfer); skips channels where it consented
   * already or the transfer completed. TRANSFER_NOT_FOUND when no channel of its records the transfer.
   */
  async consentTransfer(daoId: string, transferId: string): Promise<MemberTransfer> {
    return this.#transferStep(daoId, checkId(transferId, 'transferId'), DAO.tx.ConsentTransfer, (t) => t.status !== 'offered' || (Array.isArray(t['consents']) && t['consents'].includes(this.ledger.mspId)));
  }

  /**
   * Accepts transfer `transferId` as its recipient on every channel of the DAO its peer has joined
   * (a newcomer's organisation must have been added to them first), signed by the member
   * (AcceptTransfer); skips channels where it accepted already or the transfer completed.
   */
  async acceptTransfer(daoId: string, transferId: string): Promise<MemberTransfer> {
    return this.#transferStep(daoId, checkId(transferId, 'transferId'), DAO.tx.AcceptTransfer, (t) => t.status !== 'offered' || t['acceptedAtMs'] !== undefined);
  }

  /** Transfer `transferId` on every channel of the DAO this member's peer has joined and that records it. */
  async transfer(daoId: string, transferId: string): Promise<MemberTransfer> {
    const id = checkId(transferId, 'transferId');
    const found: MemberTransfer['channels'][number][] = [];
    for (const { channel, version } of await this.#daoChannels(daoId)) {
      const transfer = await this.#transferOn(channel, id);
      if (transfer) found.push({ channel, version, transfer });
    }
    if (found.length === 0) throw new AdminError('TRANSFER_NOT_FOUND', `no transfer ${id} on a channel of DAO ${daoId} that ${this.ledger.mspId} is in`);
    return { daoId, transferId: id, channels: found };
  }

  async #transferStep(daoId: string, transferId: string, fn: typeof DAO.tx.ConsentTransfer | typeof DAO.tx.AcceptTransfer, done: (t: TransferView) => boolean): Promise<MemberTransfer> {
    const steps: MemberTransfer['channels'][number][] = [];
    for (const { channel, version } of await this.#daoChannels(daoId)) {
      const existing = await this.#transferOn(channel, transferId);
      if (!existing) continue;
      if (done(existing)) {
        steps.push({ channel, version, transfer: existing });
        continue;
      }
      const { txId } = await this.#submit(channel, DAO.invocation(fn, transferId), { FORBIDDEN: notAMember, NOT_FOUND: noTransfer });
      steps.push({ channel, version, txId, transfer: await this.#transfer(channel, transferId) });
    }
    if (steps.length === 0) throw new AdminError('TRANSFER_NOT_FOUND', `no transfer ${transferId} on a channel of DAO ${daoId} that ${this.ledger.mspId} is in`);
    return { daoId, transferId, channels: steps };
  }

  /**
   * Relays (and serves) a version's channel this member was seated on by a transfer of rights: its
   * organisation was added by a config update and its own admin joined its peer, outside the
   * operator's inbox. Checked by asking the version through its own peer as itself: the chaincode
   * answering (even refusing a newcomer that has not accepted yet) shows the peer on the channel; a
   * channel it is not in is VERSION_NOT_FOUND. Idempotent.
   */
  async seat(daoId: string, version: number): Promise<{ daoId: string; version: number; channel: string; relayed: boolean }> {
    checkDaoVersion(daoId, version);
    const channel = daoChannelName(daoId, version);
    if ((await this.ledger.channels()).includes(channel)) return { daoId, version, channel, relayed: false };
    if (!this.ledger.relay) throw new AdminError('LEDGER_REJECTED', 'this bridge does not relay channels outside its inbox');
    try {
      await this.ledger.evaluate(this.ledger.mspId, channel, DAO.chaincode, DAO.tx.GetVersion, []);
    } catch (error) {
      // The chaincode itself answered (a newcomer is not a member until it accepts), or the peer is
      // still reconciling the DAO's private data from before its organisation joined: it is on the channel.
      if (chaincodeCode(error) || isPrivateDataPending(error)) {
        await this.ledger.relay(channel);
        return { daoId, version, channel, relayed: true };
      }
      const refusal = ledgerRefusal(error, channel);
      throw refusal.code === 'LEDGER_UNAVAILABLE' ? refusal : new AdminError('VERSION_NOT_FOUND', `no version ${version} of DAO ${daoId} that ${this.ledger.mspId}'s peer can read: ${refusal.message}`, { cause: error });
    }
    await this.ledger.relay(channel);
    return { daoId, version, channel, relayed: true };
  }

  /** The DAO's channels this member's peer has joined, lowest version first: VERSION_NOT_FOUND when none. */
  async #daoChannels(daoId: string): Promise<{ channel: string; version: number }[]> {
    if (!DAO_ID_PATTERN.test(daoId)) throw new AdminError('INVALID_REQUEST', 'daoId: must be 1-41 lower-case letters, digits or "-"');
    const found = (await this.ledger.channels()).flatMap((c) => {
      const parsed = parseDaoChannel(c);
      return parsed?.daoId === daoId ? [{ channel: c, version: parsed.level }] : [];
    });
    if (found.length === 0) throw new AdminError('VERSION_NOT_FOUND', `no version of DAO ${daoId} of which ${this.ledger.mspId} is a member`);
    return found.sort((a, b) => a.version - b.version);
  }

  async #transfer(channel: string, transferId: string): Promise<TransferView> {
    return (await this.#evaluate(channel, DAO.tx.GetTransfer, [transferId], { NOT_FOUND: noTransfer })) as TransferView;
  }

  /** The transfer on one channel, or undefined when that channel does not record it (or its version is not readable). */
  async #transferOn(channel: string, transferId: string): Promise<TransferView | undefined> {
    try {
      return await this.#transfer(channel, transferId);
    } catch (error) {
      if (error instanceof AdminError && error.code === 'TRANSFER_NOT_FOUND') return undefined;
      throw error;
    }
  }

  #memberChannel(daoId: string, version: number): Promise<string> {
    return memberVersionChannel(this.ledger, daoId, version);
  }

  async #proposal(channel: string, proposalId: string): Promise<ProposalView> {
    return (await this.#evaluate(channel, DAO.tx.GetProposal, [proposalId], { NOT_FOUND: noProposal, FORBIDDEN: notAMember })) as ProposalView;
  }

  async #evaluate(channel: string, fn: DaoTransactionName, args: readonly string[], meaning: CodeMeaning): Promise<unknown> {
    let text: string;
    try {
      text = await awaitPrivateData(() => this.ledger.evaluate(this.ledger.mspId, channel, DAO.chaincode, fn, args));
    } catch (error) {
      throw ledgerRefusal(error, channel, meaning);
    }
    return JSON.parse(text);
  }

  async #submit(channel: string, call: { chaincode: string; transaction: string; arguments: readonly string[] }, meaning: CodeMeaning): Promise<{ txId: string }> {
    try {
      // A refusal at endorsement because the peer still lacks the DAO's private data sent nothing to the orderer: asked again while it fetches.
      return await awaitPrivateData(() => this.ledger.submit(channel, call.chaincode, call.transaction, call.arguments));
    } catch (error) {
      throw ledgerRefusal(error, channel, meaning);
    }
  }
}

const noProposal = (message: string) => new AdminError('PROPOSAL_NOT_FOUND', message);
const noTransfer = (message: string) => new AdminError('TRANSFER_NOT_FOUND', message);

function checkId(id: string, name: string): string {
  const parsed = idSchema.safeParse(id);
  if (!parsed.success) throw new AdminError('INVALID_REQUEST', `${name}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function checkProposalId(proposalId: string): string {
  const parsed = idSchema.safeParse(proposalId);
  if (!parsed.success) throw new AdminError('INVALID_REQUEST', `proposalId: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AdminError('INVALID_REQUEST', parsed.error.issues.map((i) => `body${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; '));
  return parsed.data;
}
