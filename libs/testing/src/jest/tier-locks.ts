import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Locks that let the e2e tier run two files at once (`./dev test` runs it with two jest workers) where
 * they cannot disturb each other. Each e2e file names what it needs from others in a docblock pragma
 * at its top, `@e2eLock <claims>`:
 * - `exclusive`: nothing else runs beside it (a file that restarts the operator's services or upgrades
 *   the `marketplace` chaincode every other file uses);
 * - `pool`: the e2e tier's pool of member domains (libs/testing/src/jest/pool.ts), which one file at a
 *   time uses: a file kills, abandons and rates the pool's members, and another file's assertions on
 *   the same members (reputation, abandonments, their workloads) would see it;
 * - `console`: the console's shared member domains (`Cn…`), for the same reason.
 * A file without the pragma runs beside any other but an exclusive one (its domains are its own).
 *
 * The locks are flock(2) locks held by a `flock` process (util-linux) per lock: shared on `all` for
 * every file, exclusive on `all` for an exclusive file, exclusive on `pool` / `console` for the
 * claims. A `gate` taken around the `all` request gives a waiting exclusive file precedence over
 * files that ask after it (flock itself would let shared holders come and go for ever). A lock is
 * released when its holder's stdin closes, so a worker that dies lets go of its locks with it.
 * An exclusive file with an `@e2eFirst` pragma as well runs before the other exclusive files: they
 * wait until it holds the lock (E2eOrder).
 */
export type E2eClaim = 'exclusive' | 'pool' | 'console';
const CLAIMS: readonly E2eClaim[] = ['exclusive', 'pool', 'console'];

/** Set by the e2e tier's global setup when jest runs more than one worker: the folder of the tier's lock files. */
export const E2E_LOCK_DIR_ENV = 'DATAWELL_E2E_LOCK_DIR';

/**
 * Set by the sequencer (tools/jest/sequencer.js) in jest's own process before the workers start, so
 * they inherit it: the paths of the run's files with an `@e2eFirst` pragma, as a JSON array.
 */
export const E2E_FIRST_FILES_ENV = 'DATAWELL_E2E_FIRST_FILES';

/**
 * Where a file stands in the run's order: whether it has an `@e2eFirst` pragma, and how many of the
 * run's files have one. An exclusive file without the pragma waits until each of them has taken the
 * lock: the sequencer dispatches them first, but two workers take the first two files at once and
 * either could win the lock.
 */
export interface E2eOrder {
  readonly first: boolean;
  readonly firsts: number;
}

/** The order of the file at `testPath` from the sequencer's list (none, or unreadable: no order). */
export function e2eOrderOf(testPath: string, env: NodeJS.ProcessEnv = process.env): E2eOrder {
  let firsts: unknown;
  try {
    firsts = JSON.parse(env[E2E_FIRST_FILES_ENV] ?? '[]');
  } catch {
    firsts = [];
  }
  const paths = Array.isArray(firsts) ? firsts.filter((f): f is string => typeof f === 'string') : [];
  return { first: paths.includes(testPath), firsts: paths.length };
}

/** How long an exclusive file waits for the files that run first to take the lock before it goes on anyway (one whose worker died never does). */
export const FIRST_WAIT_MS = 10 * 60_000;

/** The claims of a file's `@e2eLock` pragma (jest gives a pragma as a string, or an array when repeated). */
export function parseClaims(pragma: string | readonly string[] | undefined, file: string): E2eClaim[] {
  const text = typeof pragma === 'string' ? pragma : (pragma ?? []).join(' ');
  const words = text.split(/[\s,]+/).filter(Boolean);
  const unknown = words.filter((w) => !(CLAIMS as readonly string[]).includes(w));
  if (unknown.length > 0) throw new Error(`${file}: @e2eLock takes ${CLAIMS.join(', ')}; got ${unknown.join(', ')}`);
  return CLAIMS.filter((c) => words.includes(c));
}

export interface HeldLock {
  release(): Promise<void>;
}

