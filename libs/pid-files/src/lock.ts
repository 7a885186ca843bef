import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './process';

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
        removeLock(file);
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
    removeLock(file);
  }
}

/**
 * Removes the lock file; gone already is fine. Unlink, not rm: a file another user owns in a sticky
 * folder (the stack folder) cannot be removed, and rm's fallback for that reports "ENOTDIR … scandir".
 */
function removeLock(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
