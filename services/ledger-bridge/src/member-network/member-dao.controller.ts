import { Body, Controller, Get, HttpCode, Inject, Optional, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal, forbidden, type Principal } from '@datawell/auth';
import { DAO, DAO_ID_PATTERN, idSchema, MSP_ID_PATTERN } from '@datawell/contracts';
import { zodBody, ZodParams } from '@datawell/service-platform';
import { z } from 'zod';
import { AdminError } from '../admin/admin.errors';
import { openAdmissionJoin, type AdmissionJoins, type AdmissionSession } from './admission-join';
import { collectionRedefinitionSchema, type CollectionRedefinition, type CollectionRedefinitions } from './collection-redefinition';
import { configSignatureSchema, type ConfigSignature, type ConfigSignatures } from './config-signature';
import { memberExitSchema, memberProposalSchema, memberRevenueSchema, memberTransferSchema, memberVoteSchema, memberWorkloadSchema, MemberDao, ownOrganisationOnly, type AllocationView, type MemberLedger, type MemberTransfer, type MemberWrite, type ProposalView } from '../admin/member-dao';

export const MEMBER_LEDGER = Symbol('MEMBER_LEDGER');
/** Where this member opens the join of an accepted admission (absent: no negotiation service configured). */
export const MEMBER_ADMISSION_JOINS = Symbol('MEMBER_ADMISSION_JOINS');
/** Where this member's admin signs a transfer's seat or unseat config update after its own check (absent: the bridge has no Fabric administration). */
export const MEMBER_CONFIG_SIGNATURES = Symbol('MEMBER_CONFIG_SIGNATURES');
/** Where this member's admin approves (and commits) the dao chaincode's new collection after a seat or unseat (absent: the bridge has no Fabric administration). */
export const MEMBER_COLLECTIONS = Symbol('MEMBER_COLLECTIONS');

/** The path parameters of a member route on a DAO version (/daos/:daoId/versions/:version/…), documented from these. */
export const versionParams = { daoId: z.string().regex(DAO_ID_PATTERN), version: z.string().regex(/^[1-9]\d{0,3}$/) };

/** The part of Express's response a member route that answers 201 or 200 uses (its types are not a dependency). */
export interface StatusResponse {
  status(code: number): StatusResponse;
}

const proposalParams = { ...versionParams, proposalId: idSchema };

/**
 * A member domain's own API over its DAOs, served by its member-mode bridge to its own people: reads
 * of a version (state, entitlements, proposals) and the member's own writes (revenue, workloads,
 * proposals, votes, exit), each through the
 * member's own peer with the member's own identity. Only identities of this organisation are
 * answered; the operator's services neither see this data nor sign these transactions.
 */
@ApiTags('member')
@Controller('daos')
export class MemberDaoController {
  readonly #dao: MemberDao;
  readonly #joins: AdmissionJoins | undefined;
  readonly #signatures: ConfigSignatures | undefined;
  readonly #collections: CollectionRedefinitions | undefined;

  constructor(
    @Inject(MEMBER_LEDGER) ledger: MemberLedger,
    @Optional() @Inject(MEMBER_ADMISSION_JOINS) joins?: AdmissionJoins | null,
    @Optional() @Inject(MEMBER_CONFIG_SIGNATURES) signatures?: ConfigSignatures | null,
    @Optional() @Inject(MEMBER_COLLECTIONS) collections?: CollectionRedefinitions | null,
  ) {
    this.#dao = new MemberDao(ledger);
    this.#joins = joins ?? undefined;
    this.#signatures = signatures ?? undefined;
    this.#collections = collections ?? undefined;
  }

  // Before `:what` (as allocations): Express matches routes in the order they are declared.
  @Get(':daoId/versions/:version/proposals')
  @Authenticated()
  @ApiOperation({ summary: "The version's proposals, newest first, each with its votes, tally (yesPpm, noPpm), deadline (votingEndsAtMs) and quorum as this member's own peer reads it (GetProposal); the ids are those whose ProposalCreated event this bridge has followed, so a new proposal is listed once its event has reached it (within seconds). VERSION_NOT_FOUND where it is not a member" })
  @ZodParams(versionParams)
  async proposals(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string): Promise<ProposalView[]> {
    this.#own(principal);
    return this.#dao.proposals(daoId, Number(version));
  }

