import { z } from 'zod';
import { COMMON_VARIABLES, CUSTODY_REMOVED, defineService, optionalTextVariable as optional, optionalTopicVariable as topicOverride, removedSettingIssues, textVariable as withDefault, type ConfigOf, type Environment } from '@datawell/config';
import { memberInboxTopic, memberLedgerTopics, memberTopicPrefix, MSP_ID_PATTERN, OPERATOR_MSP, SERVICES, TOPICS } from '@datawell/contracts';

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
  /**
   * Set when this bridge is a member domain's: it holds and acts as that organisation only, submits
   * only commands that name it, and uses the member's own topics. Unset: the operator's bridge.
   */
  readonly member?: { readonly mspId: string; readonly role?: 'DSP' | 'VSP' };
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
   * A member's bridge's own Fabric administration (joining its peer to channels, approving and, as a
   * DSP, committing chaincode, as its organisation's admin), when configured: its inbox tells it
   * what the operator formed or admitted it to.
   */
  readonly memberAdmin?: MemberAdminConfig;
  /** The member's inbox topic and consumer group (member mode only). */
  readonly inbox?: { readonly topic: string; readonly groupId: string };
  /**
   * A member's governance (member mode only): how often its bridge closes its DAOs' proposals whose
   * voting period has ended, and the negotiation service where it opens the join an accepted
   * admit-member proposal starts (unset: no join is opened).
   */
  readonly governance?: { readonly sweepSeconds: number; readonly subscriptionSweepSeconds: number; readonly negotiationUrl?: string };
  /**
   * Network administration (onboarding, DAO channels), when this bridge is the operator's: the
   * native network's stack folder, its machine-wide cache and the repository holding `chaincode/`.
   */
  readonly admin?: { readonly stackDir: string; readonly cacheDir: string; readonly repoDir: string };
}

/** Paths and addresses of a member's own Fabric administration: its folder and public material only. */
export interface MemberAdminConfig {
  readonly adminMspDir: string;
  /** FABRIC_CFG_PATH of the peer CLI (the peer's core.yaml folder). */
  readonly peerConfigDir: string;
  readonly peerOperationsUrl: string;
  readonly ordererEndpoint: string;
  readonly ordererTlsCaFile: string;
  /** Folder holding Fabric's `peer`, `configtxgen` and `configtxlator`. */
  readonly fabricBinDir: string;
  /** A folder of the member's where blocks and envelopes are written. */
  readonly workDir: string;
  /** The member's own chaincode server (its peer runs the chaincode in its domain, not the operator's), when configured. */
  readonly chaincodeServer?: { readonly port: number; readonly dir: string; readonly repoDir: string };
}

export const LEDGER_BRIDGE_VARIABLES = {
  memberMspId: 'LEDGER_BRIDGE_MEMBER_MSP_ID',
  /** DSP or VSP: a DSP's bridge relays its DAOs' allocations down (the chaincode lets founding members only); a VSP's does not. */
  memberRole: 'LEDGER_BRIDGE_MEMBER_ROLE',
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
  memberAdminMspDir: 'LEDGER_BRIDGE_MEMBER_ADMIN_MSP_DIR',
  memberPeerConfigDir: 'LEDGER_BRIDGE_MEMBER_PEER_CONFIG_DIR',
  memberPeerOperationsUrl: 'LEDGER_BRIDGE_MEMBER_PEER_OPERATIONS_URL',
  ordererEndpoint: 'LEDGER_BRIDGE_ORDERER_ENDPOINT',
  ordererTlsCaFile: 'LEDGER_BRIDGE_ORDERER_TLS_CA_FILE',
  fabricBinDir: 'LEDGER_BRIDGE_FABRIC_BIN_DIR',
  memberWorkDir: 'LEDGER_BRIDGE_MEMBER_WORK_DIR',
  /** A member's own chaincode servers: the first of their four ports (127.0.0.1), their folder, and the repository holding chaincode/<name> and fabric-shim. */
  chaincodePort: 'LEDGER_BRIDGE_CHAINCODE_PORT',
  chaincodeDir: 'LEDGER_BRIDGE_CHAINCODE_DIR',
  chaincodeRepoDir: 'LEDGER_BRIDGE_CHAINCODE_REPO_DIR',
  inboxTopic: 'LEDGER_BRIDGE_INBOX_TOPIC',
  inboxGroupId: 'LEDGER_BRIDGE_INBOX_GROUP_ID',
  /** A member's bridge: seconds between its sweeps for expired proposals (default 10). */
  proposalSweepSeconds: 'LEDGER_BRIDGE_PROPOSAL_SWEEP_SECONDS',
  /** A member's bridge: seconds between its sweeps for subscription periods to charge, as D of its DAOs (default 30). */
  subscriptionSweepSeconds: 'LEDGER_BRIDGE_SUBSCRIPTION_SWEEP_SECONDS',
  /** A member's bridge: the negotiation service's URL, where it opens the join of an accepted admit-member proposal. */
  negotiationUrl: 'LEDGER_BRIDGE_NEGOTIATION_URL',
} as const;

