import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { StackError } from '../errors';
import { run, waitFor } from '../proc';
import { withStackLock } from '../lock';
import { orgDefinition, writeChannelConfigtx } from './configtx';
import { fabricDirs, findOrg, loadRegistry, saveRegistry, type OrgRecord } from './layout';
import {
  channelOrganisations,
  joinOrderers,
  joinOwnPeer,
  ownPeerChannels,
  ownPeerHeight,
  proposeOrgAddition,
  signConfigUpdate,
  submitConfigUpdate,
  toolingFabric,
  waitForChannelPeers,
} from './parties';
import { fabricBin } from './tools';

/**
 * Channels of organisations the operator's tooling holds itself (not in their own domains): the
 * tooling acts as each organisation's admin, through the same Fabric CLI steps as the multi-party
 * workflow (fabric/parties.ts) with each organisation's admin view.
 */

const CHANNEL_NAME = /^[a-z][a-z0-9.-]{0,248}$/;

export async function peerChannels(ctx: StackContext, org: OrgRecord): Promise<string[]> {
  return ownPeerChannels(toolingFabric(ctx, org));
}

/**
 * Creates a channel whose application organisations are exactly `mspIds`: genesis block from
 * configtxgen, every orderer joined through the channel participation API, every org's peer joined.
 * Idempotent: joins whatever is missing.
 */
export async function createChannel(ctx: StackContext, channel: string, mspIds: readonly string[], options: { governor?: string } = {}): Promise<void> {
  await withStackLock(ctx, () => createChannelLocked(ctx, channel, mspIds, options.governor));
}

async function createChannelLocked(ctx: StackContext, channel: string, mspIds: readonly string[], governor?: string): Promise<void> {
  if (!CHANNEL_NAME.test(channel)) throw new StackError('BAD_SETTING', `channel name "${channel}" must be lower case letters, digits, dots and dashes`, 'fabric');
  if (mspIds.length === 0) throw new StackError('BAD_SETTING', `channel ${channel} needs at least one organisation`, 'fabric');
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  const orgs = mspIds.map((id) => findOrg(registry, id));
  const inDomain = orgs.find((o) => o.domain);
  if (inDomain) throw new StackError('BAD_SETTING', `${inDomain.mspId} is held in its own domain: form the channel from its MSP package and let it join its own peer (fabric/parties.ts formChannel)`, 'fabric');
  const known = registry.channels[channel];
  if (known && known.orgs.join(',') !== [...mspIds].join(',')) {
    throw new StackError('BAD_SETTING', `channel ${channel} already exists with organisations ${known.orgs.join(', ')}`, 'fabric');
  }
  const block = join(dirs.channel(channel), `${channel}.block`);
  if (!existsSync(block)) {
    const cfg = writeChannelConfigtx(ctx, channel, orgs, governor);
    ctx.progress.step('fabric', `creating the genesis block of channel ${channel} (${mspIds.join(', ')})`);
    await run(fabricBin(ctx.settings, 'configtxgen'), ['-configPath', cfg, '-profile', 'Channel', '-channelID', channel, '-outputBlock', block]);
  }
  if (!known) registry.channels[channel] = { orgs: [...mspIds], ...(governor ? { governor } : {}) };
  saveRegistry(dirs, registry);
  await joinOrderers(ctx, channel, block);
  for (const org of orgs) await joinPeer(ctx, org, channel);
  // A new Raft channel serves blocks only once it has elected a leader.
  await waitFor(`the ordering service to serve ${channel}`, async () => (await channelMembers(ctx, orgs[0]!.mspId, channel)).length > 0, 60000, 'fabric');
  await waitForGossip(ctx, channel, orgs);
}

/**
 * Service discovery (which the Fabric Gateway uses to find endorsers) only offers the peers a
 * peer knows through gossip, so a channel is ready for multi-organisation endorsement once every
 * member's peer knows all the others. Read from each peer's own metrics.
 */
async function waitForGossip(ctx: StackContext, channel: string, orgs: readonly OrgRecord[]): Promise<void> {
  for (const org of orgs) await waitForChannelPeers(toolingFabric(ctx, org), channel, orgs.length);
}

