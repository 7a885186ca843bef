import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { StackError } from '../errors';
import { run, waitFor } from '../proc';
import { withStackLock } from '../lock';
import { applicationOrg, orgDefinition, writeChannelConfigtx } from './configtx';
import { HOST, fabricDirs, fabricPorts, findOrg, loadRegistry, saveRegistry, type OrgRecord } from './layout';
import { nodeNames } from './org';
import { ORDERER_ORG } from './layout';
import { ordererFlags, osnadmin, peerCli } from './admin';
import { fabricBin } from './tools';

const CHANNEL_NAME = /^[a-z][a-z0-9.-]{0,248}$/;

async function ordererHasChannel(ctx: StackContext, i: number, channel: string): Promise<boolean> {
  const { stdout } = await osnadmin(ctx, i, ['channel', 'list']);
  return stdout.includes(`"name": "${channel}"`);
}

export async function peerChannels(ctx: StackContext, org: OrgRecord): Promise<string[]> {
  const { stdout } = await peerCli(ctx, org, ['channel', 'list']);
  return stdout.split('\n').map((l) => l.trim()).filter((l) => CHANNEL_NAME.test(l));
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
  for (const [i] of nodeNames(ctx, ORDERER_ORG).entries()) {
    if (await ordererHasChannel(ctx, i, channel)) continue;
    ctx.progress.step('fabric', `joining orderer${i} to ${channel}`);
    await osnadmin(ctx, i, ['channel', 'join', '--channelID', channel, '--config-block', block]);
  }
  for (const org of orgs) await joinPeer(ctx, org, channel, block);
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
  if (orgs.length < 2) return;
  const pattern = new RegExp(`^gossip_membership_total_peers_known\\{channel="${channel.replace(/[.]/g, '\\.')}"\\} (\\d+)`, 'm');
  for (const org of orgs) {
    const port = fabricPorts(ctx.settings).peer(org).operations;
    await waitFor(`peer0.${org.slug} to know the other members of ${channel}`, async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(pattern.exec(text)?.[1] ?? 0) >= orgs.length - 1;
    }, 120000, 'fabric');
  }
}

/**
 * The application organisations of a channel, read the way an operator would with Fabric's own
 * tools: the latest config block fetched by the org admin's peer CLI, decoded by configtxlator.
 */