/** Holds flock(2) lock `file` (shared or exclusive) until release(); `onWait` is called once if it has to wait. */
export function holdFileLock(file: string, mode: 'shared' | 'exclusive', onWait?: () => void): Promise<HeldLock> {
  return new Promise((resolve, reject) => {
    // flock opens (creates) the file, takes the lock, then runs the command: `echo` says it is held,
    // `cat` keeps it until our end of its stdin closes.
    const child: ChildProcess = spawn('flock', [mode === 'shared' ? '--shared' : '--exclusive', file, 'sh', '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const waiting = setTimeout(() => onWait?.(), 1000);
    let held = false;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (held || !chunk.includes('held')) return;
      held = true;
      clearTimeout(waiting);
      resolve({
        release: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('close', () => done());
            child.stdin!.end();
          }),
      });
    });
    child.once('error', (e) => {
      clearTimeout(waiting);
      reject(new Error(`could not take lock ${file} with flock: ${e.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(waiting);
      if (!held) reject(new Error(`flock ended (exit ${String(code)}) before it held ${file}`));
    });
  });
}

/**
 * Takes the locks of a file's claims in the tier's lock folder `dir`, in one order (gate, all, pool,
 * console), so two files never wait on each other in a circle. `say` is told what the file waits
 * for. Resolves the release of all of them.
 */
export async function takeE2eLocks(dir: string, file: string, claims: readonly E2eClaim[], say: (line: string) => void, order: E2eOrder = { first: false, firsts: 0 }, firstWaitMs = FIRST_WAIT_MS): Promise<() => Promise<void>> {
  mkdirSync(dir, { recursive: true });
  const path = (name: string) => join(dir, `${name}.lock`);
  const held: HeldLock[] = [];
  const holds = join(dir, `${process.pid}.holds`);
  const releaseAll = async () => {
    rmSync(holds, { force: true });
    for (const lock of held.splice(0).reverse()) await lock.release();
  };
  // A file that runs first says it went once it holds `all` (or failed to), once: the others' cue.
  let said = false;
  const went = () => {
    if (!order.first || said) return;
    said = true;
    writeFileSync(join(dir, `${process.pid}-${Date.now()}.went`), `${file}\n`);
  };
  try {
    const exclusive = claims.includes('exclusive');
    if (exclusive && !order.first && order.firsts > 0) await firstsGone(dir, order.firsts, firstWaitMs, file, say);
    const gate = await holdFileLock(path('gate'), 'exclusive', () => say(`${file} waits for a file that runs alone to start`));
    try {
      held.push(await holdFileLock(path('all'), exclusive ? 'exclusive' : 'shared', () => say(exclusive ? `${file} runs alone: it waits for the files running now to end` : `${file} waits for a file that runs alone to end`)));
    } finally {
      await gate.release();
    }
    went();
    for (const claim of ['pool', 'console'] as const) {
      if (claims.includes(claim)) held.push(await holdFileLock(path(claim), 'exclusive', () => say(`${file} waits for the file using the ${claim === 'pool' ? "tier's pool of" : "console's"} member domains to end`)));
    }
    // Who holds what, for a person reading a stuck run.
    writeFileSync(holds, `${file}: ${claims.join(' ') || 'shared'}\n`);
    return releaseAll;
  } catch (e) {
    went();
    await releaseAll();
    throw e;
  }
}

/** Waits until `count` files that run first said they went (`*.went` in `dir`), or `ms` passed. */
async function firstsGone(dir: string, count: number, ms: number, file: string, say: (line: string) => void): Promise<void> {
  const gone = () => readdirSync(dir).filter((f) => f.endsWith('.went')).length >= count;
  if (gone()) return;
  say(`${file} waits for the file${count > 1 ? 's' : ''} with @e2eFirst to take the lock`);
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (gone()) return;
  if (!gone()) say(`${file} goes on: the file${count > 1 ? 's' : ''} with @e2eFirst did not take the lock within ${Math.round(ms / 1000)} s`);
}
