import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackContext } from './components/component';
import { withStackLock } from './lock';

jest.mock('./domains/operator-files', () => ({ giveOperatorFiles: () => undefined }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withStackLock', () => {
  let stackDir: string;
  let ctx: StackContext;
  beforeEach(() => {
    stackDir = mkdtempSync(join(tmpdir(), 'stack-lock-'));
    ctx = { settings: { stackDir } as StackContext['settings'], progress: { step: () => undefined } as unknown as StackContext['progress'] };
  });
  afterEach(() => rmSync(stackDir, { recursive: true, force: true }));

  it('puts two flows of one process one after the other (a Promise.all of two changes)', async () => {
    const events: string[] = [];
    const change = (name: string) =>
      withStackLock(ctx, async () => {
        events.push(`${name} in`);
        await sleep(50);
        events.push(`${name} out`);
      });
    await Promise.all([change('a'), change('b')]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  });

  it('lets a change made of smaller changes take the lock again within its own flow', async () => {
    const inner = await withStackLock(ctx, async () => withStackLock(ctx, async () => Promise.all([withStackLock(ctx, async () => 1), withStackLock(ctx, async () => 2)])));
    expect(inner).toEqual([1, 2]);
  });

  it('makes what a flow left running take the lock again once the flow has let go of it', async () => {
    const events: string[] = [];
    let later: Promise<void> | undefined;
    await withStackLock(ctx, async () => {
      // Started under the lock, runs after it was released: it must wait for the other holder.
      later = sleep(30).then(() => withStackLock(ctx, async () => void events.push('later in')));
    });
    const other = withStackLock(ctx, async () => {
      events.push('other in');
      await sleep(80);
      events.push('other out');
    });
    await Promise.all([later, other]);
    expect(events).toEqual(['other in', 'other out', 'later in']);
  });
});
