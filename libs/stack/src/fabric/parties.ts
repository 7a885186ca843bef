import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { StackContext } from '../components/component';
import { domainPaths, domainsDir, OPERATOR_DOMAIN, osUserFor } from '../domains/domain';
import { verifyMspPackage, type MspPackage } from '../domains/msp-package';
import { StackError } from '../errors';
import { withStackLock } from '../lock';
import { chownTree, osUser } from '../os-user';
import { run, waitFor, type RunResult } from '../proc';
import { FABRIC_CLI_TIMEOUT_MS, osnadmin } from './admin';
import { configBlockNetwork, type ChannelConfigNetwork } from './config-block';
import { ensureChaincodePackage, type ChaincodeSpec } from './chaincode';
import { ensureOwnChaincode, type OwnChaincodeServer } from './own-chaincode';
import { applicationOrg, writeChannelConfigtx, type OrgDefinition } from './configtx';
import { collectionsArgs, committedCollectionMembers, isPrivateChaincodeModule, isPrivateChaincodeName, membersCollections } from './collections';
import { HOST, OPERATOR_ORG, ORDERER_ORG, fabricDirs, fabricPorts, findOrg, loadRegistry, saveRegistry, type OrgRecord } from './layout';
import { peerConfigDir, peerProcess } from './nodes';
import { nodeNames } from './org';
import { binaryFor, fabricBin } from './tools';

/**
 * Channel formation and growth as Fabric's multi-party workflow (DESIGN.md, "Actors, trust domains
 * and identity"): each party does its own part with its own identity.
 *
 * - The operator builds a channel's genesis block from the members' public MSP packages and joins
 *   its orderers (`formChannel`); it touches no member's peer and holds no member's key.
 * - Each member, as its own admin in its own domain, joins its own peer (`joinOwnPeer`) and
 *   installs and approves the chaincode definition for its organisation (`approveChaincode`).
 * - One member (the DSP) commits the definition once every member has approved (`commitChaincode`).
 * - A channel grows by a config update (`proposeOrgAddition`) that a majority of the channel's
 *   admins sign, each in its own domain (`signConfigUpdate`), the last one submitting it
 *   (`submitConfigUpdate`).
 *
 * A member's side takes a `MemberFabric`: everything it needs is in its own folder or public
 * material (the orderer's TLS CA, the other members' peer TLS CAs), so the same functions run in a
 * member domain's own process or, for the tooling, as the domain's OS user.
 */

const CHANNEL_NAME = /^[a-z][a-z0-9.-]{0,248}$/;

/** How a member reaches the ordering service: public material the operator publishes. */
export interface OrdererAccess {
  readonly address: string;
  readonly hostOverride: string;
  readonly tlsCaFile: string;
}

/** A member domain's admin view of Fabric: its own MSP, peer and a folder it may write. */
export interface MemberFabric {
  readonly mspId: string;
  /** OS user the CLI runs as (the domain's), or undefined to run as the current process. */
  readonly user?: string;
  readonly bin: { readonly peer: string; readonly configtxgen: string; readonly configtxlator: string };
  /** FABRIC_CFG_PATH of the peer CLI (core.yaml). */
  readonly configDir: string;
  readonly adminMspDir: string;
  readonly peer: { readonly address: string; readonly tlsRootCertFile: string; readonly operationsUrl: string };
  /** A folder of the member's where the CLI writes blocks and envelopes. */
  readonly workDir: string;
  readonly orderer: OrdererAccess;
  /**
   * The member's own chaincode server (own-chaincode.ts): its peer then runs the chaincode of its own
   * domain, from a package of its own, instead of dialling the operator's server. Absent for an
   * organisation the operator's tooling holds.
   */
  readonly chaincodeServer?: OwnChaincodeServer;
}

/** A chaincode definition the members approve, and the (public) package their peers install. */
export interface ChaincodeDefinition {
  readonly name: string;
  readonly version: string;
  readonly sequence: number;
  readonly packageId: string;
  readonly packageFile: string;
  /** Whether the chaincode keeps its state in the channel members' collection (the dao chaincode's module, under any name): its definition carries the collection. */
  readonly privateData?: boolean;
}

/** Whether a definition carries the members' collection (fabric/collections.ts). */
function isPrivateDefinition(def: ChaincodeDefinition): boolean {
  return def.privateData === true || isPrivateChaincodeName(def.name);
}

/** What the operator publishes for a channel it formed: the members do the rest from it. */
export interface ChannelBlueprint {
  readonly channel: string;
  readonly members: readonly string[];
  readonly chaincodes: readonly ChaincodeDefinition[];
  /** Each member's peer, as its package gives it: the endorsers of a chaincode commit. */
  readonly peers: readonly { readonly mspId: string; readonly address: string; readonly tlsCaCert: string }[];
}

function publicOperatorDir(ctx: StackContext): string {
  return domainPaths(ctx.settings, OPERATOR_DOMAIN).publicDir;
}

function ensurePublicDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
}

/**
 * Publishes (idempotently) the ordering service's TLS CA where every domain can read it. The fabric
 * component does this once each time the stack starts, after the orderers' certificates exist.
 */
export function publishOrdererAccess(ctx: StackContext): OrdererAccess {
  const access = ordererAccess(ctx);
  ensurePublicDir(join(domainsDir(ctx.settings), 'public'));
  ensurePublicDir(publicOperatorDir(ctx));
  const source = join(fabricDirs(ctx.settings).node(ORDERER_ORG, 'orderer0'), 'tls', 'ca.crt');
  if (!existsSync(access.tlsCaFile) || readFileSync(access.tlsCaFile, 'utf8') !== readFileSync(source, 'utf8')) {
    copyFileSync(source, access.tlsCaFile);
    chmodSync(access.tlsCaFile, 0o644);
  }
  return access;
}