  @Get(':daoId/versions/:version/allocations')
  @Authenticated()
  @ApiOperation({
    summary:
      "The version's allocations, oldest first, as this member's own peer reads them (GetAllocation): each revenue recorded on this channel and each rest relayed to it from the next version's channel, with its source (revenueId, or sourceChannel and sourceTxId), lump, betaPpm, payouts per member, rest, restTo, txId and atMs. The ids are those of the RevenueRecorded and AllocationReceived events this bridge has followed, so a new allocation is listed once its event has reached it (within seconds). For this organisation's identities only (FORBIDDEN to others); VERSION_NOT_FOUND where it is not a member",
  })
  @ZodParams(versionParams)
  async allocations(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string): Promise<AllocationView[]> {
    this.#own(principal);
    return this.#dao.allocations(daoId, Number(version));
  }

  @Get(':daoId/versions/:version/channel')
  // Its MPC node reads the organisations' root certificates (the requester's CA, before it takes part), with the node's own identity.
  @Authenticated('participantOrWorkload')
  @ApiOperation({
    summary:
      "The version's channel and its organisations as Fabric's channel config reports them (not the chaincode's member states), read by this member's admin from its own peer: {daoId, version, channel, organisations, rootCertificates (each organisation's MSP root certificates, PEM), source: fabric-channel-config}. For this organisation's identities only, its MPC node's among them (FORBIDDEN to others); VERSION_NOT_FOUND where its bridge does not follow the channel; LEDGER_UNAVAILABLE when the config cannot be read",
  })
  @ZodParams(versionParams)
  async channel(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string): Promise<Awaited<ReturnType<MemberDao['channel']>>> {
    this.#own(principal);
    return this.#dao.channel(daoId, Number(version));
  }

