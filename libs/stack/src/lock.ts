import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StackContext } from './components/component';
import { StackError } from './errors';
import { isAlive, sleep } from './proc';

let depth = 0;

/**
 * Serialises changes to one stack folder across processes (a developer's `./dev up` and a test
 * run's global setup, two test workers adding organisations): an exclusive lock file holding the
 * owner's pid, taken over when that process is gone. Re-entrant within a process.
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
  mkdirSync(ctx.settings.stackDir, { recursive: true });
  const file = join(ctx.settings.stackDir, 'stack.lock');
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSafe(file));
      if (!isAlive(owner)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new StackError('START_FAILED', `the stack in ${ctx.settings.stackDir} is busy (locked by process ${owner})`);
      if (!waited) ctx.progress.step('stack', `waiting for process ${owner}, which is changing the stack`);
      waited = true;
      await sleep(200);
    }
  }
  depth = 1;
  try {
    return await work();
  } finally {
    depth = 0;
    rmSync(file, { force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