/** The ordering service's address and the public copy of its TLS CA (`publishOrdererAccess`). */
export function ordererAccess(ctx: StackContext): OrdererAccess {
  return { address: `${HOST}:${fabricPorts(ctx.settings).orderer(0).listen}`, hostOverride: HOST, tlsCaFile: join(publicOperatorDir(ctx), 'orderer-tls-ca.pem') };
}

/**
 * The admin view of a member domain's organisation, for the tooling (which runs the CLI as the
 * domain's user). A member's own process builds the same from its settings.
 */
export function memberFabric(ctx: StackContext, mspId: string): MemberFabric {
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId);
  if (!org.domain) throw new StackError('BAD_SETTING', `${mspId} is held by the operator's tooling, not by its own domain`, 'fabric');
  const user = osUserFor(org.domain);
  const workDir = join(domainPaths(ctx.settings, org.domain).run, 'fabric-admin');
  if (!existsSync(workDir)) {
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
    const { uid, gid } = osUser(user);
    chownSync(workDir, uid, gid);
  }
  return { ...adminView(ctx, org, workDir, user), chaincodeServer: ownChaincodeServerOf(ctx, org) };
}

/** Where a domain organisation's own chaincode server lives: its port in the plan, a folder of its Fabric folder. */
export function ownChaincodeServerOf(ctx: StackContext, org: OrgRecord): OwnChaincodeServer {
  return { port: fabricPorts(ctx.settings).ownChaincode(org), dir: join(fabricDirs(ctx.settings).org(org), 'chaincode'), repoDir: ctx.settings.repoDir };
}

/** An organisation's admin view: binaries it can run, its peer CLI config and admin MSP, its peer, the orderer. */
function adminView(ctx: StackContext, org: OrgRecord, workDir: string, user?: string): MemberFabric {
  const dirs = fabricDirs(ctx.settings);
  // Published when the stack starts; a stack started by an older tooling publishes it on first use.
  const orderer = ordererAccess(ctx);
  const bin = (cmd: 'peer' | 'configtxgen' | 'configtxlator') => binaryFor(ctx.settings, fabricBin(ctx.settings, cmd), org);
  return {
    mspId: org.mspId,
    ...(user ? { user } : {}),
    bin: { peer: bin('peer'), configtxgen: bin('configtxgen'), configtxlator: bin('configtxlator') },
    configDir: peerConfigDir(ctx, org),
    adminMspDir: dirs.adminMsp(org),
    peer: {
      address: peerProcess(ctx, org).endpoint,
      tlsRootCertFile: join(dirs.orgMsp(org), 'tlscacerts', 'ca.pem'),
      operationsUrl: `http://127.0.0.1:${fabricPorts(ctx.settings).peer(org).operations}`,
    },
    workDir,
    orderer: existsSync(orderer.tlsCaFile) ? orderer : publishOrdererAccess(ctx),
  };
}

// ---------------------------------------------------------------------------------------------
// The operator's part

/** The file name of a channel's blueprint in the operator's public folder. */
export function blueprintFile(ctx: StackContext, channel: string): string {
  return join(publicOperatorDir(ctx), 'channels', `${channel}.json`);
}

export function readBlueprint(ctx: StackContext, channel: string): ChannelBlueprint {
  const file = blueprintFile(ctx, channel);
  if (!existsSync(file)) throw new StackError('BAD_SETTING', `no channel ${channel} has been formed`, 'fabric');
  return JSON.parse(readFileSync(file, 'utf8')) as ChannelBlueprint;
}

/** Host and port of a package's peer endpoint (`host:port`). */
function anchorOf(pkg: MspPackage): { host: string; port: number } {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(pkg.peer.endpoint);
  if (!match) throw new StackError('BAD_MSP_PACKAGE', `MSP package of ${pkg.mspId}: peer endpoint "${pkg.peer.endpoint}" is not host:port`, 'domains');
  return { host: match[1]!, port: Number(match[2]) };
}

/** Lays a package's public MSP out as a Fabric MSP folder (cacerts, tlscacerts, config.yaml). */
function materialiseMsp(pkg: MspPackage, dir: string): string {
  const msp = join(dir, pkg.mspId, 'msp');
  for (const [sub, pems] of [['cacerts', pkg.cacerts], ['tlscacerts', pkg.tlscacerts]] as const) {
    mkdirSync(join(msp, sub), { recursive: true });
    pems.forEach((pem, i) => writeFileSync(join(msp, sub, i === 0 ? 'ca.pem' : `ca-${i}.pem`), pem));
  }
  writeFileSync(join(msp, 'config.yaml'), pkg.nodeOUs);
  return msp;
}

/** The channel definition of a member organisation, from its public MSP package only. */
export function packageDefinition(pkg: MspPackage, dir: string): OrgDefinition {
  verifyMspPackage(pkg);
  return { mspId: pkg.mspId, mspDir: materialiseMsp(pkg, dir), anchor: anchorOf(pkg) };
}

/** A chaincode named by its deployed record, or given by its module to package now. */
export type ChaincodeSource = string | Omit<ChaincodeSpec, 'channel'>;

/**
 * The (public) chaincode-as-a-service package of a chaincode, packaged (and its server started) if
 * it is given by its module, copied where members can read it, with its package id (label and
 * SHA-256 of the package, as Fabric computes it).
 */
