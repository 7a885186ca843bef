import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '../errors';
import { run } from '../proc';
import { withHeartbeat, type Progress } from '../progress';
import { VERSIONS, type GoComponent } from '../versions';

/** Folder holding a Go component's built commands, inside the machine-wide cache. */
export function goBinDir(cacheDir: string, component: GoComponent): string {
  const v = VERSIONS[component];
  return join(cacheDir, component, v.release, 'bin');
}

export function goInstalled(cacheDir: string, component: GoComponent): boolean {
  const dir = goBinDir(cacheDir, component);
  return VERSIONS[component].commands.every((c) => existsSync(join(dir, c)));
}

/**
 * Downloads the component's module through the Go module proxy and builds its commands inside the
 * downloaded module (`go install mod@version` refuses modules with replace directives and asks the
 * proxy for version lists it may not serve).
 */
export async function installGoComponent(cacheDir: string, component: GoComponent, progress: Progress): Promise<void> {
  const v = VERSIONS[component];
  const binDir = goBinDir(cacheDir, component);
  if (goInstalled(cacheDir, component)) {
    progress.step(component, `${v.release} already built in ${binDir}`);
    return;
  }
  mkdirSync(binDir, { recursive: true });
  const env = { GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: component === 'fabricCa' ? '1' : '0' };
  progress.step(component, `downloading ${v.module}@${v.version}`);
  const { stdout } = await run('go', ['mod', 'download', '-json', `${v.module}@${v.version}`], { cwd: cacheDir, env }).catch((e: unknown) => {
    throw new StackError('INSTALL_FAILED', `cannot download ${v.module}@${v.version} (is the Go module proxy reachable?)`, component, { cause: e });
  });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir) throw new StackError('INSTALL_FAILED', `go mod download gave no module folder for ${v.module}`, component);
  const commands: readonly string[] = v.commands;
  for (const [i, cmd] of commands.entries()) {
    const out = join(binDir, cmd);
    if (existsSync(out)) continue;
    const what = `building ${cmd} (${i + 1}/${commands.length}; minutes on a fresh machine)`;
    progress.step(component, what);
    const tmp = `${out}.partial`;
    const ldflags = 'ldflags' in v ? ['-ldflags', v.ldflags] : [];
    await withHeartbeat(progress, component, `still ${what}`, run('go', ['build', '-trimpath', ...ldflags, '-o', tmp, `./cmd/${cmd}`], { cwd: moduleDir, env })).catch((e: unknown) => {
      throw new StackError('INSTALL_FAILED', `building ${cmd} failed: ${e instanceof Error ? e.message : String(e)}`, component, { cause: e });
    });
    renameSync(tmp, out);
  }
  progress.step(component, `${v.release} built in ${binDir}`);
}

const moduleDirs = new Map<string, Promise<string>>();

/**
 * Where a module's files are in the Go module cache (sample configs are read from there). A pinned
 * version's folder does not move, so it is asked of `go` once per process (every peer and orderer
 * configuration read it: a `go` process each, a dozen per integration test file); a failed answer is
 * not kept.
 */
export function goModuleDir(cacheDir: string, component: GoComponent): Promise<string> {
  const key = `${cacheDir}\0${component}`;
  let dir = moduleDirs.get(key);
  if (!dir) {
    dir = lookUpModuleDir(cacheDir, component);
    moduleDirs.set(key, dir);
    dir.catch(() => moduleDirs.delete(key));
  }
  return dir;
}

async function lookUpModuleDir(cacheDir: string, component: GoComponent): Promise<string> {
  const v = VERSIONS[component];
  const { stdout } = await run('go', ['mod', 'download', '-json', `${v.module}@${v.version}`], {
    cwd: cacheDir,
    env: { GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir || !existsSync(dir)) throw new StackError('NOT_INSTALLED', `module ${v.module} is not in the Go module cache`, component);
  return dir;
}
