import { readFileSync } from 'node:fs';
import { DAO, parseDaoChannel } from '@datawell/contracts';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { readMspPackage } from '../domains/msp-package';
import { StackError } from '../errors';
import { withStackLock } from '../lock';
import { sleep, waitFor } from '../proc';
import { checkSeatedChannel, joiningChannel, ownPlaceExpectations } from './channel-check';
import { orgDefinition } from './configtx';
import { fabricDirs, findOrg, loadRegistry, OPERATOR_ORG, saveRegistry } from './layout';
import {
  approveChaincode,
  channelOrganisations,
  commitChaincode,
  committedDefinition,
  joinOwnPeer,
  memberFabric,
  ownPeerChannels,
  ownPeerHeight,
  proposeOrgAddition,
  proposeOrgRemoval,
  publishChaincodePackage,
  signConfigUpdate,
  submitConfigUpdate,
  toolingFabric,
  waitForChannelPeers,
  type ChaincodeDefinition,
  type ChannelBlueprint,
  type MemberFabric,
} from './parties';
import { isPrivateChaincodeModule, isPrivateChaincodeName } from './collections';
import { peerProcess } from './nodes';

/*
 * A seat on a DAO channel changes hands (a transfer of rights, docs/governance.md): the newcomer's
 * organisation is added to the channel and the leaver's removed, each by a channel config update
 * that a majority of the channel's current admins sign (MAJORITY Admins), every signer with its own
 * admin identity. An organisation held by a domain signs through its own ledger bridge, which checks
 * the update against its own peer first (it adds exactly the transfer's recipient, or removes exactly
 * its leaver) and may refuse it: the tooling only carries the envelope from one bridge to the next,
 * and the last signer's bridge submits it. An organisation the tooling itself holds (no domain) signs
 * with the tooling. The dao chaincode's private collection then follows the channel's organisations:
 * each domain's bridge approves its new definition as its own admin, from what its own peer shows
 * (the committed definition, the channel's organisations), and when every organisation is a
 * domain's the last one's bridge commits it, endorsed by the peers its own channel config lists;
 * the tooling only asks them in turn (redefineCollection).
 */

/** What a domain's bridge is asked to sign: the update of `channel` (DAO `daoId`, version `version`) for transfer `transferId`. */
export interface ConfigSignatureRequest {
  readonly channel: string;
  readonly daoId: string;
  readonly version: number;
  readonly transferId: string;
  readonly envelope: Buffer;
  /** The last signer of the majority: its bridge also submits the update as its admin (and answers the envelope given). */
  readonly submit?: boolean;
}

/** Asks the bridge of `mspId`'s domain, as its admin, to check and sign a config update; answers the envelope with its signature added (or rejects with its refusal). */
export type DomainConfigSigner = (mspId: string, request: ConfigSignatureRequest) => Promise<Buffer>;

/** What a domain's bridge is asked of the dao chaincode's collection on `channel` (DAO `daoId`, version `version`): to approve its redefinition, and with `commit` to commit it. */
export interface CollectionRequest {
  readonly channel: string;
  readonly daoId: string;
  readonly version: number;
  /** The last approver: its bridge also commits the definition, once its own peer shows every organisation's approval. */
  readonly commit?: boolean;
}

/**
 * A bridge's answer: the collection's members (the channel's organisations as its own peer shows
 * them), the definition's sequence and what it did; or, for a commit asked before its peer showed
 * every organisation's approval (409 COLLECTION_NOT_APPROVED), the organisations it misses.
 */
export type CollectionAnswer =
  | { readonly outcome: 'current' | 'approved' | 'committed'; readonly members: readonly string[]; readonly sequence: number }
  | { readonly outcome: 'not-approved'; readonly missing: readonly string[] };

/** Asks the bridge of `mspId`'s domain, as its admin, to approve (and with `commit`, commit) the dao chaincode's definition whose collection is the channel's organisations as its own peer shows them. */
export type DomainCollectionApprover = (mspId: string, request: CollectionRequest) => Promise<CollectionAnswer>;