export async function publishChaincodePackage(ctx: StackContext, source: ChaincodeSource): Promise<Omit<ChaincodeDefinition, 'sequence'>> {
  const name = typeof source === 'string' ? source : source.name;
  const cc = typeof source === 'string' ? loadRegistry(fabricDirs(ctx.settings)).chaincodes[name] : await ensureChaincodePackage(ctx, source);
  if (!cc) throw new StackError('BAD_SETTING', `unknown chaincode ${name}: deploy it once first`, 'fabric');
  const source0 = join(fabricDirs(ctx.settings).chaincode(name), `${name}.tgz`);
  const dir = join(publicOperatorDir(ctx), 'chaincode');
  ensurePublicDir(join(dir, '..'));
  ensurePublicDir(dir);
  const packageFile = join(dir, `${cc.packageId.replace(/[^A-Za-z0-9._-]/g, '_')}.tgz`);
  if (!existsSync(packageFile)) {
    copyFileSync(source0, packageFile);
    chmodSync(packageFile, 0o644);
  }
  const packageId = `${name}_${cc.version}:${createHash('sha256').update(readFileSync(packageFile)).digest('hex')}`;
  if (packageId !== cc.packageId) throw new StackError('COMMAND_FAILED', `the package of ${name} has id ${packageId}, not ${cc.packageId} as deployed`, 'fabric');
  return { name, version: cc.version, packageId, packageFile, ...(isPrivateChaincodeModule(cc.modulePath) ? { privateData: true } : {}) };
}

/**
 * The operator's part of forming a channel: checks every member's public MSP package, builds the
 * genesis block with exactly those organisations, joins every orderer through the channel
 * participation API, and publishes the channel's blueprint (members, peers, chaincode definitions
 * at sequence 1) for the members. It never touches a member's peer. Idempotent.
 */
export async function formChannel(ctx: StackContext, channel: string, packages: readonly MspPackage[], chaincodes: readonly ChaincodeSource[]): Promise<ChannelBlueprint> {
  return withStackLock(ctx, () => formChannelLocked(ctx, channel, packages, chaincodes));
}

async function formChannelLocked(ctx: StackContext, channel: string, packages: readonly MspPackage[], chaincodes: readonly ChaincodeSource[]): Promise<ChannelBlueprint> {
  if (!CHANNEL_NAME.test(channel)) throw new StackError('BAD_SETTING', `channel name "${channel}" must be lower case letters, digits, dots and dashes`, 'fabric');
  if (packages.length === 0) throw new StackError('BAD_SETTING', `channel ${channel} needs at least one organisation`, 'fabric');
  const ids = packages.map((p) => p.mspId);
  if (new Set(ids).size !== ids.length) throw new StackError('BAD_SETTING', `channel ${channel} names an organisation twice`, 'fabric');
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  const known = registry.channels[channel];
  if (known && known.orgs.join(',') !== ids.join(',')) throw new StackError('BAD_SETTING', `channel ${channel} already exists with organisations ${known.orgs.join(', ')}`, 'fabric');
  const block = join(dirs.channel(channel), `${channel}.block`);
  if (!existsSync(block)) {
    const definitions = packages.map((p) => packageDefinition(p, join(dirs.channel(channel), 'orgs')));
    const cfg = writeChannelConfigtx(ctx, channel, definitions);
    ctx.progress.step('fabric', `creating the genesis block of channel ${channel} from the members' MSP packages (${ids.join(', ')})`);
    await run(fabricBin(ctx.settings, 'configtxgen'), ['-configPath', cfg, '-profile', 'Channel', '-channelID', channel, '-outputBlock', block]);
  }
  const definitions: ChaincodeDefinition[] = [];
  for (const source of chaincodes) definitions.push({ ...(await publishChaincodePackage(ctx, source)), sequence: 1 });
  // Read again: publishing a chaincode given by its module records its package.
  const updated = loadRegistry(dirs);
  updated.channels[channel] = { orgs: [...ids] };
  for (const def of definitions) updated.chaincodes[def.name]!.channels[channel] = { sequence: 1 };
  saveRegistry(dirs, updated);
  await joinOrderers(ctx, channel, block);
  const blueprint: ChannelBlueprint = {
    channel,
    members: ids,
    chaincodes: definitions,
    peers: packages.map((p) => ({ mspId: p.mspId, address: p.peer.endpoint, tlsCaCert: p.peer.tlsCaCert })),
  };
  const file = blueprintFile(ctx, channel);
  ensurePublicDir(join(file, '..'));
  writeFileSync(file, `${JSON.stringify(blueprint, null, 2)}\n`, { mode: 0o644 });
  return blueprint;
}

/** Joins every orderer that has not joined it yet to a channel, from its genesis block (channel participation API). */
export async function joinOrderers(ctx: StackContext, channel: string, block: string): Promise<void> {
  for (const [i] of nodeNames(ctx, ORDERER_ORG).entries()) {
    const { stdout } = await osnadmin(ctx, i, ['channel', 'list']);
    if (stdout.includes(`"name": "${channel}"`)) continue;
    ctx.progress.step('fabric', `joining orderer${i} to ${channel}`);
    await osnadmin(ctx, i, ['channel', 'join', '--channelID', channel, '--config-block', block]);
  }
}

// ---------------------------------------------------------------------------------------------
// A member's part: its own admin, its own peer

/** A fresh folder of the member's for one operation, removed afterwards. */
async function inWork<T>(m: MemberFabric, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(m.workDir, 'op-'));
  if (m.user && process.getuid?.() === 0) {
    const { uid, gid } = osUser(m.user);
    chownSync(dir, uid, gid);
  }
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a file the member's CLI will read (the tooling may write it as another user). */
function writeForMember(m: MemberFabric, file: string, content: string | Buffer): void {
  writeFileSync(file, content, { mode: 0o644 });
  if (m.user && process.getuid?.() === 0) {
    const { uid, gid } = osUser(m.user);
    chownSync(file, uid, gid);
  }
}

