import { chmodSync, chownSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { goBinDir } from '../install/go-build';
import { kafkaLibDir } from '../install/kafka';
import { chownTree, findOsUser } from '../os-user';
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
  return findOsUser(osUserFor(OPERATOR_DOMAIN))?.name;
}

/**
 * Gives the operator's paths to its OS user (idempotent: only what changed is touched). The
 * tooling calls it before it starts the operator's services and whenever it releases the stack's
 * lock, so what it wrote there meanwhile (a channel it formed, an organisation it admitted) stays
 * usable by the operator's bridge. A no-op unless the tooling runs as root and the user exists.
 */
export function giveOperatorFiles(settings: StackSettings): void {
  if (process.getuid?.() !== 0) return;
  const user = findOsUser(osUserFor(OPERATOR_DOMAIN));
  if (!user) return;
  for (const dir of operatorSharedDirs(settings)) {
    mkdirSync(dir, { recursive: true });
    const st = statSync(dir);
    if (st.gid !== user.gid) chownSync(dir, st.uid, user.gid);
    if ((st.mode & 0o7777) !== 0o1775) chmodSync(dir, 0o1775);
  }
  for (const path of operatorOwnedPaths(settings)) if (existsSync(path)) chownTree(path, user.uid, user.gid);
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
