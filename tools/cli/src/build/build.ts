import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Options } from '@swc/core';
// Not @datawell/stack's DIST: its index loads the stack's clients, and the builder runs at ./dev's
// start whenever a source changed (tools/cli/launch.js).
import { DIST } from '../repo-dir';

/**
 * The compiled tree: every runtime workspace package (libs, services, workload programs, chaincodes, and
 * the CLI itself) compiled by swc with the repository's .swcrc (decorator metadata for NestJS) into
 * `dist/`, mirroring the source layout, so `dist/services/<name>/src/main.js` runs with plain `node`
 * (and `./dev` runs dist/tools/cli/src/main.js while the tree is current: tools/cli/launch.js). jest and
 * the type check keep using the sources.
 *
 * `@datawell/*` packages point at TypeScript (`main: src/index.ts`); in the compiled tree each package
 * gets its own package.json with `main: src/index.js`, and `dist/node_modules/@datawell/<name>` links to
 * it, so Node's ordinary lookup from a compiled file finds compiled libraries before the repository's
 * node_modules (which still serves every third-party package).
 */
export { DIST };

/**
 * Folders of workspace packages that run as (or inside) processes; tests stay source-only. Chaincodes
 * too: their servers run the compiled package when the build is current (libs/stack
 * `compiledChaincodeModule`); and tools/, for the CLI (the only package there with a `src/`).
 */
const PACKAGE_ROOTS = ['libs', 'services', 'workloads', 'chaincode', 'tools'] as const;

/** Files copied as they are: read at runtime next to the code (gRPC service definitions). */
const ASSET = /\.(proto|json)$/;

/** Inputs beyond the sources whose change invalidates every output. */
const GLOBAL_INPUTS = ['.swcrc', 'tools/cli/src/build/build.ts'] as const;

/** Written last by a build: the signature of every input it was built from (see `Stamp`). */
const STAMP = '.build-stamp';

export interface BuildReport {
  /** Files compiled or copied in this run (0: the tree was up to date). */
  readonly written: number;
  readonly removed: number;
  readonly ms: number;
}

interface Package {
  readonly name: string;
  /** Relative to the repository, e.g. `libs/mpc`. */
  readonly dir: string;
  readonly manifest: Record<string, unknown>;
}

/** The workspace packages; `dirs` gets every folder looked into (see `Stamp`). */
function packages(repoDir: string, dirs: string[] = []): Package[] {
  const out: Package[] = [];
  for (const root of PACKAGE_ROOTS) {
    const abs = join(repoDir, root);
    if (!existsSync(abs)) continue;
    dirs.push(root);
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(`${root}/${entry.name}`);
      const manifestFile = join(abs, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifestFile) || !existsSync(join(abs, entry.name, 'src'))) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
      out.push({ name: String(manifest['name']), dir: `${root}/${entry.name}`, manifest });
    }
  }
  return out;
}

/** Runtime sources of a package: `src/**` without specs and their helpers; `dirs` gets the folders walked. */
function sources(repoDir: string, pkg: Package, dirs: string[] = []): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    dirs.push(rel);
    for (const entry of readdirSync(join(repoDir, rel), { withFileTypes: true })) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (/\.ts$/.test(entry.name) && !/\.(spec|spec-helper|d)\.ts$/.test(entry.name)) out.push(path);
      else if (ASSET.test(entry.name)) out.push(path);
    }
  };
  walk(`${pkg.dir}/src`);
  // gRPC definitions live beside the contracts library's sources and are read from the compiled tree.
  if (existsSync(join(repoDir, pkg.dir, 'proto'))) walk(`${pkg.dir}/proto`);
  return out;
}

const outputOf = (file: string) => join(DIST, file.replace(/\.ts$/, '.js'));

/**
 * Written aside and renamed into place: a process starting meanwhile (or a second `./dev` building at
 * the same time) never reads half a file.
 */
function writeAtomically(path: string, content: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/**
 * A file's or folder's signature: size, modification and change times (a stat call, no reading); `-`
 * when it is missing. Writing a file moves both times; a tool that restores an older modification time
 * (tar, `cp -p`, rsync) cannot restore the change time. A folder's times move when an entry is added,
 * removed or renamed in it. tools/cli/launch.js computes the same signature: keep them alike.
 */
export function signature(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return '-';
  }
}

