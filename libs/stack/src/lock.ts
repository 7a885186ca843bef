import { join } from 'node:path';
import { withFileLock } from '@datawell/pid-files';
import type { StackContext } from './components/component';
import { giveOperatorFiles } from './domains/operator-files';
import { StackError } from './errors';

let depth = 0;

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
        // What the tooling wrote in the operator's files under the lock stays the operator's (its bridge runs as dw-operator).
        giveOperatorFiles(ctx.settings);
      }
    },
    {
      timeoutMs,
      onWait: (owner) => ctx.progress.step('stack', `waiting for process ${owner}, which is changing the stack`),
      busy: (owner) => new StackError('START_FAILED', `the stack in ${ctx.settings.stackDir} is busy (locked by process ${owner})`),
    },
  );
}
