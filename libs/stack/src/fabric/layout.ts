import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MSP_ID_PATTERN } from '@datawell/domain';
import { writeFileAtomically } from '../atomic-file';
import { StackError } from '../errors';
import type { StackSettings } from '../settings';
import { domainPaths, OPERATOR_DOMAIN, osUserFor } from '../domains/domain';
import { giveOperatorFiles, operatorProcessUser } from '../domains/operator-files';
import { chownTree, osUser } from '../os-user';

/** An organisation of the native Fabric network: the ordering org or a peer org (operator or participant). */
export interface OrgRecord {
  readonly mspId: string;
  /** Lower-case slug used for folders and host names. */
  readonly slug: string;
  readonly kind: 'orderer' | 'peer';
  /** Position in the port plan; fixed for the org's lifetime. */
  readonly index: number;
  /**
   * The trust domain that holds the organisation (its MSP id), when it has one: then its CA, MSP,
   * nodes and users live in the domain's folder and its processes run as the domain's OS user.
   * Absent for the organisations the operator's tooling holds itself.
   */
  readonly domain?: string;
  /**
   * A domain's organisation set aside (domains.ts `parkDomain`): its CA and peer are stopped and
   * `up` leaves them stopped, until `addDomain` takes the domain up again.
   */
  readonly parked?: boolean;
}

/** The OS user that runs the org's CA and nodes: its domain's, or the tooling's own (undefined). */
export function orgUser(org: OrgRecord): string | undefined {
  return org.domain ? osUserFor(org.domain) : undefined;
}

/**
 * The OS user that runs the org's daemons (its CA server and peer; the orderers are the orderer
 * organisation's): its domain's, or, for an organisation the operator holds (the orderers', the
 * operator's own), the operator's (`dw-operator`) when the tooling may switch to it.
 */
export function daemonUser(org: OrgRecord): string | undefined {
  return orgUser(org) ?? operatorProcessUser();
}

/** Whose copy of a binary the org's daemons run (fabric/tools.ts binaryFor): its domain's, or the operator's. */
export function daemonBinaryOwner(org: OrgRecord): { readonly domain?: string } {
  return org.domain ? org : operatorProcessUser() ? { domain: OPERATOR_DOMAIN } : {};
}

/** The org's folder is its daemons' user's before they start: its domain's (ownOrgFolder), or the operator's paths given to it. */
export function ownDaemonFolder(settings: StackSettings, org: OrgRecord): void {
  if (org.domain) ownOrgFolder(settings, org);
  else giveOperatorFiles(settings);
}

/**
 * Gives what the tooling wrote in a domain org's Fabric folder (copied certificates, configs,
 * folders made for an enrollment) to the domain's user, so its processes can use and write them.
 * A no-op for the organisations the tooling holds itself.
 */
export function ownOrgFolder(settings: StackSettings, org: OrgRecord): void {
  const user = orgUser(org);
  if (!user) return;
  const dir = fabricDirs(settings).org(org);
  mkdirSync(dir, { recursive: true });
  const { uid, gid } = osUser(user);
  chownTree(dir, uid, gid);
}

export const ORDERER_ORG: OrgRecord = { mspId: 'OrdererMSP', slug: 'orderer', kind: 'orderer', index: 0 };
export const OPERATOR_ORG: OrgRecord = { mspId: 'OperatorMSP', slug: 'operator', kind: 'peer', index: 1 };
export const MAX_ORGS = 100;
export const HOST = 'localhost';

/**
 * The port plan, derived from DATAWELL_FABRIC_PORT_BASE (default 27000): orderers at base+50+3i
 * (listen, admin, operations), CAs at base+100+3k (listen, operations), peers at base+400+3k
 * (listen, chaincode, operations), the operator's chaincode servers at base+800+n; a domain
 * organisation's own chaincode servers at base+1500+4k … +3, above the domains' service slots
 * (domains/domain.ts: base+1000 … base+1499).
 */
export function fabricPorts(settings: StackSettings) {
  const base = settings.ports.fabricBase;
  return {
    orderer: (i: number) => ({ listen: base + 50 + 3 * i, admin: base + 51 + 3 * i, operations: base + 52 + 3 * i }),
    ca: (org: OrgRecord) => ({ listen: base + 100 + 3 * org.index, operations: base + 101 + 3 * org.index }),
    /** The first of a domain organisation's own chaincode servers' ports (own-chaincode.ts, OWN_CHAINCODE_PORTS of them). */
    ownChaincode: (org: OrgRecord) => base + 1500 + 4 * org.index,
    peer: (org: OrgRecord) => ({ listen: base + 400 + 3 * org.index, chaincode: base + 401 + 3 * org.index, operations: base + 402 + 3 * org.index }),
    chaincodeServer: (n: number) => base + 800 + n,
  };
}

