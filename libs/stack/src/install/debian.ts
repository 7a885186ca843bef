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
  await aptInstall(progress, missing, () => postgresBinDir() !== undefined && redisServerBinary() !== undefined);
}

/**
 * Installs Debian packages with apt-get (root, as on these machines) and checks with `installed`
 * that what they bring is there; also used for the console's browser tests (chromium).
 */
export async function aptInstall(progress: Progress, packages: readonly string[], installed: () => boolean): Promise<void> {
  progress.step('debian', `installing ${packages.join(', ')} with apt-get`);
  // policy-rc.d 101 keeps the packages from starting system-wide services: the stack runs its own.
  const env = { DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  try {
    await withHeartbeat(progress, 'debian', 'still running apt-get update', run('apt-get', ['update', '-q'], { env }));
    await withHeartbeat(progress, 'debian', 'still installing', run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env }));
  } catch (e) {
    throw new StackError('INSTALL_FAILED', `apt-get could not install ${packages.join(', ')}: ${e instanceof Error ? e.message : String(e)}`, 'debian', { cause: e });
  }
  if (!installed()) throw new StackError('INSTALL_FAILED', `apt-get finished but ${packages.join(', ')} is still missing`, 'debian');
}
