import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { transformFile, type Options } from '@swc/core';
import { DIST } from '@datawell/stack';

/**
 * The compiled tree: every runtime workspace package (libs, services, workload programs, chaincodes) compiled by
 * swc with the repository's .swcrc (decorator metadata for NestJS) into `dist/`, mirroring the source
 * layout, so `dist/services/<name>/src/main.js` runs with plain `node`. jest and the type check keep
 * using the sources.
 *
 * `@datawell/*` packages point at TypeScript (`main: src/index.ts`); in the compiled tree each package
 * gets its own package.json with `main: src/index.js`, and `dist/node_modules/@datawell/<name>` links to
 * it, so Node's ordinary lookup from a compiled file finds compiled libraries before the repository's
 * node_modules (which still serves every third-party package).
 */
export { DIST };

/**
 * Folders of workspace packages that run as (or inside) processes; tests and tools stay source-only.
 * Chaincodes too: their servers run the compiled package when the build is current (libs/stack
 * `compiledChaincodeModule`).
 */
const PACKAGE_ROOTS = ['libs', 'services', 'workloads', 'chaincode'] as const;

/** Files copied as they are: read at runtime next to the code (gRPC service definitions). */
const ASSET = /\.(proto|json)$/;

/** Inputs beyond the sources whose change invalidates every output. */
const GLOBAL_INPUTS = ['.swcrc', 'tools/cli/src/build/build.ts'] as const;

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

function packages(repoDir: string): Package[] {
  const out: Package[] = [];
  for (const root of PACKAGE_ROOTS) {
    const abs = join(repoDir, root);
    if (!existsSync(abs)) continue;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const manifestFile = join(abs, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(manifestFile) || !existsSync(join(abs, entry.name, 'src'))) continue;
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
      out.push({ name: String(manifest['name']), dir: `${root}/${entry.name}`, manifest });
    }
  }
  return out;
}

/** Runtime sources of a package: `src/**` without specs and their helpers. */
function sources(repoDir: string, pkg: Package): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
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

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * A cheap fingerprint of every input (path, size, mtime): stat calls only, no reading. Equal to the
 * stamp's means nothing changed since the last build (a deleted or added file changes it too).
 */
function fingerprint(repoDir: string, files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const f of [...GLOBAL_INPUTS, ...files]) {
    const s = existsSync(join(repoDir, f)) ? statSync(join(repoDir, f)) : undefined;
    hash.update(`${f}\0${s?.size ?? -1}\0${s?.mtimeMs ?? -1}\n`);
  }
  return hash.digest('hex');
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
 * Brings `dist/` up to date with the sources. Nothing is read or compiled when the inputs' fingerprint
 * equals the stamp's; otherwise each file newer than its output (or every file, when .swcrc or this
 * builder changed) is compiled, orphans are removed, and the stamp is written last, so an interrupted
 * build runs again next time.
 */
export async function buildDist(repoDir: string, progress: (message: string) => void = () => undefined): Promise<BuildReport> {
  const started = Date.now();
  const pkgs = packages(repoDir);
  const files = pkgs.flatMap((p) => sources(repoDir, p)).sort();
  const stampFile = join(repoDir, DIST, '.build-stamp');
  const print = fingerprint(repoDir, files);
  const stamp = existsSync(stampFile) ? (JSON.parse(readFileSync(stampFile, 'utf8')) as { fingerprint?: string; global?: string }) : {};
  if (stamp.fingerprint === print) return { written: 0, removed: 0, ms: Date.now() - started };

  const globalPrint = fingerprint(repoDir, []);
  const all = stamp.global !== globalPrint;
  const stale = files.filter((f) => {
    const out = ASSET.test(f) ? join(repoDir, DIST, f) : join(repoDir, outputOf(f));
    return all || mtime(out) < mtime(join(repoDir, f));
  });
  progress(`compiling ${stale.length} of ${files.length} files into ${DIST}/`);
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
  writeAtomically(stampFile, `${JSON.stringify({ fingerprint: print, global: globalPrint })}\n`);
  return { written: stale.length, removed, ms: Date.now() - started };
}
