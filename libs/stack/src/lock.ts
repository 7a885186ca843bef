import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';
import { withFileLock } from '@datawell/pid-files';
import type { StackContext } from './components/component';
import { giveOperatorFiles } from './domains/operator-files';
import { StackError } from './errors';

/**
 * The hold of the async flow that took the lock: a call within that flow (a change made of smaller
 * ones) goes ahead, while any other flow, of this process too, waits for the file. Not a process-wide
 * count: two flows of one process (a test's `Promise.all` creating a channel in each) both went ahead
 * while either held the lock, and both joined the peer to the same channel (the second failed:
 * "ledger already exists"). `active` ends with the hold, so what the flow left running (a timer, a
 * watcher) takes the lock again later.
 */
const held = new AsyncLocalStorage<{ active: boolean }>();

/**
 * Serialises changes to one stack folder across processes (a developer's `./dev up` and a test
 * run's global setup, two test workers adding organisations): withFileLock on `stack.lock` in the
 * folder. Re-entrant within the async flow that holds it.
 */
export async function withStackLock<T>(ctx: StackContext, work: () => Promise<T>, timeoutMs = 600000): Promise<T> {
  if (held.getStore()?.active) return work();
  return withFileLock(
    join(ctx.settings.stackDir, 'stack.lock'),
    async () => {
      const hold = { active: true };
      try {
        return await held.run(hold, work);
      } finally {
        hold.active = false;
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