/** How a seat or an unseat has its update signed by organisations held in domains: the transfer it serves and who carries the envelope to their bridges. */
export interface SeatSignatures {
  readonly transferId: string;
  readonly signer: DomainConfigSigner;
  /** Who asks the domains' bridges to approve (and commit) the private chaincode's new collection once the channel's organisations changed. */
  readonly collection?: DomainCollectionApprover;
}

/** How long the tooling asks the last domain's bridge again to commit while its peer does not show every approval yet (a block on its way). */
const COLLECTION_COMMIT_WAIT_MS = 60_000;

/** The admin view of an organisation: its own domain's (as its OS user) or, for one the tooling holds, the tooling's. */
export function channelAdmin(ctx: StackContext, mspId: string): MemberFabric {
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId);
  return org.domain ? memberFabric(ctx, mspId) : toolingFabric(ctx, org);
}

/** Whether an organisation of the stack's registry (as it is now) is held by its own domain rather than by the tooling. */
function heldInDomain(ctx: StackContext): (mspId: string) => boolean {
  const registry = loadRegistry(fabricDirs(ctx.settings));
  return (mspId) => findOrg(registry, mspId).domain !== undefined;
}

/** The organisations whose admins sign a config update of a channel with `orgs`: a majority, `avoid` last resort. */
function majoritySigners(orgs: readonly string[], avoid?: string): string[] {
  const ordered = [...orgs.filter((o) => o !== avoid), ...orgs.filter((o) => o === avoid)];
  return ordered.slice(0, Math.floor(orgs.length / 2) + 1);
}

/**
 * Has the update signed by each signer: a domain's through its own bridge (`signatures`), after its
 * check; one the tooling holds by the tooling. The tooling's own signers sign with `peer channel
 * signconfigtx`, the last of them submitting it; when every signer is a domain, all sign through their
 * bridges and the last one's bridge submits it as its admin (`submit`): no member's signature is made
 * outside its own bridge. Waits until the first signer's peer shows `done`.
 */
async function signAndSubmit(ctx: StackContext, channel: string, envelope: Buffer, signers: readonly string[], done: (orgs: string[]) => boolean, signatures?: SeatSignatures): Promise<void> {
  const inDomain = heldInDomain(ctx);
  const held = signers.filter((s) => !inDomain(s));
  // The tooling's last signer submits; with none, the last domain's bridge does.
  const submitter = held[held.length - 1];
  const bridgeSubmits = submitter === undefined;
  let signed = envelope;
  for (const [i, signer] of signers.entries()) {
    if (inDomain(signer)) signed = await signedByBridge(channel, signer, signed, signatures, bridgeSubmits && i === signers.length - 1);
    else if (signer !== submitter) signed = await signConfigUpdate(channelAdmin(ctx, signer), signed);
  }
  if (submitter !== undefined) await submitConfigUpdate(channelAdmin(ctx, submitter), channel, signed);
  await waitFor(`the config update of ${channel} to reach ${signers[0]}'s peer`, async () => done(await channelOrganisations(channelAdmin(ctx, signers[0]!), channel)), 60_000, 'fabric');
}

/** A domain's signature, asked of its own bridge for the transfer the update serves. */
async function signedByBridge(channel: string, mspId: string, envelope: Buffer, signatures: SeatSignatures | undefined, submit: boolean): Promise<Buffer> {
  const dao = parseDaoChannel(channel);
  if (!dao) throw new StackError('BAD_SETTING', `${channel} is not a DAO channel: ${mspId}'s bridge signs only its DAO channels' updates`, 'fabric');
  if (!signatures) throw new StackError('BAD_SETTING', `${mspId} is held by its own domain: its bridge signs the update of ${channel} only for a transfer (give the transfer id)`, 'fabric');
  return signatures.signer(mspId, { channel, daoId: dao.daoId, version: dao.level, transferId: signatures.transferId, envelope, ...(submit ? { submit } : {}) });
}

