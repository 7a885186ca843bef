import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from '@datawell/pid-files';
import { StackError } from '../errors';
import { chownTree, osUser } from '../os-user';
import { isAlive, readPid, stopDaemon } from '../proc';
import { HOST } from './layout';
import { portOpen, runChaincodeServer, writeCcaasPackage } from './chaincode';

/*
 * A member domain's own chaincode server (DESIGN.md, "Actors, trust domains and identity"): the
 * chaincode that endorses on a member's peer runs in the member's domain, as its OS user, from a
 * package of its own, so the operator's processes never execute a member's transactions nor read its
 * DAOs' state. Fabric allows it: a chaincode definition names version, sequence and policies, and
 * each organisation approves it with the package id of its choice (its peer dials the address in
 * that package's connection.json). The members' servers run the same public chaincode; the
 * endorsement policy (a majority of the channel's members) makes one member's server alone unable to
 * decide an outcome.
 */

/** How many chaincodes a member serves itself at most (marketplace, dao, and room for one more): one port each. */
export const OWN_CHAINCODE_PORTS = 4;

/** Where a member's own chaincode servers live: their ports, their folder and the chaincodes' sources. */
export interface OwnChaincodeServer {
  /**
   * The first of its OWN_CHAINCODE_PORTS ports (on 127.0.0.1): each chaincode it serves takes one,
   * in the order it first served them, for good (its packages name it).
   */
  readonly port: number;
  /** The member's folder of packages, records, pid files and logs, one sub-folder per chaincode. */
  readonly dir: string;
  /** The repository holding `chaincode/<name>` and fabric-shim (a member runs the public chaincode's code). */
  readonly repoDir: string;
}

