import { StackError } from '../errors';

/** What a channel's config says of its network: its organisations with their anchor peers, its orderer organisations and consenters. */
export interface ChannelConfigNetwork {
  readonly organisations: readonly { readonly mspId: string; readonly anchorPeers: readonly string[] }[];
  readonly ordererOrganisations: readonly { readonly mspId: string; readonly endpoints: readonly string[] }[];
  /** The consenters of its ordering service (etcdraft metadata or BFT's consenter mapping), as host:port. */
  readonly consenters: readonly string[];
  readonly consensusType: string;
}

type ConfigGroup = { readonly groups?: Record<string, ConfigGroup>; readonly values?: Record<string, { readonly value?: Record<string, unknown> } | undefined> };

/**
 * The network a decoded config block (configtxlator's JSON of a `common.Block`) describes: every
 * application organisation (its MSP name) with its anchor peers, every orderer organisation with its
 * endpoints, the consenters. Public channel configuration only: no ledger state. Throws when the
 * block is not a config block.
 */
export function configBlockNetwork(decoded: unknown): ChannelConfigNetwork {
  const config = (decoded as { data?: { data?: Array<{ payload?: { data?: { config?: { channel_group?: ConfigGroup } } } }> } })?.data?.data?.[0]?.payload?.data?.config;
  const groups = config?.channel_group?.groups;
  if (!groups?.['Application']?.groups || !groups['Orderer']) throw new StackError('COMMAND_FAILED', 'the block is not a channel config block with Application and Orderer groups', 'fabric');
  const mspName = (g: ConfigGroup) => {
    const name = (g.values?.['MSP']?.value?.['config'] as { name?: string } | undefined)?.name;
    if (!name) throw new StackError('COMMAND_FAILED', 'an organisation of the block has no MSP name', 'fabric');
    return name;
  };
  const hostPort = (list: unknown) => (Array.isArray(list) ? list : []).map((p: { host?: string; port?: number }) => `${p.host}:${p.port}`);
  // Code-unit order, as Fabric's tools and `channelOrganisations` sort MSP ids.
  const byMsp = <T extends { mspId: string }>(list: T[]) => list.sort((a, b) => (a.mspId < b.mspId ? -1 : a.mspId > b.mspId ? 1 : 0));
  const orderer = groups['Orderer'];
  const consensus = (orderer.values?.['ConsensusType']?.value ?? {}) as { type?: string; metadata?: { consenters?: unknown } };
  const bft = (orderer.values?.['Orderers']?.value?.['consenter_mapping'] ?? undefined) as unknown;
  return {
    organisations: byMsp(Object.values(groups['Application'].groups).map((g) => ({ mspId: mspName(g), anchorPeers: hostPort(g.values?.['AnchorPeers']?.value?.['anchor_peers']) }))),
    ordererOrganisations: byMsp(Object.values(orderer.groups ?? {}).map((g) => ({ mspId: mspName(g), endpoints: [...((g.values?.['Endpoints']?.value?.['addresses'] as string[] | undefined) ?? [])] }))),
    consenters: consensus.type === 'BFT' ? hostPort(bft) : hostPort(consensus.metadata?.consenters),
    consensusType: consensus.type ?? 'unknown',
  };
}
