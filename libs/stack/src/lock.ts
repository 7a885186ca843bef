import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StackContext } from './components/component';
import { StackError } from './errors';
import { isAlive, sleep } from './proc';

let depth = 0;

export interface FileLockOptions {
  /** How long to wait for another process's lock before giving up (ms). */
  readonly timeoutMs: number;
  /** Told once, when the lock is held by another live process and this one starts waiting. */
  readonly onWait?: (owner: number) => void;
  /** The error to throw when the wait ran out. */
  readonly busy: (owner: number) => Error;
}

/**
 * An exclusive lock across processes: a file created with O_EXCL holding the owner's pid, taken over
 * when that process is gone; an empty file is a lock being taken (its pid not yet written), waited on.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>, options: FileLockOptions): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const deadline = Date.now() + options.timeoutMs;
  let waited = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const text = readFileSafe(file);
      if (text === undefined) continue; // released meanwhile
      const owner = Number(text);
      if (text !== '' && !isAlive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw options.busy(owner);
      if (!waited) options.onWait?.(owner);
      waited = true;
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Serialises changes to one stack folder across processes (a developer's `./dev up` and a test
 * run's global setup, two test workers adding organisations): withFileLock on `stack.lock` in the
 * folder. Re-entrant within a process.
 */
export async function withStackLock<T>(ctx: StackContext, work: () => Promise<T>, timeoutMs = 600000): Promise<T> {
  if (depth > 0) {
    depth++;
    try {
      return await work();
    } finally {
      depth--;
    }
  }
  return withFileLock(
    join(ctx.settings.stackDir, 'stack.lock'),
    async () => {
      depth = 1;
      try {
        return await work();
      } finally {
        depth = 0;
      }
    },
    {
      timeoutMs,
      onWait: (owner) => ctx.progress.step('stack', `waiting for process ${owner}, which is changing the stack`),
      busy: (owner) => new StackError('START_FAILED', `the stack in ${ctx.settings.stackDir} is busy (locked by process ${owner})`),
    },
  );
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
