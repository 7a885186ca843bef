import type { SubmitOptions } from '@datawell/fabric';
import { DAO, MARKETPLACE, memberInboxSchema, parseContract, type ChaincodeDefinitionMessage, type MemberInboxMessage } from '@datawell/contracts';
import { joinEndorsingOrganisations } from '@datawell/domain';
import type { ConnectionLogger } from '@datawell/messaging';
import {
  approveChaincode,
  approvals,
  approvedPackageId,
  channelConfig,
  channelEndorsers,
  channelOrganisationRoots,
  commitChaincode,
  committedDefinition,
  decodeConfigUpdateEnvelope,
  joinedChannel,
  joiningChannel,
  joinOwnPeer,
  latestChannelConfig,
  ownCaCertPems,
  ownPeerChannels,
  pinnedOrdererTlsCa,
  signConfigUpdate,
  submitConfigUpdate,
  waitForChannelPeers,
  type ChaincodeDefinition,
  type ChannelBlueprint,
  type ChannelConfigView,
  type ChannelOrganisation,
  type CommittedDefinition,
  type JoiningChannel,
  type MemberFabric,
} from '@datawell/stack';
import { AdminError, chaincodeCode } from '../admin/admin.errors';
import { MARKETPLACE_CHANNEL } from '../admin/admin.service';
import type { ConfigGroup } from './config-update-check';
import { checkFormedChannel, checkMarketplace, checkSeat, GenesisRejectedError } from './genesis-check';

/** What the member's bridge needs to act on its own ledger (its Gateway, as itself). */
export interface MemberLedger {
  submit(channel: string, chaincode: string, fn: string, args: readonly string[], options?: Pick<SubmitOptions, 'endorsingOrganizations'>): Promise<{ txId: string }>;
  evaluate(channel: string, chaincode: string, fn: string, args: readonly string[]): Promise<string>;
}

/** The member's part of Fabric's multi-party workflow (libs/stack fabric/parties.ts). */
export interface MemberAdmin {
  /** Joins the member's peer; with `check`, only after the check accepted the channel's genesis block and latest config. */
  joinOwnPeer(channel: string, check?: (joining: JoiningChannel) => void): Promise<void>;
  /** The CA certificate(s) of the member's own MSP, from its own domain. */
  ownCaCertPems(): string[];
  /** The ordering service's TLS CA certificate(s) the member pins (public material it was given at setup). */
  ordererTlsCaPems(): string[];
  /** A channel its peer is on already: its genesis block and latest config, fetched by the member's admin from the ordering service. */
  joinedChannel(channel: string): Promise<JoiningChannel>;
  /** The latest config alone of a channel its peer is on, fetched likewise (a genesis block never changes: ChannelConfigWatch keeps it). */
  latestChannelConfig(channel: string): Promise<ChannelConfigView>;
  /**
   * Approves, as the member's admin, the definition of `name` committed on `channel` when its
   * organisation has not approved it (a definition the channel's governor committed alone, e.g. an
   * upgraded `marketplace`), with the member's own package of that version, so its own peer runs
   * it. `none`: no definition committed (or the peer is not on the channel); `current`: approved
   * already; `no-own-server`: the member has no chaincode server of its own to serve it.
   */
  approveCommitted(channel: string, name: string): Promise<{ readonly outcome: 'approved' | 'current' | 'none' | 'no-own-server'; readonly version?: string; readonly sequence?: number }>;
  approve(channel: string, def: ChaincodeDefinitionMessage): Promise<void>;
  commit(blueprint: ChannelBlueprint, def: ChaincodeDefinitionMessage): Promise<void>;
  waitForPeers(channel: string, members: number): Promise<void>;
  /** The channel's application organisations with their MSPs' root certificates as its config block has them, read from the member's own peer. */
  channelOrganisations(channel: string): Promise<ChannelOrganisation[]>;
  /** The channel's latest config (its channel group, as configtxlator decodes it), fetched by the member's admin from the ordering service. */
  channelConfig(channel: string): Promise<ConfigGroup>;
  /** A config update envelope decoded by the member's own configtxlator. */
  decodeConfigUpdate(envelope: Buffer): Promise<unknown>;
  /** The member's admin signs a config update envelope (`peer channel signconfigtx`): the envelope with its signature added. */
  signConfigUpdate(envelope: Buffer): Promise<Buffer>;
  /** The member's admin submits a config update to the ordering service (`peer channel update`, which adds its signature). */
  submitConfigUpdate(channel: string, envelope: Buffer): Promise<void>;
  /** The channels the member's own peer has joined (a seat's before its bridge relays it among them). */
  ownPeerChannels(): Promise<string[]>;
  /** The definition of `name` committed on `channel`, as the member's own peer reports it (querycommitted), if any. */
  committedDefinition(channel: string, name: string): Promise<CommittedDefinition | undefined>;
  /**
   * Approves, as the member's admin, the private chaincode `def` (name, version, a sequence beyond the
   * committed one) whose collection is `collectionMembers` (the caller read them from the member's own
   * peer): with its own package (its chaincode server's) or, without a server of its own, the package
   * its organisation approved for the committed definition. Idempotent.
   */
  approveDefinition(channel: string, def: DefinitionAt, collectionMembers: readonly string[]): Promise<void>;
  /** Which organisations approved that definition with that collection (checkcommitreadiness, asked of the member's own peer). */
  definitionApprovals(channel: string, def: DefinitionAt, collectionMembers: readonly string[]): Promise<Record<string, boolean>>;
  /**
   * Commits that definition as the member's admin, endorsed by the channel's organisations' peers as
   * the channel's config (fetched by the member's admin) lists them: each one's anchor peer and its
   * MSP's TLS root certificates. Idempotent at that sequence.
   */
  commitDefinition(channel: string, def: DefinitionAt, collectionMembers: readonly string[]): Promise<void>;
}

