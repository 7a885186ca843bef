import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors';
import { run } from '../proc';
import { withHeartbeat, type Progress } from '../progress';
import { VERSIONS } from '../versions';

/** The virtualenv holding the pinned schemathesis, inside the machine-wide cache. */
export function schemathesisVenv(cacheDir: string): string {
  return join(cacheDir, 'schemathesis', VERSIONS.schemathesis.release, 'venv');
}

/** The `st` command of the pinned schemathesis. */
export function schemathesisBinary(cacheDir: string): string {
  return join(schemathesisVenv(cacheDir), 'bin', 'st');
}

/** Written once pip has finished: a virtualenv left by an interrupted install has none. */
const stamp = (cacheDir: string) => join(schemathesisVenv(cacheDir), '.datawell-installed');

export function schemathesisInstalled(cacheDir: string): boolean {
  return existsSync(stamp(cacheDir)) && existsSync(schemathesisBinary(cacheDir));
}

/**
 * Installs schemathesis from PyPI at its pinned version into its own virtualenv (`python3 -m venv`,
 * then pip) in the machine-wide cache; idempotent, and quick once the cache holds it. A virtualenv
 * names its own path in its scripts, so it is built in place and marked finished by a stamp file; an
 * unfinished one is removed and built again. The integration tier's schemathesis test calls it.
 */
export async function installSchemathesis(cacheDir: string, progress: Progress): Promise<string> {
  const v = VERSIONS.schemathesis;
  const venv = schemathesisVenv(cacheDir);
  if (schemathesisInstalled(cacheDir)) {
    progress.step('schemathesis', `${v.release} already in ${venv}`);
    return schemathesisBinary(cacheDir);
  }
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(join(venv, '..'), { recursive: true });
  progress.step('schemathesis', `installing schemathesis ${v.release} from PyPI into ${venv}`);
  try {
    await run('python3', ['-m', 'venv', venv]);
    await withHeartbeat(
      progress,
      'schemathesis',
      'still installing from PyPI',
      run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', `schemathesis==${v.release}`]),
    );
  } catch (e) {
    rmSync(venv, { recursive: true, force: true });
    throw new StackError('INSTALL_FAILED', `pip could not install schemathesis ${v.release} (needs python3 with venv, and PyPI): ${e instanceof Error ? e.message : String(e)}`, 'schemathesis', { cause: e });
  }
  if (!existsSync(schemathesisBinary(cacheDir))) throw new StackError('INSTALL_FAILED', `pip finished but ${schemathesisBinary(cacheDir)} is missing`, 'schemathesis');
  writeFileSync(stamp(cacheDir), `schemathesis==${v.release}\n`);
  progress.step('schemathesis', `${v.release} installed in ${venv}`);
  return schemathesisBinary(cacheDir);
}
