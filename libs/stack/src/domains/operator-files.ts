import { chmodSync, chownSync, copyFileSync, existsSync, lchownSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { goBinDir } from '../install/go-build';
import { kafkaLibDir } from '../install/kafka';
import { chownTree, findOsUser, type OsUser } from '../os-user';
import type { StackSettings } from '../settings';
import { domainPaths, OPERATOR_DOMAIN, osUserFor } from './domain';

/**
 * What of the stack folder belongs to the operator's domain, so that its ledger bridge and
 * provisioner run as its OS user (`dw-operator`) rather than the tooling's (docs/security.md, "What
 * runs as whom"). The bridge administers the operator's part of the native network: its Fabric
 * folder (the orderers' and the operator organisation's material, channel artifacts, chaincode
 * packages, the network registry), the public folder where it publishes blueprints and packages, the
 * folder where it runs Fabric's CLI, and its wallet; the provisioner keeps its OpenTofu
 * configurations and workloads in its work folder. The tooling (root) writes there too and keeps
 * reading everything; nothing else of the stack folder (the stores' data, Kafka's principals, the
 * connection file, member domains) is given to the operator.
 */
export function operatorOwnedPaths(settings: StackSettings): string[] {
  const s = settings.stackDir;
  return [join(s, 'fabric'), domainPaths(settings, OPERATOR_DOMAIN).publicDir, join(s, 'run', 'fabric-admin'), join(s, 'wallet'), join(s, 'provisioner')];
}

/**
 * Folders the operator's processes share with the tooling, where they create files of their own:
 * the stack folder (its lock, `stack.lock`, which serialises changes to the network), and the pid
 * and log folders (of a chaincode server the bridge starts). Group `dw-operator`, group-writable and
 * sticky: each user removes only its own files, and the operator reads no other file there that
 * its mode does not give to everyone.
 */
export function operatorSharedDirs(settings: StackSettings): string[] {
  const s = settings.stackDir;
  return [s, join(s, 'run'), join(s, 'logs')];
}

/**
 * The OS user the operator's own processes run as: `dw-operator` when the tooling runs as root and
 * that user exists (`up` makes it before it starts anything), else the tooling's own (undefined).
 */
export function operatorProcessUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return operatorOsUser()?.name;
}

let operatorUser: OsUser | undefined;

/**
 * The operator's OS user, looked up (getent, a process of its own: tens of ms on a busy machine)
 * until it exists, then kept for the process's life: its ids do not change under a running stack.
 */
function operatorOsUser(): OsUser | undefined {
  return (operatorUser ??= findOsUser(osUserFor(OPERATOR_DOMAIN)));
}

/**
 * Gives the operator's paths to its OS user (idempotent: only what changed is touched). The
 * tooling calls it before it starts the operator's services, before a CA client runs for an
 * organisation the operator holds, and whenever it releases the stack's lock, so what it wrote
 * there meanwhile (a channel it formed, an organisation it admitted) stays usable by the operator's
 * bridge. A no-op unless the tooling runs as root and the user exists.
 *
 * Incremental: a folder whose entries have not changed since the last complete hand-over (its ctime,
 * which no one can set back, is older) holds no file the tooling made since, so only its sub-folders
 * are looked into (HANDOVER_FILE, `handOver`). The first hand-over of a stack folder walks everything.
 */
export function giveOperatorFiles(settings: StackSettings): void {
  if (process.getuid?.() !== 0) return;
  const user = operatorOsUser();
  if (!user) return;
  for (const dir of operatorSharedDirs(settings)) {
    mkdirSync(dir, { recursive: true });
    const st = statSync(dir);
    if (st.gid !== user.gid) chownSync(dir, st.uid, user.gid);
    if ((st.mode & 0o7777) !== 0o1775) chmodSync(dir, 0o1775);
  }
  const marker = join(settings.stackDir, HANDOVER_FILE);
  const startedAt = Date.now();
  const since = lastHandOver(marker, user);
  for (const path of operatorOwnedPaths(settings)) if (existsSync(path)) handOver(path, user, since);
  noteHandOver(marker, { uid: user.uid, gid: user.gid, startedAt });
}

/** Where the tooling (root, mode 0600) notes when its last complete hand-over to the operator began. */
export const HANDOVER_FILE = 'operator-files.json';

/**
 * Margin under the last hand-over's start: a file's times come from the kernel's coarse clock, which
 * may lag the tooling's by a tick, and the clock may be stepped back a little.
 */
const CLOCK_MARGIN_MS = 2000;

/**
 * The time before which a folder's entries were all given, or 0 (walk everything): no marker, a
 * marker not the tooling's own (the operator may write in the stack folder), or for another user.
 */