  @Get(':daoId/versions/:version/:what')
  // Its MPC node reads the state (its ledger check before it takes part), with the node's own identity.
  @Authenticated('participantOrWorkload')
  @ApiOperation({ summary: "A DAO version's state or entitlements, read through this member's own peer: for this organisation's identities only (FORBIDDEN to others; VERSION_NOT_FOUND where it is not a member)" })
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), version: z.string().regex(/^[1-9]\d{0,3}$/), what: z.enum(['state', 'entitlements']) })
  async read(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('what') what: string): Promise<unknown> {
    this.#own(principal);
    if (what !== 'state' && what !== 'entitlements') throw new AdminError('INVALID_REQUEST', `${what}: a version has state and entitlements`);
    if (principal.workload !== undefined && what !== 'state') throw forbidden(`${principal.enrollmentId} is a workload's identity (${principal.workload}): it reads a version's state only`);
    return this.#dao.read(daoId, Number(version), what === 'state' ? DAO.tx.GetVersion : DAO.tx.GetEntitlements);
  }

  @Post(':daoId/revenue')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Record revenue the DAO earned, on its top channel, signed by this member (RecordRevenue); idempotent by revenueId (REVENUE_EXISTS when it was recorded before)" })
  @ApiBody(zodBody('MemberRevenue', memberRevenueSchema))
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN) })
  async revenue(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Body() body: unknown): Promise<{ daoId: string; channel: string; revenueId: string; txId: string }> {
    this.#own(principal);
    return this.#dao.recordRevenue(daoId, body);
  }

  @Post(':daoId/versions/:version/workloads')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Register a workload this member runs itself (self-hosted) with the public key its heartbeats are signed with, on the version's channel, signed by this member (RegisterWorkload); WORKLOAD_EXISTS when the id is registered already, VERSION_NOT_FOUND where it is not a member" })
  @ApiBody(zodBody('MemberWorkload', memberWorkloadSchema))
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), version: z.string().regex(/^[1-9]\d{0,3}$/) })
  async workload(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Body() body: unknown): Promise<{ daoId: string; version: number; channel: string; workloadId: string; owner: string; txId: string }> {
    this.#own(principal);
    return this.#dao.registerWorkload(daoId, Number(version), body);
  }

  @Post(':daoId/versions/:version/proposals')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({
    summary:
      "Propose a change to the version (change-terms, change-infrastructure, admit-member, dissolve), signed by this member (CreateProposal); its voting period and quorum are the version's terms. PROPOSAL_EXISTS, ALREADY_A_MEMBER, NOT_A_MEMBER (not an active member), DAO_DISSOLVED, LEDGER_REJECTED (the chaincode refused the payload)",
  })
  @ApiBody(zodBody('MemberProposal', memberProposalSchema))
  @ZodParams(versionParams)
  async propose(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Body() body: unknown): Promise<MemberWrite & { proposal: ProposalView }> {
    this.#own(principal);
    return this.#dao.propose(daoId, Number(version), body);
  }

  @Get(':daoId/versions/:version/proposals/:proposalId')
  @Authenticated()
  @ApiOperation({ summary: 'A proposal with its votes, its deadline (votingEndsAtMs) and quorum, read through this member\'s own peer (GetProposal); PROPOSAL_NOT_FOUND' })
  @ZodParams(proposalParams)
  async proposal(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('proposalId') proposalId: string): Promise<ProposalView> {
    this.#own(principal);
    return this.#dao.proposal(daoId, Number(version), proposalId);
  }

  @Post(':daoId/versions/:version/proposals/:proposalId/votes')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({
    summary:
      "Vote yes or no with this member's ownership weight, signed by this member (CastVote); answers the proposal after the vote (decided once no remaining vote can change the outcome). ALREADY_VOTED, VOTING_CLOSED (past the deadline, in transaction time), PROPOSAL_DECIDED, PROPOSAL_NOT_FOUND, NOT_A_MEMBER",
  })
  @ApiBody(zodBody('MemberVote', memberVoteSchema))
  @ZodParams(proposalParams)
  async vote(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('proposalId') proposalId: string, @Body() body: unknown): Promise<MemberWrite & { proposal: ProposalView }> {
    this.#own(principal);
    return this.#dao.vote(daoId, Number(version), proposalId, body);
  }

  @Post(':daoId/versions/:version/proposals/:proposalId/close')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: 'Decide a proposal whose voting period has ended by the votes cast (CloseProposal, signed by this member): accepted or rejected by the majority of votes cast, expired below the quorum. VOTING_OPEN before the deadline, PROPOSAL_DECIDED, PROPOSAL_NOT_FOUND' })
  @ZodParams(proposalParams)
  async close(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('proposalId') proposalId: string): Promise<MemberWrite & { proposal: ProposalView }> {
    this.#own(principal);
    return this.#dao.close(daoId, Number(version), proposalId);
  }

  @Post(':daoId/versions/:version/proposals/:proposalId/join')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({
    summary:
      "Open (or find) the join negotiation an accepted admit-member proposal starts, in the negotiation service, as this member: a join session of the DAO's next version with the admitted party, visible to it and to every active member. The bridge does it by itself when it sees the decision; this asks now. Idempotent: one session per DAO and proposal. NOT_AN_ADMISSION, PROPOSAL_NOT_ACCEPTED, PROPOSAL_NOT_FOUND, JOIN_REFUSED (the negotiation service's code in details), NEGOTIATION_UNAVAILABLE",
  })
  @ZodParams(proposalParams)
  async join(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('proposalId') proposalId: string): Promise<{ daoId: string; proposalId: string; admitted: string; session: AdmissionSession }> {
    this.#own(principal);
    return openAdmissionJoin(this.#joins, daoId, await this.#dao.proposal(daoId, Number(version), proposalId));
  }

  @Post(':daoId/versions/:version/exit')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Give notice of leaving the version, signed by this member (RequestExit): the exit may be completed once the terms' exitNoticeSeconds have run. EXIT_ALREADY_REQUESTED, NOT_A_MEMBER" })
  @ApiBody(zodBody('MemberExit', memberExitSchema))
  @ZodParams(versionParams)
  async exit(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Body() body: unknown): Promise<MemberWrite & { member: Record<string, unknown> }> {
    this.#own(principal);
    return this.#dao.requestExit(daoId, Number(version), body);
  }

  @Post(':daoId/versions/:version/members/:mspId/exit')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Complete a member's requested exit once its notice has run (CompleteExit, signed by this member; any active member may): its level passes inward as the chaincode rules. EXIT_NOT_REQUESTED, EXIT_NOTICE_RUNNING, MEMBER_NOT_ACTIVE, MEMBER_NOT_FOUND" })
  @ZodParams({ ...versionParams, mspId: z.string().regex(MSP_ID_PATTERN) })
  async completeExit(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Param('mspId') mspId: string): Promise<MemberWrite & { member: Record<string, unknown> }> {
    this.#own(principal);
    return this.#dao.completeExit(daoId, Number(version), mspId);
  }

  @Post(':daoId/versions/:version/seat')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Relay and serve a version's channel this member was seated on by a transfer of rights (its organisation added by a config update signed by a majority of the channel's admins, its peer joined by its own admin), checked by reading the version through its own peer. Idempotent (relayed: false when already relayed). VERSION_NOT_FOUND where its peer cannot read it" })
  @ZodParams(versionParams)
  async seat(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string): Promise<{ daoId: string; version: number; channel: string; relayed: boolean }> {
    this.#own(principal);
    return this.#dao.seat(daoId, Number(version));
  }

  @Post(':daoId/versions/:version/config-updates/signature')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary:
      "Sign, as this member's admin, a config update of the version's channel that seats a transfer's recipient or unseats its leaver, after this bridge's own check through its own peer and admin: the envelope is a CONFIG_UPDATE of exactly this channel; applied to the channel's current config it adds exactly the transfer's recipient, with its group exactly as marketplace's config records it and its root CA the one its registration holds (the transfer offered and consented), or removes exactly the transfer's leaver (the transfer completed), and changes nothing else. Answers {daoId, version, channel, transferId, change: {kind: seat|unseat, mspId}, signedBy, envelope (base64, this member's signature added)}; the caller carries it to the next admin. With submit: true (the last signer of the majority) this member's admin also submits it to the ordering service (`peer channel update`, which adds its signature) and the answer has submitted: true and the envelope given; CONFIG_UPDATE_NOT_ACCEPTED (422) when the ordering service refuses it (too few signatures, a stale read set). For an administrator of this organisation only (OU=admin; FORBIDDEN to others). CONFIG_UPDATE_REFUSED (422, the reason names what differs), CHANNEL_REFUSED, TRANSFER_NOT_FOUND and VERSION_NOT_FOUND (404), INVALID_REQUEST (400: not a config update envelope), LEDGER_UNAVAILABLE",
  })
  @ApiBody(zodBody('MemberConfigSignature', configSignatureSchema))
  @ZodParams(versionParams)
  async signConfigUpdate(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Body() body: unknown): Promise<ConfigSignature> {
    this.#own(principal);
    if (principal.admin !== true) throw forbidden(`${principal.enrollmentId} is not an administrator of ${principal.mspId}: only its admin signs the channel's config updates`);
    if (!this.#signatures) throw new AdminError('LEDGER_UNAVAILABLE', "this bridge has no Fabric administration of its own (LEDGER_BRIDGE_MEMBER_ADMIN_MSP_DIR and the rest): it signs no config update");
    return this.#signatures.sign(daoId, Number(version), body);
  }

  @Post(':daoId/versions/:version/collection')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary:
      "Approve, as this member's admin, the dao chaincode's definition whose private data collection is the version's channel's organisations, once a transfer's seat or unseat changed them: the bridge reads the committed definition and the channel's organisations from its own peer and admin (nothing from the request) and, when the committed collection's members differ, approves the same name and version at the next sequence with its own package (idempotent). With commit: true (the last approver) its admin also commits it, endorsed by the peers the channel's config lists (each organisation's anchor peer and its MSP's TLS root certificates), once its own peer shows every organisation's approval. Answers {daoId, version, channel, chaincode: dao, members (sorted MSP ids), sequence, outcome: current (the committed collection has these members already), approved or committed}. For an administrator of this organisation only (OU=admin; FORBIDDEN to others). COLLECTION_NOT_APPROVED (409, details.missing names the organisations whose approval its peer does not show yet), CHANNEL_REFUSED (422), VERSION_NOT_FOUND (404: not a channel its peer has joined), INVALID_REQUEST (400), LEDGER_UNAVAILABLE",
  })
  @ApiBody(zodBody('MemberCollectionRedefinition', collectionRedefinitionSchema))
  @ZodParams(versionParams)
  async redefineCollection(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('version') version: string, @Body() body: unknown): Promise<CollectionRedefinition> {
    this.#own(principal);
    if (principal.admin !== true) throw forbidden(`${principal.enrollmentId} is not an administrator of ${principal.mspId}: only its admin approves the channel's chaincode definitions`);
    if (!this.#collections) throw new AdminError('LEDGER_UNAVAILABLE', "this bridge has no Fabric administration of its own (LEDGER_BRIDGE_MEMBER_ADMIN_MSP_DIR and the rest): it approves no chaincode definition");
    return this.#collections.redefine(daoId, Number(version), body);
  }

  @Post(':daoId/transfers')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({
    summary:
      "Offer this member's whole position (level, group weight, ownership, entitlement to future revenue) to another member of its group or to a newcomer registered with its role, signed by this member (OfferTransfer) on every channel of the DAO its peer has joined (its level and above). The position moves once the recipient has accepted and the join consent rule holds (every active member of D and more than half of the active ownership; the leaver counts). Answers the transfer on each channel. SELF_TRANSFER, RECIPIENT_AT_OTHER_LEVEL, RECIPIENT_NOT_ACTIVE, RECIPIENT_NOT_PARTICIPANT, ROLE_MISMATCH, TRANSFER_EXISTS, TRANSFER_PENDING, EXIT_ALREADY_REQUESTED, NOT_A_MEMBER, VERSION_NOT_FOUND",
  })
  @ApiBody(zodBody('MemberTransferOffer', memberTransferSchema))
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN) })
  async offerTransfer(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Body() body: unknown): Promise<MemberTransfer> {
    this.#own(principal);
    return this.#dao.offerTransfer(daoId, body);
  }

  @Get(':daoId/transfers/:transferId')
  @Authenticated()
  @ApiOperation({ summary: 'A transfer of rights on each channel of the DAO this member is in that records it (GetTransfer: its status, consents, acceptance, and where the consent rule stands). TRANSFER_NOT_FOUND' })
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), transferId: idSchema })
  async transfer(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('transferId') transferId: string): Promise<MemberTransfer> {
    this.#own(principal);
    return this.#dao.transfer(daoId, transferId);
  }

  @Post(':daoId/transfers/:transferId/consent')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Consent to another member's transfer of its position, signed by this member (ConsentTransfer) on every channel of the DAO where it sits and the transfer is recorded; the consent that completes the rule (once the recipient accepted) moves the position. ALREADY_CONSENTED is skipped on a retry; NOT_TRANSFER_PARTY (the recipient accepts instead), TRANSFER_DECIDED, TRANSFER_NOT_FOUND, NOT_A_MEMBER" })
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), transferId: idSchema })
  async consentTransfer(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('transferId') transferId: string): Promise<MemberTransfer> {
    this.#own(principal);
    return this.#dao.consentTransfer(daoId, transferId);
  }

  @Post(':daoId/transfers/:transferId/accept')
  @HttpCode(201)
  @Authenticated()
  @ApiOperation({ summary: "Accept a transfer offered to this member, signed by this member (AcceptTransfer) on every channel of the DAO its peer has joined (a newcomer once its organisation was added to the channels of the position's level and above); the acceptance that completes the transfer (once consented) moves the position. NOT_TRANSFER_RECIPIENT, TRANSFER_DECIDED, TRANSFER_NOT_FOUND, VERSION_NOT_FOUND" })
  @ZodParams({ daoId: z.string().regex(DAO_ID_PATTERN), transferId: idSchema })
  async acceptTransfer(@CurrentPrincipal() principal: Principal, @Param('daoId') daoId: string, @Param('transferId') transferId: string): Promise<MemberTransfer> {
    this.#own(principal);
    return this.#dao.acceptTransfer(daoId, transferId);
  }

  #own(principal: Principal): void {
    const self = this.#dao.mspId;
    ownOrganisationOnly(self, principal);
  }
}