/**
 * Adds `mspId` to a channel by a config update from its public MSP package (a domain's) or its
 * definition (the tooling's), signed by a majority of the channel's current admins (a domain's
 * through its own bridge, for transfer `signatures.transferId`: `signAndSubmit`); then the
 * newcomer's own admin checks the channel (`checkSeatedChannel`: ChannelRejectedError, its peer not
 * joined) and joins its peer, waits for it to catch up, and installs and approves the
 * committed definitions of `chaincodes` for its organisation. Idempotent.
 */
export async function seatOnChannel(ctx: StackContext, channel: string, mspId: string, chaincodes: readonly string[], signatures?: SeatSignatures): Promise<void> {
  await withStackLock(ctx, async () => {
    const registry = loadRegistry(fabricDirs(ctx.settings));
    const known = registry.channels[channel];
    if (!known) throw new StackError('BAD_SETTING', `unknown channel ${channel}`, 'fabric');
    const org = findOrg(registry, mspId);
    const members = known.orgs.filter((o) => o !== mspId);
    const reader = channelAdmin(ctx, members[0]!);
    const current = await channelOrganisations(reader, channel);
    if (!current.includes(mspId)) {
      ctx.progress.step('fabric', `adding ${mspId} to ${channel} by a config update signed by a majority of its admins`);
      const definition = org.domain ? readMspPackage(ctx, org.domain) : orgDefinition(ctx, org);
      const signers = majoritySigners(current);
      await signAndSubmit(ctx, channel, await proposeOrgAddition(channelAdmin(ctx, signers[0]!), channel, definition), signers, (orgs) => orgs.includes(mspId), signatures);
    }
    if (!known.orgs.includes(mspId)) {
      known.orgs.push(mspId);
      saveRegistry(fabricDirs(ctx.settings), registry);
    }
    const own = channelAdmin(ctx, mspId);
    // The newcomer's own look before its peer joins: the channel asked for, ordered by the ordering
    // service it pins, its own CA as its MSP, every organisation's policies its own, governed by the
    // members' majority, the operator not among them (channel-check.ts).
    const check = async (block: string, dir: string) => checkSeatedChannel(ownPlaceExpectations(own, channel), await joiningChannel(own, channel, block, dir), OPERATOR_ORG.mspId);
    if (!(await ownPeerChannels(own)).includes(channel)) await joinOwnPeer(own, channel, undefined, check);
    const target = await ownPeerHeight(reader, channel);
    await waitFor(`${mspId}'s peer to catch up on ${channel}`, async () => (await ownPeerHeight(own, channel)) >= target, 120_000, 'fabric');
    const now = await channelOrganisations(reader, channel);
    for (const name of chaincodes) {
      const committed = await committedDefinition(reader, channel, name);
      if (!committed) throw new StackError('BAD_SETTING', `no definition of ${name} is committed on ${channel}`, 'fabric');
      if (isPrivateIn(registry, name)) await redefineCollection(ctx, channel, name, now, signatures);
      else await approveChaincode(own, channel, { ...(await publishChaincodePackage(ctx, name)), version: committed.version, sequence: committed.sequence });
    }
    await waitForChannelPeers(own, channel, current.length + (current.includes(mspId) ? 0 : 1));
  });
}

/**
 * Removes `mspId` from a channel by a config update signed by a majority of the channel's admins
 * (the leaver's own admin only if the others are not enough; a domain's through its own bridge, for
 * transfer `signatures.transferId`). Its peer keeps the blocks it has but
 * receives no new ones, and its identities can no longer transact there. Idempotent.
 */