/** A private chaincode's definition at a sequence: what a member approves and commits (its package is the member's own). */
export interface DefinitionAt {
  readonly name: string;
  readonly version: string;
  readonly sequence: number;
}

/** The definition as libs/stack takes it: a private one, whose package (the member's own server's) is found by approveChaincode, or `packageId` given. */
function privateDefinition(def: DefinitionAt, packageId = ''): ChaincodeDefinition {
  return { name: def.name, version: def.version, sequence: def.sequence, packageId, packageFile: '', privateData: true };
}

export function stackMemberAdmin(fabric: MemberFabric): MemberAdmin {
  return {
    joinOwnPeer: (channel, check) => joinOwnPeer(fabric, channel, undefined, check ? async (block, dir) => check(await joiningChannel(fabric, channel, block, dir)) : undefined),
    ownCaCertPems: () => ownCaCertPems(fabric),
    ordererTlsCaPems: () => pinnedOrdererTlsCa(fabric),
    joinedChannel: (channel) => joinedChannel(fabric, channel),
    latestChannelConfig: (channel) => latestChannelConfig(fabric, channel),
    approveCommitted: async (channel, name) => {
      const committed = await committedDefinition(fabric, channel, name);
      if (!committed) return { outcome: 'none' };
      const at = { version: committed.version, sequence: committed.sequence };
      if (committed.approvals[fabric.mspId] === true) return { outcome: 'current', ...at };
      // Without a server of its own the member would need the operator's package id, which the committed definition does not name.
      if (!fabric.chaincodeServer) return { outcome: 'no-own-server', ...at };
      await approveChaincode(fabric, channel, { name, ...at, packageId: '', packageFile: '' });
      return { outcome: 'approved', ...at };
    },
    approve: (channel, def) => approveChaincode(fabric, channel, def),
    commit: (blueprint, def) => commitChaincode(fabric, blueprint, def),
    waitForPeers: (channel, members) => waitForChannelPeers(fabric, channel, members),
    channelOrganisations: (channel) => channelOrganisationRoots(fabric, channel),
    channelConfig: async (channel) => (await channelConfig(fabric, channel)).channel_group as ConfigGroup,
    decodeConfigUpdate: (envelope) => decodeConfigUpdateEnvelope(fabric, envelope),
    signConfigUpdate: (envelope) => signConfigUpdate(fabric, envelope),
    submitConfigUpdate: (channel, envelope) => submitConfigUpdate(fabric, channel, envelope),
    ownPeerChannels: () => ownPeerChannels(fabric),
    committedDefinition: (channel, name) => committedDefinition(fabric, channel, name),
    approveDefinition: async (channel, def, members) => {
      // A server of its own: approveChaincode approves its own package of that version. Without one, the package its organisation approved before (it is installed on its peer).
      const own = fabric.chaincodeServer ? '' : await approvedPackageId(fabric, channel, def.name, def.sequence - 1);
      if (own === undefined) throw new AdminError('LEDGER_UNAVAILABLE', `${fabric.mspId} has no chaincode server of its own and approved no package of ${def.name} at sequence ${def.sequence - 1} on ${channel}: it has nothing to approve the new definition with`);
      await approveChaincode(fabric, channel, privateDefinition(def, own), members);
    },
    definitionApprovals: (channel, def, members) => approvals(fabric, channel, privateDefinition(def), members),
    commitDefinition: async (channel, def, members) => {
      const blueprint: ChannelBlueprint = { channel, members: [...members], chaincodes: [], peers: await channelEndorsers(fabric, channel) };
      // The caller checked the approvals already: no long wait inside a request.
      await commitChaincode(fabric, blueprint, privateDefinition(def), 10_000, members);
    },
  };
}

