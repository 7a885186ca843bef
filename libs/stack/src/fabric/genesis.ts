import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors';
import { run } from '../proc';
import { channelConfigBlock, type MemberFabric } from './parties';

/** An application organisation of a channel as its config block defines it. */
export interface ChannelOrganisation {
  readonly mspId: string;
  /** PEM root certificates of its MSP (its CA). */
  readonly rootCertPems: readonly string[];
}

interface MspValue {
  readonly value?: { readonly config?: { readonly name?: string; readonly root_certs?: readonly string[] } };
}

/**
 * The application organisations of a decoded config block (configtxlator's JSON of a
 * `common.Block`): each MSP's name and root certificates. Throws when the block is not a config block.
 */
export function blockOrganisations(decoded: unknown): ChannelOrganisation[] {
  const config = (decoded as { data?: { data?: Array<{ payload?: { data?: { config?: { channel_group?: { groups?: { Application?: { groups?: Record<string, { values?: { MSP?: MspValue } }> } } } } } } }> } })?.data?.data?.[0]?.payload?.data?.config;
  const groups = config?.channel_group?.groups?.Application?.groups;
  if (!groups) throw new StackError('COMMAND_FAILED', 'the block is not a channel config block with an Application group', 'fabric');
  return Object.values(groups).map((g) => {
    const msp = g.values?.MSP?.value?.config;
    if (!msp?.name) throw new StackError('COMMAND_FAILED', 'an application organisation of the block has no MSP name', 'fabric');
    return { mspId: msp.name, rootCertPems: (msp.root_certs ?? []).map((c) => Buffer.from(c, 'base64').toString('utf8')) };
  });
}

/** Decodes a block file with Fabric's configtxlator, as the member (its OS user, in its work folder). */
export async function readBlockOrganisations(m: MemberFabric, blockFile: string, dir: string): Promise<ChannelOrganisation[]> {
  const out = join(dir, 'genesis.json');
  try {
    await run(m.bin.configtxlator, ['proto_decode', '--input', blockFile, '--type', 'common.Block', '--output', out], { ...(m.user ? { user: m.user } : {}), cwd: dir });
    return blockOrganisations(JSON.parse(readFileSync(out, 'utf8')));
  } finally {
    rmSync(out, { force: true });
  }
}

/** The application organisations of a channel with their MSPs' root certificates, from its latest config block fetched by the member from the ordering service. */
export async function channelOrganisationRoots(m: MemberFabric, channel: string): Promise<ChannelOrganisation[]> {
  return blockOrganisations(await channelConfigBlock(m, channel)).sort((a, b) => (a.mspId < b.mspId ? -1 : a.mspId > b.mspId ? 1 : 0));
}
