import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative, resolve } from 'node:path';
import type { StackContext } from '../components/component';
import { StackError } from '../errors';
import { isAlive, readPid, run, startDaemon, stopDaemon, waitForDaemon } from '../proc';
import { ordererFlags, peerCli } from './admin';
import { withStackLock } from '../lock';
import { HOST, fabricDirs, fabricPorts, findOrg, loadRegistry, saveRegistry, type ChaincodeRecord, type OrgRecord } from './layout';
import { peerProcess } from './nodes';
import { mapAtMost } from '../at-most';
import { compiledChaincodeModule } from '../compiled-tree';
import { operatorProcessUser } from '../domains/operator-files';
import { collectionsArgs, isPrivateChaincodeModule, membersCollections } from './collections';

/**
 * A chaincode version derived from its sources (every `.ts` file under `dirs`, specs left out):
 * deploying with it upgrades a chaincode whose code changed — new package, next sequence, its
 * server restarted — and leaves an unchanged one alone.
 */
export function sourceVersion(repoDir: string, dirs: readonly string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.includes('spec-helper')) {
        hash.update(relative(repoDir, path)).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  for (const dir of dirs) walk(join(repoDir, dir));
  return `1.0-${hash.digest('hex').slice(0, 12)}`;
}

export interface ChaincodeSpec {
  readonly name: string;
  readonly channel: string;
  /** Folder of the chaincode's Node package (its package.json `main` exports `contracts`). */
  readonly modulePath: string;
  readonly version?: string;
}

function files(ctx: StackContext, name: string) {
  const dir = fabricDirs(ctx.settings).chaincode(name);
  return { dir, pkg: join(dir, `${name}.tgz`), pid: join(fabricDirs(ctx.settings).run, `cc-${name}.pid`), log: join(fabricDirs(ctx.settings).logs, `cc-${name}.log`) };
}

/**
 * Writes a chaincode-as-a-service package to `pkgFile`: metadata of type ccaas and a connection.json
 * the peer dials at `address`. Its id is what Fabric computes: the label and the SHA-256 of the file.
 * (tar records times, so the same label packaged twice has two ids: make a package once per version.)
 */