export async function unseatFromChannel(ctx: StackContext, channel: string, mspId: string, signatures?: SeatSignatures): Promise<void> {
  await withStackLock(ctx, async () => {
    const registry = loadRegistry(fabricDirs(ctx.settings));
    const known = registry.channels[channel];
    if (!known) throw new StackError('BAD_SETTING', `unknown channel ${channel}`, 'fabric');
    const stays = known.orgs.filter((o) => o !== mspId);
    if (stays.length === 0) throw new StackError('BAD_SETTING', `${mspId} is the last member of ${channel}`, 'fabric');
    const current = await channelOrganisations(channelAdmin(ctx, stays[0]!), channel);
    if (current.includes(mspId)) {
      ctx.progress.step('fabric', `removing ${mspId} from ${channel} by a config update signed by a majority of its admins`);
      const signers = majoritySigners(current, mspId);
      await signAndSubmit(ctx, channel, await proposeOrgRemoval(channelAdmin(ctx, signers[0]!), channel, mspId), signers, (orgs) => !orgs.includes(mspId), signatures);
    }
    if (known.orgs.includes(mspId)) {
      known.orgs = stays;
      saveRegistry(fabricDirs(ctx.settings), registry);
    }
    // The leaver's organisation leaves the private chaincodes' collections too: it receives none of the DAO's private data from now on.
    const now = await channelOrganisations(channelAdmin(ctx, stays[0]!), channel);
    for (const [name, cc] of Object.entries(registry.chaincodes)) if (cc.channels[channel] && isPrivateIn(registry, name)) await redefineCollection(ctx, channel, name, now, signatures);
  });
}

/** Whether the stack's chaincode of this name keeps its state in the members' collection (the dao chaincode's module, whatever its name). */
function isPrivateIn(registry: ReturnType<typeof loadRegistry>, name: string): boolean {
  return isPrivateChaincodeName(name) || isPrivateChaincodeModule(registry.chaincodes[name]?.modulePath ?? '');
}

/**
 * A private chaincode's collection follows the channel's organisations (fabric/collections.ts): when
 * they changed, every organisation of the channel approves the definition again, at the next
 * sequence, as its own admin (each derives the collection from its own peer's channel config), and
 * one commits it, endorsed by their peers. An organisation held by a domain approves through its own
 * bridge (`signatures.collection`), which reads the committed definition and the channel's
 * organisations from its own peer; one the tooling holds approves with the tooling. When every
 * organisation is a domain's, the last one's bridge commits (`commit`), with the endorsers its own
 * channel config lists; otherwise the tooling does. The newcomer's peer then fetches the earlier
 * private data by reconciliation. Idempotent: nothing when the committed collection already has these members.
 */
async function redefineCollection(ctx: StackContext, channel: string, name: string, members: readonly string[], signatures?: SeatSignatures): Promise<void> {
  const inDomain = heldInDomain(ctx);
  const reader = channelAdmin(ctx, members[0]!);
  const committed = await committedDefinition(reader, channel, name);
  if (!committed) throw new StackError('BAD_SETTING', `no definition of ${name} is committed on ${channel}`, 'fabric');
  if ((committed.collectionMembers ?? []).join() === [...members].sort().join()) return;
  const sequence = committed.sequence + 1;
  const domains = members.filter(inDomain);
  const held = members.filter((m) => !inDomain(m));
  const bridge = domains.length > 0 ? collectionBridge(channel, name, domains, signatures) : undefined;
  ctx.progress.step('fabric', `${name} on ${channel}: its collection becomes ${[...members].sort().join(', ')} (sequence ${sequence}), approved by each organisation${domains.length > 0 ? ` (${domains.join(', ')} through their own bridges)` : ''}`);
  // Every organisation the tooling holds: the tooling approves and commits as now; none: the last domain's bridge commits.
  const committer = held.length === 0 ? domains[domains.length - 1] : undefined;
  const def = held.length > 0 ? { ...(await publishChaincodePackage(ctx, name)), version: committed.version, sequence } : undefined;
  const expected = [...members].sort();
  for (const msp of members) {
    if (msp === committer) continue;
    if (bridge && inDomain(msp)) await askBridge(bridge, msp, channel, expected, sequence, false);
    else await approveChaincode(channelAdmin(ctx, msp), channel, def!);
  }
  if (bridge && committer) await askBridge(bridge, committer, channel, expected, sequence, true);
  else await commitChaincode(reader, channelBlueprintOf(ctx, channel, members, def!), def!);
}