export interface MemberNetworkOptions {
  readonly mspId: string;
  readonly admin: MemberAdmin;
  readonly ledger: MemberLedger;
  /** Relays the channel's events from now on, acting there as this member. */
  readonly addChannel: (channel: { name: string; chaincodes: string[]; actingMspId: string }) => Promise<unknown>;
  readonly logger: ConnectionLogger;
}

/** The agreement's signers as the inbox message carries them (the chaincode verifies the signatures themselves). */
function signersOf(signatures: ReadonlyArray<Record<string, unknown>>): Array<{ mspId: string; certificatePem: string }> {
  return signatures.flatMap((s) => (typeof s['mspId'] === 'string' && typeof s['certificatePem'] === 'string' ? [{ mspId: s['mspId'], certificatePem: s['certificatePem'] }] : []));
}

/** A message on the inbox that cannot be acted on: logged and skipped, never retried. */
export class InboxMessageError extends Error {
  override readonly name = 'InboxMessageError';
}

/**
 * The member's own part of the network's life cycle, driven by what the operator's bridge puts in
 * its inbox, done with the member's own identities in its own domain:
 * - admitted to a channel (`marketplace`): its admin joins its peer and approves the chaincodes;
 * - a DAO version's channel formed: the same, its events relayed from now on; and if it is the
 *   version's DSP, it commits the definitions once every member approved, and submits InitVersion
 *   (which the chaincode verifies: signatures and consent), then closes the previous version to new
 *   revenue (RecordSuccessor) and publishes the DAO's directory entry on `marketplace`.
 * Every step is idempotent, so a message redelivered after a crash finishes what was started.
 */
export class MemberNetworkService {
  constructor(private readonly options: MemberNetworkOptions) {}

  /** Parses an inbox CloudEvent's data: InboxMessageError for anything that is not for this member. */
  parse(data: unknown): MemberInboxMessage {
    let message: MemberInboxMessage;
    try {
      message = parseContract('member inbox message', memberInboxSchema, data);
    } catch (error) {
      throw new InboxMessageError(error instanceof Error ? error.message : String(error));
    }
    if (message.mspId !== this.options.mspId) throw new InboxMessageError(`the message is for ${message.mspId}, not ${this.options.mspId}`);
    return message;
  }

  async handle(message: MemberInboxMessage): Promise<void> {
    const { admin, logger, mspId } = this.options;
    const self = { mspId, caCertPems: admin.ownCaCertPems() };
    const ordering = { ordererTlsCaPems: admin.ordererTlsCaPems() };
    let check: (joining: JoiningChannel) => void;
    if (message.kind === 'channel-formed') {
      const expected = { self, members: message.members, signatures: signersOf(message.signatures), ...ordering };
      check = (joining) => checkFormedChannel(message.channel, expected, joining);
    } else {
      // The operator admits its members to its own channel only.
      if (message.channel !== MARKETPLACE_CHANNEL) throw new InboxMessageError(`refused to join ${message.channel}: an admission is to ${MARKETPLACE_CHANNEL} only`);
      check = (joining) => checkMarketplace({ self, ...ordering }, joining);
    }
    try {
      await admin.joinOwnPeer(message.channel, check);
    } catch (error) {
      if (!(error instanceof GenesisRejectedError)) throw error;
      logger.error({ message: 'refused to join a channel whose configuration this member does not accept', channel: message.channel, kind: message.kind, reason: error.message });
      throw new InboxMessageError(`refused to join ${message.channel}: ${error.message}`);
    }
    for (const def of message.chaincodes) await admin.approve(message.channel, def);
    if (message.kind === 'channel-admitted') {
      logger.log({ message: 'joined a channel the operator admitted this member to', channel: message.channel, chaincodes: message.chaincodes.map((c) => c.name) });
      return;
    }
    await this.options.addChannel({ name: message.channel, chaincodes: message.chaincodes.map((c) => c.name), actingMspId: mspId });
    logger.log({ message: 'joined and approved on a DAO channel', channel: message.channel, dsp: message.dsp });
    if (message.dsp !== mspId) return;
    const blueprint: ChannelBlueprint = { channel: message.channel, members: message.members, chaincodes: message.chaincodes, peers: message.peers };
    for (const def of message.chaincodes) await admin.commit(blueprint, def);
    logger.log({ message: 'chaincode definitions committed on a DAO channel', channel: message.channel });
    // The Gateway finds the other members' peers to endorse through gossip.
    await admin.waitForPeers(message.channel, message.members.length);
    await this.#initVersion(message);
    if (message.version > 1) await this.#closePrevious(message);
    await this.#publish(message);
  }