function peerEnv(m: MemberFabric): Record<string, string> {
  return {
    FABRIC_CFG_PATH: m.configDir,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_LOCALMSPID: m.mspId,
    CORE_PEER_MSPCONFIGPATH: m.adminMspDir,
    CORE_PEER_ADDRESS: m.peer.address,
    CORE_PEER_TLS_ROOTCERT_FILE: m.peer.tlsRootCertFile,
  };
}

function peer(m: MemberFabric, args: readonly string[], cwd?: string): Promise<RunResult> {
  return run(m.bin.peer, args, { env: peerEnv(m), ...(m.user ? { user: m.user } : {}), cwd: cwd ?? m.workDir, timeoutMs: FABRIC_CLI_TIMEOUT_MS });
}

function ordererArgs(m: MemberFabric): string[] {
  return ['-o', m.orderer.address, '--ordererTLSHostnameOverride', m.orderer.hostOverride, '--tls', '--cafile', m.orderer.tlsCaFile];
}

/** The channels the member's own peer has joined, as `peer channel list` reports them. */
export async function ownPeerChannels(m: MemberFabric): Promise<string[]> {
  const { stdout } = await peer(m, ['channel', 'list']);
  return stdout.split('\n').map((l) => l.trim()).filter((l) => CHANNEL_NAME.test(l));
}

/**
 * Joins the member's own peer to a channel its organisation belongs to: the genesis block fetched
 * from the ordering service as the member's admin (the orderer serves it only to a member), then
 * `peer channel join`. Idempotent; retried while the orderers are still starting the channel.
 */
export async function joinOwnPeer(m: MemberFabric, channel: string, timeoutMs = 60000, inspect?: (blockFile: string, dir: string) => Promise<void>): Promise<void> {
  if ((await ownPeerChannels(m)).includes(channel)) return;
  await inWork(m, async (dir) => {
    const block = join(dir, `${channel}.block`);
    await waitFor(`${m.mspId} fetching the genesis block of ${channel}`, async () => {
      await peer(m, ['channel', 'fetch', '0', block, '-c', channel, ...ordererArgs(m)]);
      return true;
    }, timeoutMs, 'fabric');
    // The member's own look at the block before its peer joins (it may refuse it).
    if (inspect) await inspect(block, dir);
    await peer(m, ['channel', 'join', '-b', block]);
  });
}

/** The member's own view of a channel's height (blocks), from its peer. */
export async function ownPeerHeight(m: MemberFabric, channel: string): Promise<number> {
  const { stdout } = await peer(m, ['channel', 'getinfo', '-c', channel]);
  const match = /"height":(\d+)/.exec(stdout);
  if (!match) throw new StackError('COMMAND_FAILED', `peer channel getinfo gave no height for ${channel}`, 'fabric');
  return Number(match[1]);
}

/**
 * Every block of a channel, fetched with Fabric's own CLI (`peer channel fetch <n>`) from the
 * ordering service as the member's admin (the orderer serves a channel's blocks only to its members),
 * from 0 to the height the member's own peer reports: the raw protobuf of each block, in order.
 */
export async function fetchChannelBlocks(m: MemberFabric, channel: string): Promise<Buffer[]> {
  const height = await ownPeerHeight(m, channel);
  return inWork(m, async (dir) => {
    const blocks: Buffer[] = [];
    for (let n = 0; n < height; n++) {
      const file = join(dir, `${n}.block`);
      await peer(m, ['channel', 'fetch', String(n), file, '-c', channel, ...ordererArgs(m)]);
      blocks.push(readFileSync(file));
    }
    return blocks;
  });
}

function definitionArgs(channel: string, def: ChaincodeDefinition): string[] {
  return ['--channelID', channel, '--name', def.name, '--version', def.version, '--sequence', String(def.sequence)];
}

/** A chaincode definition committed on a channel, as a member's peer reports it (querycommitted). */
export interface CommittedDefinition {
  readonly version: string;
  readonly sequence: number;
  readonly approvals: Readonly<Record<string, boolean>>;
  /** The members of its collection, for a private chaincode's definition (the MSP ids its member policy names). */
  readonly collectionMembers?: readonly string[];
}

/** The definition committed on the channel, as the member's own peer reports it, if any. */
export async function committedDefinition(m: MemberFabric, channel: string, name: string): Promise<CommittedDefinition | undefined> {
  const result = await peer(m, ['lifecycle', 'chaincode', 'querycommitted', '--channelID', channel, '--name', name, '--output', 'json']).catch(() => undefined);
  if (!result) return undefined;
  const def = JSON.parse(result.stdout) as { version: string; sequence: number; approvals?: Record<string, boolean>; collections?: unknown };
  const members = committedCollectionMembers(def.collections);
  return { version: def.version, sequence: Number(def.sequence), approvals: def.approvals ?? {}, ...(members.length > 0 ? { collectionMembers: members } : {}) };
}

/**
 * A private chaincode's collection arguments for a definition on the channel (fabric/collections.ts):
 * its members as given (a committed definition's), else the channel's organisations as the member's
 * own peer lists them — never what another party says. None for a public chaincode.
 */
async function collectionsFor(m: MemberFabric, channel: string, def: ChaincodeDefinition, dir: string, members?: readonly string[]): Promise<string[]> {
  if (!isPrivateDefinition(def)) return [];
  const of = members ?? (await channelOrganisations(m, channel));
  return collectionsArgs(join(dir, 'collections.json'), membersCollections(of), (file, content) => writeForMember(m, file, content));
}

