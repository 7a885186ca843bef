import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { StackError } from '../errors';
import { run, waitFor } from '../proc';
import { withStackLock } from '../lock';
import { writeChannelConfigtx } from './configtx';
import { fabricDirs, findOrg, loadRegistry, saveRegistry, type OrgRecord } from './layout';
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
export async function createChannel(ctx: StackContext, channel: string, mspIds: readonly string[]): Promise<void> {
  await withStackLock(ctx, () => createChannelLocked(ctx, channel, mspIds));
}

async function createChannelLocked(ctx: StackContext, channel: string, mspIds: readonly string[]): Promise<void> {
  if (!CHANNEL_NAME.test(channel)) throw new StackError('BAD_SETTING', `channel name "${channel}" must be lower case letters, digits, dots and dashes`, 'fabric');
  if (mspIds.length === 0) throw new StackError('BAD_SETTING', `channel ${channel} needs at least one organisation`, 'fabric');
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  const orgs = mspIds.map((id) => findOrg(registry, id));
  const known = registry.channels[channel];
  if (known && known.orgs.join(',') !== [...mspIds].join(',')) {
    throw new StackError('BAD_SETTING', `channel ${channel} already exists with organisations ${known.orgs.join(', ')}`, 'fabric');
  }
  const block = join(dirs.channel(channel), `${channel}.block`);
  if (!existsSync(block)) {
    const cfg = writeChannelConfigtx(ctx, channel, orgs);
    ctx.progress.step('fabric', `creating the genesis block of channel ${channel} (${mspIds.join(', ')})`);
    await run(fabricBin(ctx.settings, 'configtxgen'), ['-configPath', cfg, '-profile', 'Channel', '-channelID', channel, '-outputBlock', block]);
  }
  registry.channels[channel] = { orgs: [...mspIds] };
  saveRegistry(dirs, registry);
  for (const [i] of nodeNames(ctx, ORDERER_ORG).entries()) {
    if (await ordererHasChannel(ctx, i, channel)) continue;
    ctx.progress.step('fabric', `joining orderer${i} to ${channel}`);
    await osnadmin(ctx, i, ['channel', 'join', '--channelID', channel, '--config-block', block]);
  }
  for (const org of orgs) await joinPeer(ctx, org, channel, block);
  // A new Raft channel serves blocks only once it has elected a leader.
  await waitFor(`the ordering service to serve ${channel}`, async () => (await channelMembers(ctx, orgs[0]!.mspId, channel)).length > 0, 60000, 'fabric');
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