  async #initVersion(message: Extract<MemberInboxMessage, { kind: 'channel-formed' }>): Promise<void> {
    const { ledger, logger } = this.options;
    if (await this.#exists(message.channel)) return;
    const call = DAO.invocation(DAO.tx.InitVersion, message.agreement as never, { signatures: message.signatures } as never);
    try {
      const endorsingOrganizations = joinEndorsers(message);
      const { txId } = await ledger.submit(message.channel, call.chaincode, call.transaction, call.arguments, endorsingOrganizations ? { endorsingOrganizations } : {});
      logger.log({ message: 'version initialised by its DSP', channel: message.channel, txId });
    } catch (error) {
      // Another delivery got there first.
      if (chaincodeCode(error) === 'CONFLICT' && (await this.#exists(message.channel))) return;
      throw error;
    }
  }

  async #exists(channel: string): Promise<boolean> {
    const call = DAO.invocation(DAO.tx.GetVersion);
    try {
      await this.options.ledger.evaluate(channel, call.chaincode, call.transaction, call.arguments);
      return true;
    } catch (error) {
      if (chaincodeCode(error) === 'NOT_FOUND') return false;
      throw error;
    }
  }

  async #closePrevious(message: Extract<MemberInboxMessage, { kind: 'channel-formed' }>): Promise<void> {
    const previous = `dao-${message.daoId}-v${message.version - 1}`;
    const call = DAO.invocation(DAO.tx.RecordSuccessor, { chaincode: DAO.chaincode });
    try {
      await this.options.ledger.submit(previous, call.chaincode, call.transaction, call.arguments);
    } catch (error) {
      if (chaincodeCode(error) !== 'CONFLICT') throw error;
    }
  }

  /** The public directory entry (no β, no amounts) on `marketplace`, as the DSP; skipped when already at this version. */
  async #publish(message: Extract<MemberInboxMessage, { kind: 'channel-formed' }>): Promise<void> {
    const get = MARKETPLACE.invocation(MARKETPLACE.tx.GetDao, message.daoId);
    try {
      const entry = JSON.parse(await this.options.ledger.evaluate('marketplace', get.chaincode, get.transaction, get.arguments)) as { version: number; status: string };
      if (entry.version >= message.version || entry.status === 'dissolved') return;
    } catch (error) {
      if (chaincodeCode(error) !== 'NOT_FOUND') throw error;
    }
    const entry = { daoId: message.daoId, name: message.daoId, summary: `DAO ${message.daoId}, version ${message.version}, ${message.members.length} members`, version: message.version, members: [...message.members], status: 'active' as const };
    const call = MARKETPLACE.invocation(MARKETPLACE.tx.PublishDao, entry);
    await this.options.ledger.submit('marketplace', call.chaincode, call.transaction, call.arguments);
  }
}

/**
 * A newcomer's check of a DAO channel it was seated on by a transfer of rights (its organisation
 * added by a config update, its peer joined), before its bridge relays and serves it: `checkSeat`
 * on the channel's genesis block and latest config, fetched by its own admin. Refused:
 * CHANNEL_REFUSED (422, the member bridge's seat route) with the reason.
 */
export async function checkSeatedChannel(admin: Pick<MemberAdmin, 'joinedChannel' | 'ownCaCertPems' | 'ordererTlsCaPems'>, mspId: string, channel: string): Promise<void> {
  const joined = await admin.joinedChannel(channel);
  try {
    checkSeat(channel, { self: { mspId, caCertPems: admin.ownCaCertPems() }, ordererTlsCaPems: admin.ordererTlsCaPems() }, joined);
  } catch (error) {
    if (error instanceof GenesisRejectedError) throw new AdminError('CHANNEL_REFUSED', `${channel} was not relayed: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * A join's InitVersion is endorsed by the earlier members' peers (joinEndorsingOrganisations). The
 * agreement reaches the inbox unvalidated (the chaincode validates it): one whose members are not
 * readable leaves the choice to the Gateway, and the chaincode refuses it.
 */
function joinEndorsers(message: Extract<MemberInboxMessage, { kind: 'channel-formed' }>): string[] | undefined {
  const members: unknown = message.agreement['members'];
  if (!Array.isArray(members)) return undefined;
  const readable = members.filter((m): m is { mspId: string; group: string } => typeof m === 'object' && m !== null && typeof (m as { mspId?: unknown }).mspId === 'string' && typeof (m as { group?: unknown }).group === 'string');
  return readable.length === members.length ? joinEndorsingOrganisations({ version: message.version, members: readable }) : undefined;
}
