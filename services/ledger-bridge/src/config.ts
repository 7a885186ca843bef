import { z } from 'zod';
import { defineService, optionalTextVariable as optional, textVariable as withDefault, topicVariable as topic, type ConfigOf, type Environment } from '@datawell/config';
import { SERVICES } from '@datawell/contracts';

/** Where the bridge reaches Fabric: one peer's Gateway, which endorses on the other orgs' peers. */
export interface FabricPeerConfig {
  readonly endpoint: string;
  readonly hostAlias: string;
  readonly tlsCaFile: string;
}

export interface ChannelSeed {
  readonly name: string;
  readonly chaincodes: readonly string[];
}

export interface LedgerBridgeConfig {
  /** Absent when no peer is configured: the bridge then relays no events and submits no commands. */
  readonly fabric?: FabricPeerConfig;
  /** Identities by MSP id, one `<mspId>.json` file each (certificate and key PEM). */
  readonly walletDir?: string;
  /** The wallet identity the event relay listens as. */
  readonly eventsMspId: string;
  /** Channels known at boot; more are added at runtime (the `channels` table). */
  readonly channels: readonly ChannelSeed[];
  readonly topics: { readonly events: string; readonly commands: string; readonly receipts: string };
  readonly commandsGroupId: string;
  /**
   * Network administration (onboarding, DAO channels), when this bridge is the operator's: the
   * native network's stack folder, its machine-wide cache and the repository holding `chaincode/`.
   */
  readonly admin?: { readonly stackDir: string; readonly cacheDir: string; readonly repoDir: string };
}

export const LEDGER_BRIDGE_VARIABLES = {
  peerEndpoint: 'LEDGER_BRIDGE_PEER_ENDPOINT',
  peerHostAlias: 'LEDGER_BRIDGE_PEER_HOST_ALIAS',
  peerTlsCaFile: 'LEDGER_BRIDGE_PEER_TLS_CA_FILE',
  walletDir: 'LEDGER_BRIDGE_WALLET_DIR',
  eventsMspId: 'LEDGER_BRIDGE_EVENTS_MSP_ID',
  channels: 'LEDGER_BRIDGE_CHANNELS',
  eventsTopic: 'LEDGER_BRIDGE_EVENTS_TOPIC',
  commandsTopic: 'LEDGER_BRIDGE_COMMANDS_TOPIC',
  receiptsTopic: 'LEDGER_BRIDGE_RECEIPTS_TOPIC',
  commandsGroupId: 'LEDGER_BRIDGE_COMMANDS_GROUP_ID',
  adminStackDir: 'LEDGER_BRIDGE_ADMIN_STACK_DIR',
  adminCacheDir: 'LEDGER_BRIDGE_ADMIN_CACHE_DIR',
  adminRepoDir: 'LEDGER_BRIDGE_ADMIN_REPO_DIR',
} as const;

const V = LEDGER_BRIDGE_VARIABLES;
const CHANNEL = /^[a-z][a-z0-9.-]*$/;

/** `marketplace=marketplace+hello,dao-x-v1=dao`: channels with the chaincodes whose events are relayed. */
const channelsVariable = withDefault('marketplace=marketplace').transform((value, ctx) => {
  const seeds: ChannelSeed[] = [];
  for (const entry of value.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const [name, chaincodes] = entry.split('=');
    const list = (chaincodes ?? '').split('+').map((c) => c.trim()).filter((c) => c !== '');
    if (!name || !CHANNEL.test(name.trim()) || list.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must be channel=chaincode[+chaincode],… (bad: "${entry}")` });
      return z.NEVER;
    }
    seeds.push({ name: name.trim(), chaincodes: list });
  }
  return seeds;
});

const ledgerBridgeShape = {
  [V.peerEndpoint]: optional.refine((v) => v === undefined || /^[A-Za-z0-9.-]+:\d{1,5}$/.test(v), 'must be host:port'),
  [V.peerHostAlias]: optional,
  [V.peerTlsCaFile]: optional,
  [V.walletDir]: optional,
  [V.eventsMspId]: withDefault('OperatorMSP'),
  [V.channels]: channelsVariable,
  [V.eventsTopic]: topic('datawell.ledger.events.v1'),
  [V.commandsTopic]: topic('datawell.ledger.commands.v1'),
  [V.receiptsTopic]: topic('datawell.ledger.receipts.v1'),
  [V.commandsGroupId]: withDefault('datawell-ledger-bridge-commands'),
  [V.adminStackDir]: optional,
  [V.adminCacheDir]: optional,
  [V.adminRepoDir]: optional,
};

/** Issues beyond single variables: a peer needs its TLS CA and host alias, and a wallet. */
function ledgerBridgeIssues(env: Environment): Array<{ variable: string; problem: string }> {
  if (!env[V.peerEndpoint]?.trim()) return [];
  return [V.peerHostAlias, V.peerTlsCaFile, V.walletDir]
    .filter((name) => !env[name]?.trim())
    .map((variable): { variable: string; problem: string } => ({ variable, problem: `is required when ${V.peerEndpoint} is set` }))
    .concat(
      env[V.adminStackDir]?.trim()
        ? [V.adminCacheDir, V.adminRepoDir].filter((n) => !env[n]?.trim()).map((variable) => ({ variable, problem: `is required when ${V.adminStackDir} is set` }))
        : [],
    );
}

function ledgerBridgeConfig(values: Record<string, unknown>): LedgerBridgeConfig {
  const endpoint = values[V.peerEndpoint] as string | undefined;
  const walletDir = values[V.walletDir] as string | undefined;
  return {
    ...(endpoint
      ? {
          fabric: {
            endpoint,
            hostAlias: values[V.peerHostAlias] as string,
            tlsCaFile: values[V.peerTlsCaFile] as string,
          },
        }
      : {}),
    ...(walletDir ? { walletDir } : {}),
    eventsMspId: values[V.eventsMspId] as string,
    channels: values[V.channels] as ChannelSeed[],
    topics: {
      events: values[V.eventsTopic] as string,
      commands: values[V.commandsTopic] as string,
      receipts: values[V.receiptsTopic] as string,
    },
    commandsGroupId: values[V.commandsGroupId] as string,
    ...(values[V.adminStackDir]
      ? { admin: { stackDir: values[V.adminStackDir] as string, cacheDir: values[V.adminCacheDir] as string, repoDir: values[V.adminRepoDir] as string } }
      : {}),
  };
}

/** The ledger-bridge service's configuration: its registry entry and its own settings. */
export const ledgerBridgeService = defineService(SERVICES['ledger-bridge'], { shape: ledgerBridgeShape, issues: ledgerBridgeIssues, build: ledgerBridgeConfig });
export type LedgerBridgeServiceConfig = ConfigOf<typeof ledgerBridgeService>;