/**
 * `dist/.build-stamp`, written last by a build: the signature, at the build's start, of every input
 * (repository-relative path → signature): the sources and assets, the packages' manifests, the global
 * inputs, and every folder the build looked into (the package roots, each folder in them, the sources'
 * folders), so that an added or deleted file shows too. The tree is current while every one of them is
 * as recorded: tools/cli/launch.js checks that with stat calls alone before it runs the compiled CLI.
 */
interface Stamp {
  /** The global inputs' signatures: when they differ, every output is rebuilt. */
  readonly global: string;
  readonly inputs: Readonly<Record<string, string>>;
}

function readStamp(repoDir: string): Partial<Stamp> {
  try {
    return JSON.parse(readFileSync(join(repoDir, DIST, STAMP), 'utf8')) as Partial<Stamp>;
  } catch {
    return {};
  }
}

/** Whether every input the stamp records is as it was then (stat calls only). */
export function compiledTreeCurrent(repoDir: string): boolean {
  const { inputs } = readStamp(repoDir);
  if (!inputs) return false;
  return Object.entries(inputs).every(([path, sig]) => signature(join(repoDir, path)) === sig);
}

/**
 * One build at a time per checkout: two builds that overlapped an edit could leave an older output
 * behind a newer stamp. `flock` (util-linux, as for ./dev's install lock) holds dist/.build.lock for
 * as long as its child lives: until the build ends, or this process dies and the child's stdin
 * closes. Without `flock` the build runs unlocked.
 */