/** The member admin's variables: all or none. */
const MEMBER_ADMIN_VARIABLES = [
  LEDGER_BRIDGE_VARIABLES.memberAdminMspDir,
  LEDGER_BRIDGE_VARIABLES.memberPeerConfigDir,
  LEDGER_BRIDGE_VARIABLES.memberPeerOperationsUrl,
  LEDGER_BRIDGE_VARIABLES.ordererEndpoint,
  LEDGER_BRIDGE_VARIABLES.ordererTlsCaFile,
  LEDGER_BRIDGE_VARIABLES.fabricBinDir,
  LEDGER_BRIDGE_VARIABLES.memberWorkDir,
] as const;

/** The member's own chaincode server's variables: all or none, with the member admin's. */
const CHAINCODE_SERVER_VARIABLES = [LEDGER_BRIDGE_VARIABLES.chaincodePort, LEDGER_BRIDGE_VARIABLES.chaincodeDir, LEDGER_BRIDGE_VARIABLES.chaincodeRepoDir] as const;

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
  [V.memberMspId]: optional.refine((v) => v === undefined || MSP_ID_PATTERN.test(v), 'must be an MSP id (letters and digits ending in "MSP")'),
  [V.memberRole]: optional.refine((v) => v === undefined || v === 'DSP' || v === 'VSP', 'must be DSP or VSP'),
  [V.peerEndpoint]: optional.refine((v) => v === undefined || /^[A-Za-z0-9.-]+:\d{1,5}$/.test(v), 'must be host:port'),
  [V.peerHostAlias]: optional,
  [V.peerTlsCaFile]: optional,
  [V.walletDir]: optional,
  [V.eventsMspId]: optional,
  [V.channels]: channelsVariable,
  // Defaults depend on the mode: the operator's shared topics, or the member's own.
  [V.eventsTopic]: topicOverride,
  [V.commandsTopic]: topicOverride,
  [V.receiptsTopic]: topicOverride,
  [V.commandsGroupId]: optional,
  [V.adminStackDir]: optional,
  [V.adminCacheDir]: optional,
  [V.adminRepoDir]: optional,
  [V.memberAdminMspDir]: optional,
  [V.memberPeerConfigDir]: optional,
  [V.memberPeerOperationsUrl]: optional.refine((v) => v === undefined || /^https?:\/\/[A-Za-z0-9.-]+:\d{1,5}$/.test(v), 'must be http://host:port'),
  [V.ordererEndpoint]: optional.refine((v) => v === undefined || /^[A-Za-z0-9.-]+:\d{1,5}$/.test(v), 'must be host:port'),
  [V.ordererTlsCaFile]: optional,
  [V.fabricBinDir]: optional,
  [V.memberWorkDir]: optional,
  [V.chaincodePort]: optional.refine((v) => v === undefined || (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65_535), 'must be a port, 1-65535'),
  [V.chaincodeDir]: optional,
  [V.chaincodeRepoDir]: optional,
  [V.inboxTopic]: topicOverride,
  [V.inboxGroupId]: optional,
  [V.proposalSweepSeconds]: optional.refine((v) => v === undefined || (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 86_400), 'must be whole seconds, 1-86400'),
  [V.subscriptionSweepSeconds]: optional.refine((v) => v === undefined || (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 86_400), 'must be whole seconds, 1-86400'),
  [V.negotiationUrl]: optional.refine((v) => v === undefined || /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/.test(v), 'must be http(s)://host[:port]'),
};