/** Joins the org's peer to the channel (the genesis block fetched by its admin), if it has not joined. */
async function joinPeer(ctx: StackContext, org: OrgRecord, channel: string): Promise<void> {
  const admin = toolingFabric(ctx, org);
  if ((await ownPeerChannels(admin)).includes(channel)) return;
  ctx.progress.step('fabric', `joining peer0.${org.slug} to ${channel}`);
  await joinOwnPeer(admin, channel);
}

/**
 * The application organisations of a channel, read the way an operator would with Fabric's own
 * tools: the latest config block fetched by the org admin's peer CLI, decoded by configtxlator.
 */
export async function channelMembers(ctx: StackContext, mspId: string, channel: string): Promise<string[]> {
  return channelOrganisations(toolingFabric(ctx, findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId)), channel);
}

/**
 * Adds an organisation to an existing channel by a channel configuration update, the way Fabric's
 * documentation does it with its own tools: fetch the config block, add the org's definition
 * (configtxgen -printOrg), compute the update with configtxlator, have a majority of the current
 * members' admins sign it, submit it, and join the new org's peer from the genesis block (fetched
 * from the ordering service by its admin).
 */
export async function addOrgToChannel(ctx: StackContext, channel: string, mspId: string): Promise<void> {
  await withStackLock(ctx, () => addOrgToChannelLocked(ctx, channel, mspId));
}

async function addOrgToChannelLocked(ctx: StackContext, channel: string, mspId: string): Promise<void> {
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  const known = registry.channels[channel];
  if (!known) throw new StackError('BAD_SETTING', `unknown channel ${channel}`, 'fabric');
  const org = findOrg(registry, mspId);
  if (org.domain) throw new StackError('BAD_SETTING', `${mspId} is held in its own domain: admit it from its MSP package and let it join its own peer (fabric/parties.ts admitOrganisation)`, 'fabric');
  const members = known.orgs.map((id) => findOrg(registry, id));
  const current = await channelMembers(ctx, members[0]!.mspId, channel);
  if (!current.includes(mspId)) {
    ctx.progress.step('fabric', `adding ${mspId} to ${channel} by a channel config update`);
    let envelope = await proposeOrgAddition(toolingFabric(ctx, members[0]!), channel, orgDefinition(ctx, org));
    // The Application group's Admins policy: its governor's admin alone (marketplace), or MAJORITY
    // Admins of the current members.
    const signers = known.governor ? [findOrg(registry, known.governor)] : members.slice(0, Math.floor(members.length / 2) + 1);
    for (const signer of signers.slice(0, -1)) envelope = await signConfigUpdate(toolingFabric(ctx, signer), envelope);
    await submitConfigUpdate(toolingFabric(ctx, signers[signers.length - 1]!), channel, envelope);
  }
  if (!known.orgs.includes(mspId)) {
    known.orgs.push(mspId);
    saveRegistry(dirs, registry);
  }
  await joinPeer(ctx, org, channel);
  // The new peer starts from the genesis block; until it has caught up with the update that
  // admits its org, it refuses its own admin's proposals.
  const target = await ownPeerHeight(toolingFabric(ctx, members[0]!), channel);
  await waitFor(`peer0.${org.slug} to catch up on ${channel}`, async () => (await ownPeerHeight(toolingFabric(ctx, org), channel)) >= target, 60000, 'fabric');
  if (known.governor) {
    // On a governed channel (the marketplace) the governor's peer alone endorses, so the new member
    // is ready once its peer knows the others' anchors. Waiting for every member to know every other
    // grew as n² with the organisations of a long-lived stack (27 in a CI run), while gossip's alive
    // checks flap on a loaded machine; an endorsement that still finds no endorser is retried
    // (libs/fabric submitTransaction, the bridge's command retries).
    // Usually seconds. A member's peer that stopped broke it for twenty minutes (see domains.ts
    // parkDomain, which therefore keeps peers running); the budget stays five minutes for a loaded machine.
    await waitForChannelPeers(toolingFabric(ctx, org), channel, 2, 300_000);
    return;
  }
  await waitForGossip(ctx, channel, known.orgs.map((id) => findOrg(registry, id)));
}
