import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors';
import { run } from '../proc';
import { withHeartbeat, type Progress } from '../progress';

/** The newest PostgreSQL server binaries installed from Debian's packages, if any. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export function redisServerBinary(): string | undefined {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
}

/** Installs PostgreSQL and Redis from Debian's packages when missing (needs root, as on these machines). */
export async function installDebianPackages(progress: Progress): Promise<void> {
  const missing: string[] = [];
  if (!postgresBinDir()) missing.push('postgresql');
  if (!redisServerBinary()) missing.push('redis-server');
  if (missing.length === 0) {
    progress.step('debian', 'PostgreSQL and Redis are installed');
    return;
  }
  progress.step('debian', `installing ${missing.join(', ')} with apt-get`);
  // policy-rc.d 101 keeps the packages from starting system-wide services: the stack runs its own.
  const env = { DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  try {
    await withHeartbeat(progress, 'debian', 'still running apt-get update', run('apt-get', ['update', '-q'], { env }));
    await withHeartbeat(progress, 'debian', 'still installing', run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env }));
  } catch (e) {
    throw new StackError('INSTALL_FAILED', `apt-get could not install ${missing.join(', ')}: ${e instanceof Error ? e.message : String(e)}`, 'debian', { cause: e });
  }
  if (!postgresBinDir() || !redisServerBinary()) {
    throw new StackError('INSTALL_FAILED', 'apt-get finished but PostgreSQL or Redis binaries are still missing', 'debian');
  }
}