/** Which organisations have approved the definition (checkcommitreadiness, asked of the member's peer). */
export async function approvals(m: MemberFabric, channel: string, def: ChaincodeDefinition, collectionMembers?: readonly string[]): Promise<Record<string, boolean>> {
  const { stdout } = await inWork(m, async (dir) => peer(m, ['lifecycle', 'chaincode', 'checkcommitreadiness', ...definitionArgs(channel, def), ...(await collectionsFor(m, channel, def, dir, collectionMembers)), '--output', 'json']));
  return (JSON.parse(stdout) as { approvals: Record<string, boolean> }).approvals;
}

/**
 * The member's approval, as its own admin: installs the package on its own peer (if missing) and
 * approves the definition for its organisation. A member with its own chaincode server
 * (`chaincodeServer`) installs and approves its own package of the definition's name and version,
 * whose server runs in its domain; the package the operator published is then not used. Idempotent:
 * an approval already given with that package is left as it is; one given with another package (a
 * member that approved the operator's before it ran its own) is given again with its own, at the same
 * sequence, as Fabric allows. A private chaincode's new definition carries the collection of
 * `collectionMembers` when the caller read them already from the member's own peer (else they are
 * read here).
 */
export async function approveChaincode(m: MemberFabric, channel: string, def: ChaincodeDefinition, collectionMembers?: readonly string[]): Promise<void> {
  const pkg = m.chaincodeServer ? await ensureOwnChaincode(m.chaincodeServer, def.name, def.version, m.user) : def;
  const installed = await peer(m, ['lifecycle', 'chaincode', 'queryinstalled']);
  if (!installed.stdout.includes(pkg.packageId)) await peer(m, ['lifecycle', 'chaincode', 'install', pkg.packageFile]);
  // Committed at this sequence or later: that definition is the one to (re-)approve, with its approvals.
  const committed = await committedDefinition(m, channel, def.name);
  const current = committed && committed.sequence >= def.sequence ? committed : undefined;
  const definition = current ? { ...def, version: current.version, sequence: current.sequence } : def;
  // A committed definition is approved again with its own collection; a new one with the channel's
  // organisations (as the caller read them from the member's own peer, else read here).
  const members = current?.collectionMembers ?? (isPrivateDefinition(def) ? (collectionMembers ?? (await channelOrganisations(m, channel))) : undefined);
  const approved = current ? current.approvals[m.mspId] === true : (await approvals(m, channel, def, members))[m.mspId] === true;
  if (approved && (await approvedPackageId(m, channel, def.name, definition.sequence)) === pkg.packageId) return;
  await inWork(m, async (dir) =>
    peer(m, ['lifecycle', 'chaincode', 'approveformyorg', ...ordererArgs(m), ...definitionArgs(channel, definition), ...(await collectionsFor(m, channel, definition, dir, members)), '--package-id', pkg.packageId]),
  );
}

/** The package id the member's organisation approved for a chaincode at a sequence (`queryapproved`), if any. */
export async function approvedPackageId(m: MemberFabric, channel: string, name: string, sequence: number): Promise<string | undefined> {
  const result = await peer(m, ['lifecycle', 'chaincode', 'queryapproved', '--channelID', channel, '--name', name, '--sequence', String(sequence), '--output', 'json']).catch(() => undefined);
  if (!result) return undefined;
  const found = /"package_id"\s*:\s*"([^"]+)"/.exec(result.stdout);
  return found?.[1];
}

/**
 * Commits the definition once every member named has approved it (waiting for them), endorsed by
 * the members' peers. Idempotent for a definition already committed at this sequence. A private
 * chaincode's collection is that of `collectionMembers` when the caller read them already from the
 * member's own peer (else the channel's organisations, read here).
 */
export async function commitChaincode(m: MemberFabric, blueprint: ChannelBlueprint, def: ChaincodeDefinition, timeoutMs = 120000, collectionMembers?: readonly string[]): Promise<void> {
  const channel = blueprint.channel;
  const committed = await committedDefinition(m, channel, def.name);
  if (committed && committed.sequence >= def.sequence) return;
  const members = isPrivateDefinition(def) ? (collectionMembers ?? (await channelOrganisations(m, channel))) : undefined;
  await waitFor(`every member of ${channel} to approve ${def.name} (sequence ${def.sequence})`, async () => {
    const given = await approvals(m, channel, def, members);
    return blueprint.members.every((id) => given[id] === true);
  }, timeoutMs, 'fabric');
  await inWork(m, async (dir) => {
    const endorsers = blueprint.peers.flatMap((p) => {
      const ca = join(dir, `${p.mspId}-tls-ca.pem`);
      writeForMember(m, ca, p.tlsCaCert);
      return ['--peerAddresses', p.address, '--tlsRootCertFiles', ca];
    });
    await peer(m, ['lifecycle', 'chaincode', 'commit', ...ordererArgs(m), ...definitionArgs(channel, def), ...(await collectionsFor(m, channel, def, dir, members)), ...endorsers]);
  });
}

/**
 * Waits until the member's peer knows the channel's other `members - 1` peers through gossip
 * (service discovery, which the Fabric Gateway uses to find endorsers, offers no other peers).
 */
export async function waitForChannelPeers(m: MemberFabric, channel: string, members: number, timeoutMs = 120000): Promise<void> {
  if (members < 2) return;
  const pattern = new RegExp(`^gossip_membership_total_peers_known\\{channel="${channel.replace(/[.]/g, '\\.')}"\\} (\\d+)`, 'm');
  await waitFor(`${m.mspId}'s peer to know the other members of ${channel}`, async () => {
    const text = await (await fetch(`${m.peer.operationsUrl}/metrics`)).text();
    return Number(pattern.exec(text)?.[1] ?? 0) >= members - 1;
  }, timeoutMs, 'fabric');
}