/** What a member's folder records of the package its server serves. */
export interface OwnChaincodeRecord {
  readonly name: string;
  readonly version: string;
  readonly packageId: string;
  readonly packageFile: string;
  readonly port: number;
  readonly modulePath: string;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const VERSION = /^[A-Za-z0-9._-]{1,64}$/;

function filesOf(server: OwnChaincodeServer, name: string) {
  const dir = join(server.dir, name);
  return { dir, record: join(dir, 'server.json'), pidFile: join(dir, 'server.pid'), logFile: join(dir, 'server.log'), lock: join(dir, 'server.lock') };
}

/**
 * Runs `work` holding the lock of the member's server of `name`. Two processes start it: the member's
 * bridge (approving a definition, as the member) and the tooling's `up` (every domain's servers, as
 * root, which any `./dev` command or test file may run). Unserialised, one took the other's server,
 * alive but not yet listening, for a dead one, stopped it and started its own, and one of the two
 * starts failed ("exited while starting", its log emptied by the other's start).
 */
async function underServerLock<T>(server: OwnChaincodeServer, name: string, user: string | undefined, work: () => Promise<T>): Promise<T> {
  const f = filesOf(server, name);
  for (const dir of [server.dir, f.dir]) {
    if (existsSync(dir)) continue;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    own(user, dir);
  }
  return withFileLock(f.lock, work, {
    timeoutMs: 120_000,
    busy: (owner) => new StackError('START_FAILED', `the chaincode server ${name} in ${server.dir} is being changed by process ${owner}`, 'fabric'),
  });
}

/** Gives a file or folder the tooling made for the member to the member's OS user (no-op when the member makes it itself). */
function own(user: string | undefined, path: string): void {
  if (!user || process.getuid?.() !== 0) return;
  const { uid, gid } = osUser(user);
  chownTree(path, uid, gid);
}

/** The record of the package the member's server serves for `name`, if it has made one. */
export function ownChaincodeRecord(server: OwnChaincodeServer, name: string): OwnChaincodeRecord | undefined {
  const f = filesOf(server, name);
  return existsSync(f.record) ? (JSON.parse(readFileSync(f.record, 'utf8')) as OwnChaincodeRecord) : undefined;
}

/** Every chaincode the member serves itself, by its records. */
export function ownChaincodeRecords(server: OwnChaincodeServer): OwnChaincodeRecord[] {
  if (!existsSync(server.dir)) return [];
  return readdirSync(server.dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && NAME.test(e.name))
    .flatMap((e) => {
      const record = ownChaincodeRecord(server, e.name);
      return record ? [record] : [];
    });
}

/**
 * The member's own package of chaincode `name` at `version` (made once per version: a package made
 * again has another id) and its server running with it, as `user` when the tooling acts for the
 * member. A new version replaces the server of the previous one (one port per member).
 */
export async function ensureOwnChaincode(server: OwnChaincodeServer, name: string, version: string, user?: string): Promise<OwnChaincodeRecord> {
  if (!NAME.test(name)) throw new StackError('BAD_SETTING', `chaincode name "${name}" must be lower-case letters, digits, _ or -`, 'fabric');
  if (!VERSION.test(version)) throw new StackError('BAD_SETTING', `chaincode version "${version}" must be 1-64 letters, digits, ., _ or -`, 'fabric');
  const f = filesOf(server, name);
  return underServerLock(server, name, user, async () => {
    let record = ownChaincodeRecord(server, name);
    const port = record && portsOf(server).includes(record.port) ? record.port : freePort(server, name);
    if (!record || record.version !== version || record.port !== port) {
      const packageFile = join(f.dir, `${name}_${version}.tgz`);
      const label = `${name}_${version}`;
      const packageId = await writeCcaasPackage(join(f.dir, 'pkg'), packageFile, label, `${HOST}:${port}`);
      await stopDaemon(f.pidFile);
      record = { name, version, packageId, packageFile, port, modulePath: join(server.repoDir, 'chaincode', name) };
      writeFileSync(f.record, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      own(user, f.dir);
    }
    await startUnlocked(server, record, user);
    return record;
  });
}

function portsOf(server: OwnChaincodeServer): number[] {
  return Array.from({ length: OWN_CHAINCODE_PORTS }, (_, i) => server.port + i);
}

/** The first of the member's chaincode ports no other chaincode it serves has taken. */
function freePort(server: OwnChaincodeServer, name: string): number {
  const taken = new Map(ownChaincodeRecords(server).filter((r) => r.name !== name).map((r) => [r.port, r.name]));
  const port = portsOf(server).find((p) => !taken.has(p));
  if (port === undefined) throw new StackError('BAD_SETTING', `the member serves ${OWN_CHAINCODE_PORTS} chaincodes already (${[...taken.values()].join(', ')}): no port is left for ${name}`, 'fabric');
  return port;
}

/** Starts the member's server of a recorded package if it is not running (the stack's `up` does it for every domain). */
export async function startOwnChaincodeServer(server: OwnChaincodeServer, record: OwnChaincodeRecord, user?: string): Promise<void> {
  // The record read before the lock may be replaced meanwhile (a new version): start the current one.
  await underServerLock(server, record.name, user, () => startUnlocked(server, ownChaincodeRecord(server, record.name) ?? record, user));
}

async function startUnlocked(server: OwnChaincodeServer, record: OwnChaincodeRecord, user?: string): Promise<void> {
  const f = filesOf(server, record.name);
  if (isAlive(readPid(f.pidFile)) && (await portOpen(record.port))) return;
  await stopDaemon(f.pidFile);
  await runChaincodeServer({ name: `cc-${record.name}`, packageId: record.packageId, port: record.port, modulePath: record.modulePath, repoDir: server.repoDir, pidFile: f.pidFile, logFile: f.logFile, ...(user ? { user } : {}) });
  // The tooling wrote the pid file and opened the log as itself.
  own(user, f.pidFile);
  own(user, f.logFile);
}

/** Stops the member's server of chaincode `name`. Resolves whether it was running. */
export async function stopOwnChaincodeServer(server: OwnChaincodeServer, name: string): Promise<boolean> {
  return stopDaemon(filesOf(server, name).pidFile);
}

/** Stops every chaincode server of the member. Resolves whether one was running. */
export async function stopOwnChaincodeServers(server: OwnChaincodeServer): Promise<boolean> {
  const stopped = await Promise.all(ownChaincodeRecords(server).map((r) => stopDaemon(filesOf(server, r.name).pidFile)));
  return stopped.some(Boolean);
}

/** The member's chaincode server processes: name, pid (when running) and log file. */
export function ownChaincodeProcesses(server: OwnChaincodeServer): { name: string; pid?: number; logFile: string; record: OwnChaincodeRecord }[] {
  return ownChaincodeRecords(server).map((record) => {
    const f = filesOf(server, record.name);
    const pid = readPid(f.pidFile);
    return { name: `cc-${record.name}`, ...(isAlive(pid) ? { pid: pid as number } : {}), logFile: f.logFile, record };
  });
}