async function withBuildLock<T>(repoDir: string, work: () => Promise<T>): Promise<T> {
  const lockFile = join(repoDir, DIST, '.build.lock');
  mkdirSync(dirname(lockFile), { recursive: true });
  const holder = spawn('flock', [lockFile, 'sh', '-c', 'echo held; exec cat > /dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
  await new Promise<void>((held) => {
    holder.once('error', () => held());
    holder.once('exit', () => held());
    holder.stdout.once('data', () => held());
  });
  try {
    return await work();
  } finally {
    holder.stdin.end();
  }
}

function swcOptions(repoDir: string, file: string): Options {
  return {
    cwd: repoDir,
    swcrc: true,
    filename: file,
    // Separate maps (the .swcrc inlines them for jest), pointing back at the TypeScript source.
    sourceMaps: true,
    sourceFileName: relative(dirname(join(repoDir, outputOf(file))), join(repoDir, file)),
  };
}

/** `dist/node_modules/@datawell/<name>` → the compiled package, whose package.json mains the compiled index. */
function writeWorkspace(repoDir: string, pkgs: readonly Package[]): void {
  const scope = join(repoDir, DIST, 'node_modules', '@datawell');
  mkdirSync(scope, { recursive: true });
  for (const pkg of pkgs) {
    const manifest = { ...pkg.manifest };
    for (const key of ['main', 'types'] as const) {
      if (typeof manifest[key] === 'string') manifest[key] = (manifest[key] as string).replace(/\.ts$/, '.js');
    }
    delete manifest['types'];
    mkdirSync(join(repoDir, DIST, pkg.dir), { recursive: true });
    writeAtomically(join(repoDir, DIST, pkg.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const link = join(scope, pkg.name.replace(/^@datawell\//, ''));
    const target = relative(dirname(link), join(repoDir, DIST, pkg.dir));
    if (linkTarget(link) === target) continue;
    const temp = `${link}.${process.pid}.tmp`;
    rmSync(temp, { force: true });
    symlinkSync(target, temp, 'dir');
    renameSync(temp, link);
  }
}

function linkTarget(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Outputs whose source is gone (a moved or deleted file must not stay loadable). */
function removeOrphans(repoDir: string, pkgs: readonly Package[], expected: ReadonlySet<string>): number {
  let removed = 0;
  const walk = (rel: string) => {
    if (!existsSync(join(repoDir, rel))) return;
    for (const entry of readdirSync(join(repoDir, rel), { withFileTypes: true })) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      // `.tmp`: another build's file about to be renamed into place.
      else if (!expected.has(path) && !(path.endsWith('.js.map') && expected.has(path.slice(0, -4))) && !path.endsWith('.tmp')) {
        rmSync(join(repoDir, path));
        removed++;
      }
    }
  };
  const roots = new Set(pkgs.map((p) => p.dir));
  for (const root of PACKAGE_ROOTS) {
    const abs = join(repoDir, DIST, root);
    if (!existsSync(abs)) continue;
    for (const dir of readdirSync(abs)) {
      if (roots.has(`${root}/${dir}`)) {
        walk(`${DIST}/${root}/${dir}/src`);
        walk(`${DIST}/${root}/${dir}/proto`);
      } else {
        rmSync(join(abs, dir), { recursive: true, force: true });
        removed++;
      }
    }
  }
  return removed;
}

/**
 * Brings `dist/` up to date with the sources. Nothing is read or compiled while the tree is current
 * (`compiledTreeCurrent`); otherwise, one build at a time, each file whose signature differs from the
 * stamp's (or every file, when .swcrc or this builder changed) is compiled, orphans are removed, and the
 * stamp is written last with the signatures taken before compiling, so an interrupted build runs again
 * next time, and a file edited during the build is compiled again by the next.
 */
export async function buildDist(repoDir: string, progress: (message: string) => void = () => undefined): Promise<BuildReport> {
  const started = Date.now();
  if (compiledTreeCurrent(repoDir)) return { written: 0, removed: 0, ms: Date.now() - started };
  return withBuildLock(repoDir, () => build(repoDir, progress, started));
}

async function build(repoDir: string, progress: (message: string) => void, started: number): Promise<BuildReport> {
  const dirs: string[] = [];
  const pkgs = packages(repoDir, dirs);
  const files = pkgs.flatMap((p) => sources(repoDir, p, dirs)).sort();
  const inputs: Record<string, string> = {};
  for (const path of [...GLOBAL_INPUTS, ...dirs, ...pkgs.map((p) => `${p.dir}/package.json`), ...files]) inputs[path] = signature(join(repoDir, path));
  const global = GLOBAL_INPUTS.map((path) => inputs[path]).join(' ');
  const stamp = readStamp(repoDir);
  const recorded = stamp.inputs ?? {};
  // Another build (waited for on the lock) may have just brought the tree up to date.
  if (Object.keys(recorded).length === Object.keys(inputs).length && Object.entries(inputs).every(([path, sig]) => recorded[path] === sig)) {
    return { written: 0, removed: 0, ms: Date.now() - started };
  }

  const all = stamp.global !== global;
  const stale = files.filter((f) => {
    const out = ASSET.test(f) ? join(repoDir, DIST, f) : join(repoDir, outputOf(f));
    return all || recorded[f] !== inputs[f] || !existsSync(out);
  });
  progress(`compiling ${stale.length} of ${files.length} files into ${DIST}/`);
  // Loaded only when there is something to compile: a current tree is checked with stat calls alone.
  const { transformFile } = await import('@swc/core');
  // A few at a time: swc compiles on its own threads; this only bounds open files.
  for (let i = 0; i < stale.length; i += 16) {
    await Promise.all(
      stale.slice(i, i + 16).map(async (f) => {
        if (ASSET.test(f)) {
          mkdirSync(dirname(join(repoDir, DIST, f)), { recursive: true });
          copyFileSync(join(repoDir, f), `${join(repoDir, DIST, f)}.${process.pid}.tmp`);
          renameSync(`${join(repoDir, DIST, f)}.${process.pid}.tmp`, join(repoDir, DIST, f));
          return;
        }
        const out = join(repoDir, outputOf(f));
        const result = await transformFile(join(repoDir, f), swcOptions(repoDir, f));
        mkdirSync(dirname(out), { recursive: true });
        const mapName = `${out.split('/').pop()}.map`;
        // The map first: a module loaded with --enable-source-maps reads it as soon as the code is there.
        if (result.map) writeAtomically(`${out}.map`, result.map);
        writeAtomically(out, result.map ? `${result.code}\n//# sourceMappingURL=${mapName}\n` : result.code);
      }),
    );
  }
  const expected = new Set(files.map((f) => (ASSET.test(f) ? `${DIST}/${f}` : outputOf(f))));
  const removed = removeOrphans(repoDir, pkgs, expected);
  writeWorkspace(repoDir, pkgs);
  const written: Stamp = { global, inputs };
  writeAtomically(join(repoDir, DIST, STAMP), `${JSON.stringify(written)}\n`);
  return { written: stale.length, removed, ms: Date.now() - started };
}