function lastHandOver(marker: string, user: { readonly uid: number; readonly gid: number }): number {
  try {
    const st = lstatSync(marker);
    if (!st.isFile() || st.uid !== 0 || (st.mode & 0o022) !== 0) return 0;
    const noted = JSON.parse(readFileSync(marker, 'utf8')) as { uid?: unknown; gid?: unknown; startedAt?: unknown };
    if (noted.uid !== user.uid || noted.gid !== user.gid || typeof noted.startedAt !== 'number') return 0;
    return Math.max(0, noted.startedAt - CLOCK_MARGIN_MS);
  } catch {
    return 0;
  }
}

/**
 * Written aside and renamed into place. The stack folder is shared with the operator (sticky, group
 * writable): the file aside is made new (O_EXCL), so a link planted under its name is refused, not followed.
 */
function noteHandOver(marker: string, noted: { uid: number; gid: number; startedAt: number }): void {
  const next = `${marker}.${process.pid}.tmp`;
  rmSync(next, { force: true });
  writeFileSync(next, `${JSON.stringify(noted)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(next, marker);
}

/**
 * chownTree, skipping the files of folders unchanged since `since`: a file is created, renamed in
 * or removed only by changing its folder (and so its ctime), and nothing here gives a file back to
 * root, so an unchanged folder's files are still the user's. Its sub-folders may have changed: each
 * is looked into. A folder that is not the user's yet is given whole. Symbolic links are given,
 * never followed.
 */
function handOver(path: string, user: { readonly uid: number; readonly gid: number }, since: number): void {
  const st = give(path, user);
  if (!st?.isDirectory()) return;
  // A folder not yet the user's is new to it (made here, or moved in with older sub-folders): all of it.
  if (st.uid !== user.uid || st.gid !== user.gid) return chownTree(path, user.uid, user.gid);
  const unchanged = st.ctimeMs < since;
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) handOver(join(path, entry.name), user, since);
    else if (!unchanged) give(join(path, entry.name), user);
  }
}

/** One file, folder or link (not followed) given to the user; its stat, or undefined when it is gone. */
function give(path: string, user: { readonly uid: number; readonly gid: number }): Stats | undefined {
  try {
    const st = lstatSync(path);
    if (st.uid !== user.uid || st.gid !== user.gid) (st.isSymbolicLink() ? lchownSync : chownSync)(path, user.uid, user.gid);
    return st;
  } catch (e) {
    // A running peer's LevelDB removes files as it compacts: gone between readdir and lstat, nothing to give.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The Fabric tools (peer, configtxgen, configtxlator, osnadmin, the CA client) and Kafka's jars where
 * the operator's user may use them: the build cache usually sits in root's home, which other users
 * cannot enter, so the operator's domain folder gets a cache of its own, with the same layout, of hard
 * links (a copy across file systems). Returns that cache folder (for LEDGER_BRIDGE_ADMIN_CACHE_DIR,
 * or Kafka's class path).
 */
export function operatorToolsCache(settings: StackSettings, user: { readonly uid: number; readonly gid: number }): string {
  const cache = join(domainPaths(settings, OPERATOR_DOMAIN).root, 'cache');
  const dirs = (root: string) => [goBinDir(root, 'fabric'), goBinDir(root, 'fabricCa'), kafkaLibDir(root)];
  const to = dirs(cache);
  dirs(settings.cacheDir).forEach((from, i) => linkFiles(from, to[i]!));
  // The cache's folders are the user's (the linked files stay root's, readable by everyone).
  chownDirs(cache, user);
  return cache;
}

/** Hard links (or copies) in `to` of the files of `from` that are missing or changed there. */
function linkFiles(from: string, to: string): void {
  if (!existsSync(from)) return;
  mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const name of readdirSync(from)) {
    const source = statSync(join(from, name));
    if (!source.isFile()) continue;
    const target = join(to, name);
    const current = existsSync(target) ? statSync(target) : undefined;
    if (current && current.size === source.size && current.mtimeMs === source.mtimeMs) continue;
    const partial = `${target}.${process.pid}`;
    try {
      linkSync(join(from, name), partial);
    } catch {
      copyFileSync(join(from, name), partial);
      utimesSync(partial, source.atime, source.mtime);
      chmodSync(partial, source.mode & 0o755);
    }
    renameSync(partial, target);
  }
}

function chownDirs(dir: string, user: { readonly uid: number; readonly gid: number }): void {
  chownSync(dir, user.uid, user.gid);
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) chownDirs(join(dir, e.name), user);
}