export async function writeCcaasPackage(workDir: string, pkgFile: string, label: string, address: string): Promise<string> {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(workDir, 'src'), { recursive: true });
  writeFileSync(join(workDir, 'src', 'connection.json'), JSON.stringify({ address, dial_timeout: '10s', tls_required: false }));
  writeFileSync(join(workDir, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
  await run('tar', ['-czf', join(workDir, 'code.tar.gz'), '-C', join(workDir, 'src'), 'connection.json']);
  await run('tar', ['-czf', pkgFile, '-C', workDir, 'metadata.json', 'code.tar.gz']);
  rmSync(workDir, { recursive: true, force: true });
  return `${label}:${createHash('sha256').update(readFileSync(pkgFile)).digest('hex')}`;
}

async function packageCcaas(ctx: StackContext, name: string, label: string, port: number): Promise<string> {
  const f = files(ctx, name);
  return writeCcaasPackage(join(f.dir, 'pkg'), f.pkg, label, `${HOST}:${port}`);
}

/**
 * The chaincode's package at this version (made once per version: re-packaging would change its id
 * under running peers) and its server running, recorded in the registry; no channel is touched.
 */
export async function ensureChaincodePackage(ctx: StackContext, spec: Omit<ChaincodeSpec, 'channel'>): Promise<ChaincodeRecord> {
  return withStackLock(ctx, async () => {
    const cc = await packageLocked(ctx, spec);
    await startChaincodeServer(ctx, spec.name);
    return cc;
  });
}

async function packageLocked(ctx: StackContext, spec: Omit<ChaincodeSpec, 'channel'>): Promise<ChaincodeRecord> {
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  const version = spec.version ?? '1.0';
  let cc = registry.chaincodes[spec.name];
  if (!cc || cc.version !== version) {
    const port = cc?.port ?? fabricPorts(ctx.settings).chaincodeServer(Object.keys(registry.chaincodes).length);
    const packageId = await packageCcaas(ctx, spec.name, `${spec.name}_${version}`, port);
    if (cc) await stopChaincodeServer(ctx, spec.name);
    cc = { packageId, port, modulePath: resolve(spec.modulePath), version, channels: cc?.channels ?? {} };
    registry.chaincodes[spec.name] = cc;
    saveRegistry(dirs, registry);
  }
  return cc;
}

/** Peer CLI processes of one deployment at once: enough to overlap their waits, few enough for 2 cores. */
const PEER_CLI_AT_ONCE = 4;

/**
 * Deploys a chaincode on a channel the Fabric 2+ way: install on every member's peer, approve for
 * every member, commit, and run the chaincode as a service that the peers dial.
 */
export async function deployChaincode(ctx: StackContext, spec: ChaincodeSpec): Promise<string> {
  return withStackLock(ctx, () => deployLocked(ctx, spec));
}

async function deployLocked(ctx: StackContext, spec: ChaincodeSpec): Promise<string> {
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  const channel = registry.channels[spec.channel];
  if (!channel) throw new StackError('BAD_SETTING', `unknown channel ${spec.channel}`, 'fabric');
  const orgs = channel.orgs.map((id) => findOrg(registry, id));
  // The tooling installs and approves only for the organisations it holds: an organisation of a
  // trust domain does both as its own admin, in its domain (fabric/parties.ts approveChaincode).
  const held = orgs.filter((org) => !org.domain);
  if (held.length === 0) throw new StackError('BAD_SETTING', `every organisation of ${spec.channel} is held in its own domain: its members approve and commit there (fabric/parties.ts)`, 'fabric');
  const version = spec.version ?? '1.0';
  const label = `${spec.name}_${version}`;
  const cc = await packageLocked(ctx, spec);
  const previous = cc.channels[spec.channel];
  const committedDef = await committed(ctx, held[0]!, spec.channel, spec.name);
  // A private chaincode's collection follows the channel's organisations: when they changed, so does the definition.
  const collectionMembers = isPrivateChaincodeModule(spec.modulePath) ? [...channel.orgs].sort() : undefined;
  const sameCollection = (previous?.collectionMembers ?? []).join() === (collectionMembers ?? []).join();
  const sequence = committedDef && committedDef.version === version && sameCollection ? committedDef.sequence : (committedDef?.sequence ?? previous?.sequence ?? 0) + 1;
  cc.channels[spec.channel] = { sequence, ...(collectionMembers ? { collectionMembers } : {}) };
  registry.chaincodes[spec.name] = cc;
  saveRegistry(dirs, registry);
  await startChaincodeServer(ctx, spec.name);
  // Each organisation installs on and approves through its own peer, independently of the others
  // (an approval writes only its organisation's implicit collection), so a few run side by side: the
  // approvals land in one block instead of one block each (3 organisations: 1.37 s -> 0.47 s).
  await mapAtMost(PEER_CLI_AT_ONCE, held, async (org) => {
    const { stdout } = await peerCli(ctx, org, ['lifecycle', 'chaincode', 'queryinstalled']);
    if (stdout.includes(cc.packageId)) return;
    ctx.progress.step('fabric', `installing ${label} on peer0.${org.slug}`);
    await peerCli(ctx, org, ['lifecycle', 'chaincode', 'install', files(ctx, spec.name).pkg]);
  });
  // A private chaincode's collection is the channel's organisations (fabric/collections.ts); the same file for every approval and the commit.
  const collections = collectionMembers ? collectionsArgs(join(files(ctx, spec.name).dir, `collections-${spec.channel}.json`), membersCollections(collectionMembers)) : [];
  const definition = ['--channelID', spec.channel, '--name', spec.name, '--version', version, '--sequence', String(sequence), ...collections, '--package-id', cc.packageId];
  const approve = async (org: OrgRecord) => {
    ctx.progress.step('fabric', `approving ${label} (sequence ${sequence}) for ${org.mspId} on ${spec.channel}`);
    await peerCli(ctx, org, ['lifecycle', 'chaincode', 'approveformyorg', ...ordererFlags(ctx), ...definition]);
  };
  if (committedDef && committedDef.sequence === sequence) {
    // Already committed: members that joined later approve it too, so their peers run it.
    await mapAtMost(PEER_CLI_AT_ONCE, held.filter((org) => !committedDef.approvals[org.mspId]), approve);
    return cc.packageId;
  }
  await mapAtMost(PEER_CLI_AT_ONCE, held, approve);
  const peerFlags = held.flatMap((org) => ['--peerAddresses', peerProcess(ctx, org).endpoint, '--tlsRootCertFiles', join(dirs.orgMsp(org), 'tlscacerts', 'ca.pem')]);
  ctx.progress.step('fabric', `committing ${label} on ${spec.channel}`);
  await peerCli(ctx, held[0]!, ['lifecycle', 'chaincode', 'commit', ...ordererFlags(ctx), ...definition.slice(0, -2), ...peerFlags]);
  return cc.packageId;
}

interface CommittedDefinition {
  readonly version: string;
  readonly sequence: number;
  readonly approvals: Readonly<Record<string, boolean>>;
}

/** The chaincode definition committed on a channel, as `peer lifecycle chaincode querycommitted` reports it. */
async function committed(ctx: StackContext, org: OrgRecord, channel: string, name: string): Promise<CommittedDefinition | undefined> {
  const result = await peerCli(ctx, org, ['lifecycle', 'chaincode', 'querycommitted', '--channelID', channel, '--name', name, '--output', 'json']).catch(() => undefined);
  if (!result) return undefined;
  const def = JSON.parse(result.stdout) as { version: string; sequence: number; approvals?: Record<string, boolean> };
  return { version: def.version, sequence: Number(def.sequence), approvals: def.approvals ?? {} };
}

/** Starts the chaincode's server process (fabric-shim in server mode) if it is not running. */
export async function startChaincodeServer(ctx: StackContext, name: string): Promise<void> {
  const registry = loadRegistry(fabricDirs(ctx.settings));
  const cc = registry.chaincodes[name];
  if (!cc) throw new StackError('BAD_SETTING', `unknown chaincode ${name}`, 'fabric');
  const f = files(ctx, name);
  if (isAlive(readPid(f.pid))) return;
  // The operator's chaincode servers are its own processes: as its user, whether the tooling or its bridge starts them.
  const user = operatorProcessUser();
  ctx.progress.step('fabric', `starting chaincode ${name} as a service on 127.0.0.1:${cc.port}${user ? ` as ${user}` : ''}`);
  await runChaincodeServer({ name: `cc-${name}`, packageId: cc.packageId, port: cc.port, modulePath: cc.modulePath, repoDir: ctx.settings.repoDir, pidFile: f.pid, logFile: f.log, ...(user ? { user } : {}) });
}

/** One chaincode server process: which package it serves, where, from which module, as whom. */
export interface ChaincodeServerLaunch {
  readonly name: string;
  readonly packageId: string;
  readonly port: number;
  readonly modulePath: string;
  /** Where fabric-shim is installed (the repository's node_modules). */
  readonly repoDir: string;
  readonly pidFile: string;
  readonly logFile: string;
  /** The OS user to run it as (a member domain's), or the current process's. */
  readonly user?: string;
}

/** Runs fabric-shim in server mode for one package and waits until it listens. */
export async function runChaincodeServer(launch: ChaincodeServerLaunch): Promise<void> {
  const shimCli = require.resolve('fabric-shim/cli.js', { paths: [launch.repoDir] });
  // The compiled module when the build is current (plain node); else the sources through swc's loader.
  const compiled = compiledChaincodeModule(launch.repoDir, launch.modulePath);
  const server = ['server', '--chaincode-address', `127.0.0.1:${launch.port}`, '--chaincode-id', launch.packageId, '--module-path', compiled ?? launch.modulePath];
  startDaemon({
    name: launch.name,
    cmd: process.execPath,
    args: compiled ? ['--enable-source-maps', shimCli, ...server] : ['-r', '@swc-node/register', shimCli, ...server],
    cwd: launch.repoDir,
    // Per-transaction info logging costs the shim a tenth of its CPU; warnings and errors still show.
    env: { CORE_CHAINCODE_LOGGING_LEVEL: 'warning', CORE_CHAINCODE_LOGGING_SHIM: 'warning' },
    ...(launch.user ? { user: launch.user } : {}),
    logFile: launch.logFile,
    pidFile: launch.pidFile,
  });
  await waitForDaemon(`chaincode ${launch.name}`, { pidFile: launch.pidFile, logFile: launch.logFile }, () => portOpen(launch.port), 60000, launch.name);
}

export async function stopChaincodeServer(ctx: StackContext, name: string): Promise<void> {
  await stopDaemon(files(ctx, name).pid);
}

export function chaincodeProcess(ctx: StackContext, name: string) {
  const f = files(ctx, name);
  const pid = readPid(f.pid);
  return { pid: isAlive(pid) ? pid : undefined, logFile: f.log };
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolvePromise(true)));
    socket.once('error', () => resolvePromise(false));
  });
}

/** Evaluates a chaincode function with the org admin's peer CLI (used by health checks). */
export async function queryChaincode(ctx: StackContext, mspId: string, channel: string, name: string, args: string[]): Promise<string> {
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId);
  const { stdout } = await peerCli(ctx, org, ['chaincode', 'query', '-C', channel, '-n', name, '-c', JSON.stringify({ Args: args })]);
  return stdout.trim();
}