// ---------------------------------------------------------------------------------------------
// Growth: a config update signed by a majority of the channel's admins, each in its own domain

interface ConfigJson {
  channel_group: { groups: { Application: { groups: Record<string, unknown> } } };
}

/**
 * A member's proposal to add an organisation to a channel, from that organisation's public MSP
 * package (or, for the tooling, its definition over an MSP folder the member can read): the current
 * config fetched by the member, the org's definition printed by configtxgen, the update computed by
 * configtxlator. Returns the unsigned update envelope (protobuf bytes).
 */
export async function proposeOrgAddition(m: MemberFabric, channel: string, org: MspPackage | OrgDefinition): Promise<Buffer> {
  return inWork(m, async (dir) => {
    const as = m.user ? { user: m.user } : {};
    const def = 'mspDir' in org ? org : memberPackageDefinition(m, org, join(dir, 'orgs'));
    writeForMember(m, join(dir, 'configtx.yaml'), stringify({ Organizations: [applicationOrg(def)] }));
    const printed = await run(m.bin.configtxgen, ['-configPath', dir, '-printOrg', def.mspId], { ...as, cwd: dir, env: { FABRIC_CFG_PATH: dir } });
    const definition = JSON.parse(printed.stdout) as { values: Record<string, unknown> };
    return configUpdate(m, channel, dir, (config) => {
      const orgs = config.channel_group.groups.Application.groups;
      if (orgs[def.mspId]) throw new StackError('BAD_SETTING', `${def.mspId} is already a member of ${channel}`, 'fabric');
      orgs[def.mspId] = definition.values['AnchorPeers']
        ? definition
        : { ...definition, values: { ...definition.values, AnchorPeers: { mod_policy: 'Admins', value: { anchor_peers: [def.anchor] }, version: '0' } } };
    });
  });
}

/**
 * A member's proposal to remove an organisation from a channel (the counterpart of
 * `proposeOrgAddition`, e.g. a member who transferred its position): the current config fetched by
 * the member, the organisation's group deleted from the Application group, the update computed by
 * configtxlator. The channel's Admins policy (MAJORITY Admins on a DAO channel) decides who must
 * sign. Returns the unsigned update envelope (protobuf bytes).
 */
export async function proposeOrgRemoval(m: MemberFabric, channel: string, mspId: string): Promise<Buffer> {
  return inWork(m, (dir) =>
    configUpdate(m, channel, dir, (config) => {
      const orgs = config.channel_group.groups.Application.groups;
      if (!orgs[mspId]) throw new StackError('BAD_SETTING', `${mspId} is not a member of ${channel}`, 'fabric');
      if (Object.keys(orgs).length < 2) throw new StackError('BAD_SETTING', `${mspId} is the last member of ${channel}`, 'fabric');
      delete orgs[mspId];
    }),
  );
}

/**
 * A member's proposal of any other change to a channel's config: `change` edits the current config
 * (configtxlator's JSON, fetched by the member) in place. Who must sign is the channel's to say (its
 * policies' mod_policy). Returns the unsigned update envelope (protobuf bytes).
 */
export async function proposeConfigChange(m: MemberFabric, channel: string, change: (config: Record<string, unknown>) => void): Promise<Buffer> {
  return inWork(m, (dir) => configUpdate(m, channel, dir, (config) => change(config as unknown as Record<string, unknown>)));
}

/** The config update envelope that takes the channel's current config (fetched by the member) to `change(config)`. */
async function configUpdate(m: MemberFabric, channel: string, dir: string, change: (config: ConfigJson) => void): Promise<Buffer> {
  const as = m.user ? { user: m.user } : {};
  const f = (name: string) => join(dir, name);
  const lator = (args: string[]) => run(m.bin.configtxlator, args, { ...as, cwd: dir });
  await peer(m, ['channel', 'fetch', 'config', f('config_block.pb'), '-c', channel, ...ordererArgs(m)], dir);
  await lator(['proto_decode', '--input', f('config_block.pb'), '--type', 'common.Block', '--output', f('config_block.json')]);
  const block = JSON.parse(readFileSync(f('config_block.json'), 'utf8')) as { data: { data: { payload: { data: { config: ConfigJson } } }[] } };
  const config = block.data.data[0]!.payload.data.config;
  const modified = structuredClone(config);
  change(modified);
  writeForMember(m, f('config.json'), JSON.stringify(config));
  writeForMember(m, f('modified.json'), JSON.stringify(modified));
  await lator(['proto_encode', '--input', f('config.json'), '--type', 'common.Config', '--output', f('config.pb')]);
  await lator(['proto_encode', '--input', f('modified.json'), '--type', 'common.Config', '--output', f('modified.pb')]);
  await lator(['compute_update', '--channel_id', channel, '--original', f('config.pb'), '--updated', f('modified.pb'), '--output', f('update.pb')]);
  await lator(['proto_decode', '--input', f('update.pb'), '--type', 'common.ConfigUpdate', '--output', f('update.json')]);
  const update = JSON.parse(readFileSync(f('update.json'), 'utf8')) as unknown;
  writeForMember(m, f('envelope.json'), JSON.stringify({ payload: { header: { channel_header: { channel_id: channel, type: 2 } }, data: { config_update: update } } }));
  await lator(['proto_encode', '--input', f('envelope.json'), '--type', 'common.Envelope', '--output', f('envelope.pb')]);
  return readFileSync(f('envelope.pb'));
}