/**
 * Issues beyond single variables: a peer needs its TLS CA and host alias, and a wallet; a member's
 * bridge administers no network, listens as its own organisation, keeps to its own topics and holds
 * its domain's traffic key (DATAWELL_TRAFFIC_KEY_FILE; libs/config reads and checks the file itself).
 */
function ledgerBridgeIssues(env: Environment): Array<{ variable: string; problem: string }> {
  return [...peerIssues(env), ...memberIssues(env), ...removedSettingIssues(env, { LEDGER_BRIDGE_CUSTODIAL_ORGANISATIONS: CUSTODY_REMOVED })];
}

function memberIssues(env: Environment): Array<{ variable: string; problem: string }> {
  const mspId = env[V.memberMspId]?.trim();
  if (!mspId) {
    return [...MEMBER_ADMIN_VARIABLES, ...CHAINCODE_SERVER_VARIABLES, V.inboxTopic, V.inboxGroupId, V.memberRole, V.proposalSweepSeconds, V.subscriptionSweepSeconds, V.negotiationUrl]
      .filter((v) => env[v]?.trim())
      .map((variable) => ({ variable, problem: `is only for a member's bridge (${V.memberMspId})` }));
  }
  const issues: Array<{ variable: string; problem: string }> = [];
  for (const variable of [V.adminStackDir, V.adminCacheDir, V.adminRepoDir]) {
    if (env[variable]?.trim()) issues.push({ variable, problem: `must be unset: a member's bridge (${V.memberMspId}) administers no network` });
  }
  // Its topics' values are sealed with the domain's traffic key before they reach the operator's broker.
  if (!env[COMMON_VARIABLES.trafficKeyFile]?.trim()) issues.push({ variable: COMMON_VARIABLES.trafficKeyFile, problem: `is required when ${V.memberMspId} is set: a member's bridge seals its topics' traffic with its domain's key` });
  const given = MEMBER_ADMIN_VARIABLES.filter((v) => env[v]?.trim());
  if (given.length > 0) {
    for (const variable of MEMBER_ADMIN_VARIABLES) if (!env[variable]?.trim()) issues.push({ variable, problem: `is required with ${given[0]}: a member's own Fabric administration needs all of ${MEMBER_ADMIN_VARIABLES.join(', ')}` });
  }
  const chaincode = CHAINCODE_SERVER_VARIABLES.filter((v) => env[v]?.trim());
  if (chaincode.length > 0) {
    for (const variable of CHAINCODE_SERVER_VARIABLES) if (!env[variable]?.trim()) issues.push({ variable, problem: `is required with ${chaincode[0]}: a member's own chaincode server needs all of ${CHAINCODE_SERVER_VARIABLES.join(', ')}` });
    if (given.length === 0) issues.push({ variable: chaincode[0]!, problem: `needs the member's own Fabric administration (${MEMBER_ADMIN_VARIABLES[0]} and the rest): its bridge installs and approves the package its server serves` });
  }
  const eventsAs = env[V.eventsMspId]?.trim();
  if (eventsAs && eventsAs !== mspId) issues.push({ variable: V.eventsMspId, problem: `must be ${mspId} or unset: a member's bridge listens as itself` });
  const prefix = memberTopicPrefix(mspId);
  for (const variable of [V.eventsTopic, V.commandsTopic, V.receiptsTopic, V.commandsGroupId, V.inboxGroupId]) {
    const value = env[variable]?.trim();
    if (value && !value.startsWith(prefix)) issues.push({ variable, problem: `must start with "${prefix}": a member's bridge uses only its own topics and groups` });
  }
  return issues;
}

