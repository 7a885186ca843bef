import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { withFileLock } from '@datawell/pid-files';

const run = promisify(execFile);

export const CONSOLE_DIR = resolve(__dirname, '..');
export const DIST_DIR = join(CONSOLE_DIR, 'dist');
const REPO_DIR = resolve(CONSOLE_DIR, '..', '..');
const STAMP = join(DIST_DIR, '.build-stamp');
const LOCK = join(CONSOLE_DIR, '.build.lock');

/** What the bundle is made of: the page's sources and config, and the pinned packages. */
function inputs(): string[] {
  const out = ['index.html', 'vite.config.mts', 'package.json', 'tsconfig.json'].map((f) => join(CONSOLE_DIR, f));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!/\.spec\.tsx?$/.test(entry.name)) out.push(path);
    }
  };
  walk(join(CONSOLE_DIR, 'src'));
  out.push(join(REPO_DIR, 'package-lock.json'));
  return out.sort();
}

/**
 * The bundle is always a production build: Vite picks React's development build when NODE_ENV says
 * so, and a build started from a test process (jest sets NODE_ENV=test) was then kept and served by
 * `./dev up` too (738 KiB against 535 KiB for the entry chunk, and a slower first render).
 */
const BUILD_ENV = { NODE_ENV: 'production' } as const;

/** SHA-256 over the inputs' paths and contents (a few dozen small files: reading them is cheap), and the build's mode. */
export function sourceFingerprint(): string {
  const hash = createHash('sha256').update(`NODE_ENV=${BUILD_ENV.NODE_ENV}\0`);
  for (const file of inputs()) hash.update(`${file}\0`).update(existsSync(file) ? readFileSync(file) : '(missing)').update('\0');
  return hash.digest('hex');
}

/**
 * Builds the console with Vite into apps/console/dist unless the sources are those of the last build.
 * One build at a time across processes (test files running side by side, `./dev up`): Vite refuses a
 * second build of the project while one runs, so a process waits for the other's build, then finds
 * it current.
 */
export async function buildConsole(progress: (message: string) => void = () => undefined): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  const print = sourceFingerprint();
  const current = () => existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === print && existsSync(join(DIST_DIR, 'index.html'));
  if (current()) return { built: false, ms: Date.now() - started };
  // A lock file holding its owner's pid, taken over when that process is gone; waits up to 5 minutes.
  const lock = { timeoutMs: 300_000, busy: (owner: number) => new Error(`the console is being built by process ${owner} for more than 5 minutes (lock ${LOCK})`) };
  return withFileLock(LOCK, async () => {
    if (current()) return { built: false, ms: Date.now() - started };
    progress('building the console (vite build)');
    await run(process.execPath, [join(REPO_DIR, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: CONSOLE_DIR,
      env: { ...process.env, ...BUILD_ENV, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
      maxBuffer: 16 << 20,
    });
    // Written last: an interrupted build runs again next time.
    mkdirSync(DIST_DIR, { recursive: true });
    writeFileSync(STAMP, `${print}\n`);
    return { built: true, ms: Date.now() - started };
  }, lock);
}