/** A package's definition, its MSP laid out in a folder of the member's (owned by the member's user). */
function memberPackageDefinition(m: MemberFabric, pkg: MspPackage, dir: string): OrgDefinition {
  const def = packageDefinition(pkg, dir);
  if (m.user && process.getuid?.() === 0) {
    const { uid, gid } = osUser(m.user);
    chownTree(dir, uid, gid);
  }
  return def;
}

/** The member's admin signs a config update envelope; returns the envelope with its signature added. */
export async function signConfigUpdate(m: MemberFabric, envelope: Buffer): Promise<Buffer> {
  return inWork(m, async (dir) => {
    const file = join(dir, 'envelope.pb');
    writeForMember(m, file, envelope);
    await peer(m, ['channel', 'signconfigtx', '-f', file], dir);
    return readFileSync(file);
  });
}

/** A config update envelope (protobuf bytes) decoded by the member with configtxlator (its JSON of a `common.Envelope`, the config update and signatures within). */
export async function decodeConfigUpdateEnvelope(m: MemberFabric, envelope: Buffer): Promise<unknown> {
  return inWork(m, async (dir) => {
    const f = (name: string) => join(dir, name);
    writeForMember(m, f('envelope.pb'), envelope);
    await run(m.bin.configtxlator, ['proto_decode', '--input', f('envelope.pb'), '--type', 'common.Envelope', '--output', f('envelope.json')], { ...(m.user ? { user: m.user } : {}), cwd: dir });
    return JSON.parse(readFileSync(f('envelope.json'), 'utf8')) as unknown;
  });
}

/** The member's admin submits a config update (adding its own signature) to the ordering service. */
export async function submitConfigUpdate(m: MemberFabric, channel: string, envelope: Buffer): Promise<void> {
  await inWork(m, async (dir) => {
    const file = join(dir, 'envelope.pb');
    writeForMember(m, file, envelope);
    await peer(m, ['channel', 'update', '-f', file, '-c', channel, ...ordererArgs(m)], dir);
  });
}

/** The channel's latest config block, fetched by the member from the ordering service and decoded (configtxlator's JSON). */
export async function channelConfigBlock(m: MemberFabric, channel: string): Promise<unknown> {
  return inWork(m, async (dir) => {
    const f = (name: string) => join(dir, name);
    await peer(m, ['channel', 'fetch', 'config', f('config.pb'), '-c', channel, ...ordererArgs(m)], dir);
    await run(m.bin.configtxlator, ['proto_decode', '--input', f('config.pb'), '--type', 'common.Block', '--output', f('config.json')], { ...(m.user ? { user: m.user } : {}), cwd: dir });
    return JSON.parse(readFileSync(f('config.json'), 'utf8')) as unknown;
  });
}

/** The channel's genesis block (block 0), fetched by the member from the ordering service (it serves a channel's blocks to its members only) and decoded. */
export async function channelGenesisBlock(m: MemberFabric, channel: string): Promise<unknown> {
  return inWork(m, async (dir) => {
    const f = (name: string) => join(dir, name);
    await peer(m, ['channel', 'fetch', '0', f('genesis.pb'), '-c', channel, ...ordererArgs(m)], dir);
    await run(m.bin.configtxlator, ['proto_decode', '--input', f('genesis.pb'), '--type', 'common.Block', '--output', f('genesis.json')], { ...(m.user ? { user: m.user } : {}), cwd: dir });
    return JSON.parse(readFileSync(f('genesis.json'), 'utf8')) as unknown;
  });
}

/** The channel's latest config, fetched by the member from the ordering service and decoded. */
export async function channelConfig(m: MemberFabric, channel: string): Promise<ConfigJson> {
  const block = (await channelConfigBlock(m, channel)) as { data: { data: { payload: { data: { config: ConfigJson } } }[] } };
  return block.data.data[0]!.payload.data.config;
}

/** The application organisations of a channel, from its latest config block fetched by the member. */
export async function channelOrganisations(m: MemberFabric, channel: string): Promise<string[]> {
  return Object.keys((await channelConfig(m, channel)).channel_group.groups.Application.groups).sort();
}

/** An organisation's anchor peers on a channel as its config lists them (empty when none; undefined when it is not a member). */
export async function anchorPeersOf(m: MemberFabric, channel: string, mspId: string): Promise<Array<{ host: string; port: number }> | undefined> {
  const org = (await channelConfig(m, channel)).channel_group.groups.Application.groups[mspId] as { values?: { AnchorPeers?: { value?: { anchor_peers?: Array<{ host: string; port: number }> } } } } | undefined;
  return org ? (org.values?.AnchorPeers?.value?.anchor_peers ?? []) : undefined;
}

/** Records that an organisation joined a channel the operator formed (the operator's registry, for status). */
export function recordChannelMember(ctx: StackContext, channel: string, mspId: string): void {
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  const known = registry.channels[channel];
  if (known && !known.orgs.includes(mspId)) {
    known.orgs.push(mspId);
    saveRegistry(dirs, registry);
  }
}

// ---------------------------------------------------------------------------------------------
// The operator's own channel: `marketplace`, which it governs alone

/** The operator's admin view of Fabric (the tooling's own user), in the same shape as a member's. */
export function operatorFabric(ctx: StackContext): MemberFabric {
  return toolingFabric(ctx, OPERATOR_ORG);
}

/**
 * The admin view of an organisation as the tooling's own user, with the admin MSP in the stack's
 * folder: the operator's, or a participant's that `addOrganisation` made (fabric/channel.ts).
 */