export interface FabricDirs {
  readonly root: string;
  readonly org: (org: OrgRecord) => string;
  readonly caHome: (org: OrgRecord) => string;
  readonly caAdmin: (org: OrgRecord) => string;
  readonly orgMsp: (org: OrgRecord) => string;
  readonly node: (org: OrgRecord, name: string) => string;
  readonly adminMsp: (org: OrgRecord) => string;
  readonly channel: (name: string) => string;
  readonly chaincode: (name: string) => string;
  readonly builder: string;
  readonly registry: string;
  readonly logs: string;
  readonly run: string;
  /** Pid files and logs of the org's processes: its domain's folders, or the stack's. */
  readonly runOf: (org: OrgRecord) => string;
  readonly logsOf: (org: OrgRecord) => string;
}

export function fabricDirs(settings: StackSettings): FabricDirs {
  const root = join(settings.stackDir, 'fabric');
  const org = (o: OrgRecord) => (o.domain ? domainPaths(settings, o.domain).fabric : join(root, 'organizations', o.slug));
  const logs = join(settings.stackDir, 'logs');
  const run = join(settings.stackDir, 'run');
  return {
    root,
    org,
    caHome: (o) => join(org(o), 'ca'),
    caAdmin: (o) => join(org(o), 'ca-admin'),
    orgMsp: (o) => join(org(o), 'msp'),
    node: (o, name) => join(org(o), 'nodes', name),
    adminMsp: (o) => join(org(o), 'users', 'admin', 'msp'),
    channel: (name) => join(root, 'channels', name),
    chaincode: (name) => join(root, 'chaincode', name),
    builder: join(root, 'builders', 'ccaas'),
    registry: join(root, 'registry.json'),
    logs,
    run,
    runOf: (o) => (o.domain ? domainPaths(settings, o.domain).run : run),
    logsOf: (o) => (o.domain ? domainPaths(settings, o.domain).logs : logs),
  };
}

/** What the network has been given so far; survives restarts so `up` only restarts processes. */
export interface FabricRegistry {
  orgs: OrgRecord[];
  /** Channels with their organisations, and the organisation governing the channel alone, if one does. */
  channels: Record<string, { orgs: string[]; governor?: string }>;
  /** One chaincode-as-a-service process per chaincode package, serving every channel it is defined on. */
  chaincodes: Record<string, ChaincodeRecord>;
  /** Bootstrap registrar secret per CA (kept in the git-ignored stack folder, never logged). */
  caSecrets: Record<string, string>;
}

export interface ChaincodeRecord {
  packageId: string;
  port: number;
  modulePath: string;
  version: string;
  /** Channels the chaincode is defined on, with the definition's sequence there (and, for a private chaincode, its collection's members). */
  channels: Record<string, { sequence: number; collectionMembers?: string[] }>;
}

export function loadRegistry(dirs: FabricDirs): FabricRegistry {
  if (!existsSync(dirs.registry)) return { orgs: [], channels: {}, chaincodes: {}, caSecrets: {} };
  const registry = JSON.parse(readFileSync(dirs.registry, 'utf8')) as FabricRegistry;
  // Registries written before chaincodes could span channels held one channel and sequence.
  for (const cc of Object.values(registry.chaincodes) as (ChaincodeRecord & { channel?: string; sequence?: number })[]) {
    if (!cc.channels && cc.channel) {
      cc.channels = { [cc.channel]: { sequence: cc.sequence ?? 1 } };
      delete cc.channel;
      delete cc.sequence;
    }
  }
  return registry;
}

/**
 * Writes the registry aside and renames it into place: processes read it without the stack's lock
 * (a test worker building its connection while another adds an organisation), and a file written in
 * place could be read half written ("Unexpected end of JSON input" in a CI run).
 */
export function saveRegistry(dirs: FabricDirs, registry: FabricRegistry): void {
  mkdirSync(dirs.root, { recursive: true });
  writeFileAtomically(dirs.registry, `${JSON.stringify(registry, null, 2)}\n`, 0o600);
  // The folder's owner keeps the registry: the operator's bridge (dw-operator) reads and writes it
  // beside the tooling (root), whose rename would otherwise leave it root's alone.
  const folder = statSync(dirs.root);
  if (process.getuid?.() === 0 && folder.uid !== 0) chownSync(dirs.registry, folder.uid, folder.gid);
}

export function findOrg(registry: FabricRegistry, mspId: string): OrgRecord {
  const org = registry.orgs.find((o) => o.mspId === mspId);
  if (!org) {
    const known = registry.orgs.map((o) => o.mspId).join(', ') || 'none';
    throw new StackError('UNKNOWN_ORG', `unknown organisation ${mspId} (known: ${known})`, 'fabric');
  }
  return org;
}

/** MSP ids as Fabric accepts them and as Datawell names them: letters and digits, ending in MSP. */
export function slugFor(mspId: string): string {
  if (!MSP_ID_PATTERN.test(mspId)) {
    throw new StackError('BAD_SETTING', `MSP id "${mspId}" must be letters and digits ending in "MSP", e.g. AcmeMSP`, 'fabric');
  }
  return mspId.slice(0, -3).toLowerCase();
}