/** Asks a domain's bridge about the collection of `channel`'s `name`: only the dao chaincode of a DAO channel, and only with a callback that reaches the bridges. */
export function collectionBridge(channel: string, name: string, domains: readonly string[], signatures: SeatSignatures | undefined): (mspId: string, commit: boolean) => Promise<CollectionAnswer> {
  const dao = parseDaoChannel(channel);
  if (!dao) throw new StackError('BAD_SETTING', `${channel} is not a DAO channel: ${domains.join(', ')}'s bridges approve only their DAO channels' collections`, 'fabric');
  if (name !== DAO.chaincode) throw new StackError('BAD_SETTING', `${name} on ${channel}: ${domains.join(', ')}'s bridges approve the collection of the ${DAO.chaincode} chaincode only`, 'fabric');
  const approver = signatures?.collection;
  if (!approver) throw new StackError('BAD_SETTING', `${domains.join(', ')} ${domains.length > 1 ? 'are' : 'is'} held by ${domains.length > 1 ? 'their' : 'its'} own domain: the new collection of ${name} on ${channel} is approved only through ${domains.length > 1 ? 'their' : 'its'} own bridge (give the collection approver)`, 'fabric');
  return (mspId, commit) => approver(mspId, { channel, daoId: dao.daoId, version: dao.level, ...(commit ? { commit: true } : {}) });
}

/**
 * A domain's bridge approves (and, the last one, commits) the definition the tooling expects: the
 * collection of `members` at `sequence` (or that one committed already). While its peer does not show
 * every approval yet (409, a block on its way) or shows other organisations, it is asked again, for up
 * to a minute; then the tooling gives up with what the bridge answered.
 */
export async function askBridge(bridge: ReturnType<typeof collectionBridge>, mspId: string, channel: string, members: readonly string[], sequence: number, commit: boolean, waitMs = COLLECTION_COMMIT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const answer = await bridge(mspId, commit);
    const behind =
      answer.outcome === 'not-approved'
        ? `its peer does not show the approvals of ${answer.missing.join(', ')}`
        : answer.members.join() !== members.join()
          ? `its peer shows the channel's organisations as ${answer.members.join(', ')}, not ${members.join(', ')}`
          : answer.sequence < sequence
            ? `its peer shows the definition at sequence ${answer.sequence}, not ${sequence}`
            : undefined;
    if (!behind) return;
    if (Date.now() >= deadline) throw new StackError('UNHEALTHY', `${mspId}'s bridge would not ${commit ? 'commit' : 'approve'} the new collection on ${channel}: ${behind}`, 'fabric');
    await sleep(1000);
  }
}

/** The channel as a commit needs it: its organisations and their peers (a domain's from its public package, the tooling's own). */
function channelBlueprintOf(ctx: StackContext, channel: string, members: readonly string[], def: ChaincodeDefinition): ChannelBlueprint {
  const registry = loadRegistry(fabricDirs(ctx.settings));
  const peers = members.map((mspId) => {
    const org = findOrg(registry, mspId);
    if (org.domain) {
      const pkg = readMspPackage(ctx, org.domain);
      return { mspId, address: pkg.peer.endpoint, tlsCaCert: pkg.peer.tlsCaCert };
    }
    return { mspId, address: peerProcess(ctx, org).endpoint, tlsCaCert: readFileSync(join(fabricDirs(ctx.settings).orgMsp(org), 'tlscacerts', 'ca.pem'), 'utf8') };
  });
  return { channel, members: [...members], chaincodes: [def], peers };
}

/** The channels of DAO `daoId` (dao-<d>-v<i>, lowest version first) that the stack's registry lists with `mspId` among their organisations. */
export function daoChannelsOf(ctx: StackContext, daoId: string, mspId: string): string[] {
  const pattern = new RegExp(`^dao-${daoId.replace(/[^a-z0-9-]/g, '')}-v(\\d{1,4})$`);
  return Object.entries(loadRegistry(fabricDirs(ctx.settings)).channels)
    .filter(([name, c]) => pattern.test(name) && c.orgs.includes(mspId))
    .map(([name]) => name)
    .sort((a, b) => Number(pattern.exec(a)![1]) - Number(pattern.exec(b)![1]));
}