function peerIssues(env: Environment): Array<{ variable: string; problem: string }> {
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
  const memberMspId = values[V.memberMspId] as string | undefined;
  const defaults = memberMspId
    ? { eventsMspId: memberMspId, topics: memberLedgerTopics(memberMspId), commandsGroupId: `${memberTopicPrefix(memberMspId)}ledger-bridge.commands` }
    : { eventsMspId: OPERATOR_MSP, topics: { events: TOPICS.ledgerEvents, commands: TOPICS.ledgerCommands, receipts: TOPICS.ledgerReceipts }, commandsGroupId: 'datawell-ledger-bridge-commands' };
  return {
    ...(memberMspId ? { member: { mspId: memberMspId, ...(values[V.memberRole] ? { role: values[V.memberRole] as 'DSP' | 'VSP' } : {}) } } : {}),
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
    eventsMspId: (values[V.eventsMspId] as string | undefined) ?? defaults.eventsMspId,
    channels: values[V.channels] as ChannelSeed[],
    topics: {
      events: (values[V.eventsTopic] as string | undefined) ?? defaults.topics.events,
      commands: (values[V.commandsTopic] as string | undefined) ?? defaults.topics.commands,
      receipts: (values[V.receiptsTopic] as string | undefined) ?? defaults.topics.receipts,
    },
    commandsGroupId: (values[V.commandsGroupId] as string | undefined) ?? defaults.commandsGroupId,
    ...(memberMspId
      ? { inbox: { topic: (values[V.inboxTopic] as string | undefined) ?? memberInboxTopic(memberMspId), groupId: (values[V.inboxGroupId] as string | undefined) ?? `${memberTopicPrefix(memberMspId)}ledger-bridge.inbox` } }
      : {}),
    ...(memberMspId
      ? {
          governance: {
            sweepSeconds: values[V.proposalSweepSeconds] ? Number(values[V.proposalSweepSeconds]) : 10,
            subscriptionSweepSeconds: values[V.subscriptionSweepSeconds] ? Number(values[V.subscriptionSweepSeconds]) : 30,
            ...(values[V.negotiationUrl] ? { negotiationUrl: (values[V.negotiationUrl] as string).replace(/\/$/, '') } : {}),
          },
        }
      : {}),
    ...(memberMspId && values[V.memberAdminMspDir]
      ? {
          memberAdmin: {
            adminMspDir: values[V.memberAdminMspDir] as string,
            peerConfigDir: values[V.memberPeerConfigDir] as string,
            peerOperationsUrl: values[V.memberPeerOperationsUrl] as string,
            ordererEndpoint: values[V.ordererEndpoint] as string,
            ordererTlsCaFile: values[V.ordererTlsCaFile] as string,
            fabricBinDir: values[V.fabricBinDir] as string,
            workDir: values[V.memberWorkDir] as string,
            ...(values[V.chaincodePort]
              ? { chaincodeServer: { port: Number(values[V.chaincodePort]), dir: values[V.chaincodeDir] as string, repoDir: values[V.chaincodeRepoDir] as string } }
              : {}),
          },
        }
      : {}),
    ...(values[V.adminStackDir]
      ? { admin: { stackDir: values[V.adminStackDir] as string, cacheDir: values[V.adminCacheDir] as string, repoDir: values[V.adminRepoDir] as string } }
      : {}),
  };
}

/** The ledger-bridge service's configuration: its registry entry and its own settings. */
export const ledgerBridgeService = defineService(SERVICES['ledger-bridge'], { shape: ledgerBridgeShape, issues: ledgerBridgeIssues, build: ledgerBridgeConfig });
export type LedgerBridgeServiceConfig = ConfigOf<typeof ledgerBridgeService>;
