import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, lchownSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors';

export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** The file local accounts live in (useradd writes it); a parameter for the tests. */
export const PASSWD_FILE = '/etc/passwd';

/** The entry of `name` in a passwd(5) file's text, if it has one. */
export function passwdEntry(text: string, name: string): OsUser | undefined {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== name || fields.length < 7) continue;
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || fields[2] === '' || fields[3] === '') continue;
    return { name, uid, gid, home: fields[5] || '/' };
  }
  return undefined;
}

/**
 * The account's ids from the system's user database, or undefined when it does not exist. The
 * domains' accounts are local (useradd), so /etc/passwd answers first, with no process: the tooling
 * and the services that run processes as a domain's user look an account up hundreds of times per
 * test file, and `getent` as a child of a large process (a jest worker hosting services) cost ~10 ms
 * of blocked event loop each. An account found nowhere there is asked of NSS (`getent`: LDAP,
 * systemd's dynamic users, …) as before.
 */
export function findOsUser(name: string, passwdFile = PASSWD_FILE): OsUser | undefined {
  let local: OsUser | undefined;
  try {
    local = passwdEntry(readFileSync(passwdFile, 'utf8'), name);
  } catch {
    local = undefined; // no readable file: NSS alone answers
  }
  if (local) return local;
  let line: string;
  try {
    line = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
  return passwdEntry(line, name);
}

export function osUser(name: string): OsUser {
  const user = findOsUser(name);
  if (!user) throw new StackError('NOT_INSTALLED', `the OS user ${name} does not exist`);
  return user;
}

/**
 * Creates a system account that runs one trust domain's processes: its own group, no login shell,
 * no home created (the domain's folder is its home). Idempotent, and safe when two callers race.
 */
export function ensureSystemUser(name: string, home: string): OsUser {
  const existing = findOsUser(name);
  if (existing) {
    // Made by another stack folder on this machine, since removed: its home is this stack's domain folder from now on.
    if (!existsSync(existing.home) && existing.home !== home) {
      try {
        execFileSync('usermod', ['--home', home, name], { stdio: ['ignore', 'ignore', 'pipe'] });
        return osUser(name);
      } catch {
        return existing; // not root, or changed meanwhile: the processes start in a folder of their own anyway (proc.ts)
      }
    }
    return existing;
  }
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', home, '--shell', '/usr/sbin/nologin', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    // Exit status 9: the name was taken meanwhile (another process created it first).
    if ((e as { status?: number }).status !== 9) {
      const why = (e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e);
      throw new StackError('START_FAILED', `could not create the OS user ${name} (useradd needs root): ${why}`);
    }
  }
  return osUser(name);
}

/** Gives a folder tree to a user: what the tooling (root) wrote there becomes the domain's own. */
export function chownTree(path: string, uid: number, gid: number): void {
  try {
    const st = lstatSync(path);
    if (st.uid !== uid || st.gid !== gid) (st.isSymbolicLink() ? lchownSync : chownSync)(path, uid, gid);
    if (st.isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
  } catch (e) {
    // A running peer's LevelDB removes files as it compacts: gone between readdir and lstat, nothing to give.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