export async function channelMembers(ctx: StackContext, mspId: string, channel: string): Promise<string[]> {
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId);
  const dir = mkdtempSync(join(tmpdir(), 'datawell-config-'));
  try {
    await peerCli(ctx, org, ['channel', 'fetch', 'config', join(dir, 'config.pb'), '-c', channel, ...ordererFlags(ctx)]);
    // configtxlator cannot write to a pipe (it opens /dev/stdout), so it writes a file.
    await run(fabricBin(ctx.settings, 'configtxlator'), ['proto_decode', '--input', join(dir, 'config.pb'), '--type', 'common.Block', '--output', join(dir, 'config.json')]);
    const block = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as ConfigBlock;
    return Object.keys(block.data.data[0]!.payload.data.config.channel_group.groups.Application.groups).sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ConfigBlock {
  data: { data: { payload: { data: { config: { channel_group: { groups: { Application: { groups: Record<string, unknown> } } } } } } }[] };
}

async function joinPeer(ctx: StackContext, org: OrgRecord, channel: string, block: string): Promise<void> {
  if ((await peerChannels(ctx, org)).includes(channel)) return;
  ctx.progress.step('fabric', `joining peer0.${org.slug} to ${channel}`);
  // Right after the orderer joins, the peer may not get the block yet: retry briefly.
  await waitFor(`peer0.${org.slug} joining ${channel}`, async () => {
    await peerCli(ctx, org, ['channel', 'join', '-b', block]);
    return true;
  }, 60000, 'fabric');
}

/**
 * Adds an organisation to an existing channel by a channel configuration update, the way Fabric's
 * documentation does it with its own tools: fetch the config block, add the org's definition
 * (configtxgen -printOrg), compute the update with configtxlator, have a majority of the current
 * members' admins sign it, submit it, and join the new org's peer from the genesis block.
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
    const work = mkdtempSync(join(tmpdir(), 'datawell-update-'));
    try {
      ctx.progress.step('fabric', `adding ${mspId} to ${channel} by a channel config update`);
      await writeConfigUpdate(ctx, work, channel, members[0]!, org);
      const envelope = join(work, 'update_envelope.pb');
      // The Application group's Admins policy: its governor's admin alone (marketplace), or MAJORITY
      // Admins of the current members.
      const signers = known.governor ? [findOrg(registry, known.governor)] : members.slice(0, Math.floor(members.length / 2) + 1);
      for (const signer of signers.slice(0, -1)) await peerCli(ctx, signer, ['channel', 'signconfigtx', '-f', envelope]);
      await peerCli(ctx, signers[signers.length - 1]!, ['channel', 'update', '-f', envelope, '-c', channel, ...ordererFlags(ctx)]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (!known.orgs.includes(mspId)) {
    known.orgs.push(mspId);
    saveRegistry(dirs, registry);
  }
  if (!(await peerChannels(ctx, org)).includes(channel)) {
    const block = join(dirs.channel(channel), `${channel}.block`);
    await joinPeer(ctx, org, channel, block);
  }
  // The new peer starts from the genesis block; until it has caught up with the update that
  // admits its org, it refuses its own admin's proposals.
  const target = await channelHeight(ctx, members[0]!, channel);
  await waitFor(`peer0.${org.slug} to catch up on ${channel}`, async () => (await channelHeight(ctx, org, channel)) >= target, 60000, 'fabric');
  await waitForGossip(ctx, channel, known.orgs.map((id) => findOrg(registry, id)));
}

async function channelHeight(ctx: StackContext, org: OrgRecord, channel: string): Promise<number> {
  const { stdout } = await peerCli(ctx, org, ['channel', 'getinfo', '-c', channel]);
  const match = /"height":(\d+)/.exec(stdout);
  if (!match) throw new StackError('COMMAND_FAILED', `peer channel getinfo gave no height for ${channel}`, 'fabric');
  return Number(match[1]);
}

async function writeConfigUpdate(ctx: StackContext, work: string, channel: string, member: OrgRecord, org: OrgRecord): Promise<void> {
  const lator = (args: string[]) => run(fabricBin(ctx.settings, 'configtxlator'), args);
  const f = (name: string) => join(work, name);
  // The new org's definition, as configtxgen prints it from a configtx.yaml naming only that org.
  writeFileSync(f('configtx.yaml'), stringify({ Organizations: [applicationOrg(orgDefinition(ctx, org))] }));
  await run(fabricBin(ctx.settings, 'configtxgen'), ['-configPath', work, '-printOrg', org.mspId], { cwd: work }).then(({ stdout }) => writeFileSync(f('org.json'), stdout));
  await peerCli(ctx, member, ['channel', 'fetch', 'config', f('config_block.pb'), '-c', channel, ...ordererFlags(ctx)]);
  await lator(['proto_decode', '--input', f('config_block.pb'), '--type', 'common.Block', '--output', f('config_block.json')]);
  const block = JSON.parse(readFileSync(f('config_block.json'), 'utf8')) as { data: { data: { payload: { data: { config: ConfigJson } } }[] } };
  const config = block.data.data[0]!.payload.data.config;
  const definition = JSON.parse(readFileSync(f('org.json'), 'utf8')) as OrgGroupJson;
  const modified = structuredClone(config);
  modified.channel_group.groups.Application.groups[org.mspId] = withAnchorPeer(definition, fabricPorts(ctx.settings).peer(org).listen);
  writeFileSync(f('config.json'), JSON.stringify(config));
  writeFileSync(f('modified.json'), JSON.stringify(modified));
  await lator(['proto_encode', '--input', f('config.json'), '--type', 'common.Config', '--output', f('config.pb')]);
  await lator(['proto_encode', '--input', f('modified.json'), '--type', 'common.Config', '--output', f('modified.pb')]);
  await lator(['compute_update', '--channel_id', channel, '--original', f('config.pb'), '--updated', f('modified.pb'), '--output', f('update.pb')]);
  await lator(['proto_decode', '--input', f('update.pb'), '--type', 'common.ConfigUpdate', '--output', f('update.json')]);
  const update = JSON.parse(readFileSync(f('update.json'), 'utf8')) as unknown;
  const envelope = { payload: { header: { channel_header: { channel_id: channel, type: 2 } }, data: { config_update: update } } };
  writeFileSync(f('update_envelope.json'), JSON.stringify(envelope));
  await lator(['proto_encode', '--input', f('update_envelope.json'), '--type', 'common.Envelope', '--output', f('update_envelope.pb')]);
}

interface OrgGroupJson {
  values: Record<string, unknown>;
  [key: string]: unknown;
}

interface ConfigJson {
  channel_group: { groups: { Application: { groups: Record<string, unknown> } } };
}

/** Gossip and service discovery across orgs need the new org's anchor peer in its definition. */
function withAnchorPeer(definition: OrgGroupJson, port: number): OrgGroupJson {
  if (definition.values['AnchorPeers']) return definition;
  return {
    ...definition,
    values: {
      ...definition.values,
      AnchorPeers: { mod_policy: 'Admins', value: { anchor_peers: [{ host: HOST, port }] }, version: '0' },
    },
  };
}