export function toolingFabric(ctx: StackContext, org: OrgRecord): MemberFabric {
  const workDir = join(ctx.settings.stackDir, 'run', 'fabric-admin');
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  return adminView(ctx, org, workDir);
}

/**
 * The operator admits an organisation of a trust domain to a channel it governs alone
 * (`marketplace`): a config update built from the organisation's public MSP package, signed and
 * submitted by the operator's admin. The member then joins its own peer and approves the channel's
 * chaincodes itself. Idempotent.
 */
export async function admitOrganisation(ctx: StackContext, channel: string, pkg: MspPackage): Promise<void> {
  await withStackLock(ctx, async () => {
    const registry = loadRegistry(fabricDirs(ctx.settings));
    const known = registry.channels[channel];
    if (!known) throw new StackError('BAD_SETTING', `unknown channel ${channel}`, 'fabric');
    if (known.governor !== OPERATOR_ORG.mspId) throw new StackError('BAD_SETTING', `${channel} is not governed by the operator alone (a stack made before it was: reset it), so its members' majority must sign`, 'fabric');
    const operator = operatorFabric(ctx);
    if (!(await channelOrganisations(operator, channel)).includes(pkg.mspId)) {
      ctx.progress.step('fabric', `admitting ${pkg.mspId} to ${channel} by a config update from its MSP package`);
      await submitConfigUpdate(operator, channel, await proposeOrgAddition(operator, channel, pkg));
    }
    recordChannelMember(ctx, channel, pkg.mspId);
  });
}

/**
 * The chaincode definition committed on a channel, as the operator's peer reports it, with the
 * public package of that version: what a member admitted later approves for its organisation.
 */
export async function committedChaincodeDefinition(ctx: StackContext, channel: string, name: string): Promise<ChaincodeDefinition> {
  const committed = await committedDefinition(operatorFabric(ctx), channel, name);
  if (!committed) throw new StackError('BAD_SETTING', `no definition of ${name} is committed on ${channel}`, 'fabric');
  const published = await publishChaincodePackage(ctx, name);
  if (published.version !== committed.version) throw new StackError('BAD_SETTING', `${name} is committed on ${channel} at version ${committed.version}, but the stack's package is ${published.version}`, 'fabric');
  return { ...published, sequence: committed.sequence };
}

// ---------------------------------------------------------------------------------------------
// The ordering service as the operator sees it: its own orderers and the public channel configs

/** A channel as one orderer serves it (its channel participation API). */
export interface OrdererChannel {
  readonly orderer: string;
  readonly endpoint: string;
  readonly status: string;
  readonly consensusRelation: string;
  readonly height: number;
}

/** An orderer of the operator's ordering service. */
export interface OrdererNode {
  readonly name: string;
  readonly mspId: string;
  readonly endpoint: string;
  readonly adminEndpoint: string;
}

export function ordererNodes(ctx: StackContext): OrdererNode[] {
  return nodeNames(ctx, ORDERER_ORG).map((name, i) => {
    const ports = fabricPorts(ctx.settings).orderer(i);
    return { name, mspId: ORDERER_ORG.mspId, endpoint: `${HOST}:${ports.listen}`, adminEndpoint: `${HOST}:${ports.admin}` };
  });
}

/** osnadmin prints its HTTP status line, then the JSON body. */
function osnadminJson<T>(stdout: string): T {
  const at = stdout.indexOf('{');
  if (at < 0) throw new StackError('COMMAND_FAILED', `osnadmin answered no JSON: ${stdout.slice(0, 200)}`, 'fabric');
  return JSON.parse(stdout.slice(at)) as T;
}

/**
 * The channels the operator's orderers serve, as each reports them through its channel participation
 * API (`osnadmin channel list`): by channel name, each orderer's status, relation and height.
 */
export async function ordererChannels(ctx: StackContext): Promise<Map<string, OrdererChannel[]>> {
  const channels = new Map<string, OrdererChannel[]>();
  for (const [i, node] of ordererNodes(ctx).entries()) {
    const list = osnadminJson<{ channels?: { name: string }[] | null }>((await osnadmin(ctx, i, ['channel', 'list'])).stdout);
    for (const { name } of list.channels ?? []) {
      const info = osnadminJson<{ status?: string; consensusRelation?: string; height?: number }>((await osnadmin(ctx, i, ['channel', 'list', '--channelID', name])).stdout);
      const served = { orderer: node.name, endpoint: node.endpoint, status: info.status ?? 'unknown', consensusRelation: info.consensusRelation ?? 'unknown', height: info.height ?? 0 };
      channels.set(name, [...(channels.get(name) ?? []), served]);
    }
  }
  return new Map([...channels.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The orderer organisation's admin view: it reads any channel its orderers serve, DAO channels the
 * operator's own organisation is not in included (the orderer organisation is a reader of every
 * channel). It fetches config blocks only: a channel's configuration is public to its orderers, its
 * ledger state is not read.
 */
function ordererAdminFabric(ctx: StackContext): MemberFabric {
  return { ...toolingFabric(ctx, OPERATOR_ORG), mspId: ORDERER_ORG.mspId, adminMspDir: fabricDirs(ctx.settings).adminMsp(ORDERER_ORG) };
}

/** A channel's organisations, orderer organisations and consenters, from its latest config block fetched as the orderer organisation's admin. */
export async function channelConfigNetwork(ctx: StackContext, channel: string): Promise<ChannelConfigNetwork> {
  if (!CHANNEL_NAME.test(channel)) throw new StackError('BAD_SETTING', `channel name "${channel}" is not a Fabric channel name`, 'fabric');
  return configBlockNetwork(await channelConfigBlock(ordererAdminFabric(ctx), channel));
}
