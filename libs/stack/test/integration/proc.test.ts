import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, readPid, run, startDaemon, stopDaemon, waitForDaemon } from '../../src/proc';
import { withStackLock } from '../../src/lock';
import { loadSettings } from '../../src/settings';
import { silentProgress } from '../../src/progress';

describe('process supervision', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'proc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a command and reports a failure with its exit code and the end of its output', async () => {
    expect((await run('sh', ['-c', 'echo hello'])).stdout).toBe('hello\n');
    await expect(run('sh', ['-c', 'echo first >&2; echo boom >&2; exit 3'])).rejects.toThrow(/exited with 3:\nfirst\nboom/);
    await expect(run('/no/such/binary', [])).rejects.toThrow(/cannot run \/no\/such\/binary/);
  });

  it('starts a detached daemon with a pid file and a log, and stops its whole process group', async () => {
    const spec = { name: 'sleeper', cmd: 'sh', args: ['-c', 'echo started; sleep 300 & wait'], logFile: join(dir, 'logs', 's.log'), pidFile: join(dir, 'run', 's.pid') };
    const pid = startDaemon(spec);
    expect(readPid(spec.pidFile)).toBe(pid);
    await waitForDaemon('sleeper', spec, async () => readFileSync(spec.logFile, 'utf8').includes('started'), 5000);
    expect(isAlive(pid)).toBe(true);
    expect(await stopDaemon(spec.pidFile, 2000)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(await stopDaemon(spec.pidFile)).toBe(false);
  });

  it('fails at once, with the end of the log, when a daemon dies while starting', async () => {
    const spec = { name: 'dies', cmd: 'sh', args: ['-c', 'echo "bind: address already in use"; exit 1'], logFile: join(dir, 'd.log'), pidFile: join(dir, 'd.pid') };
    startDaemon(spec);
    const started = Date.now();
    await expect(waitForDaemon('dies', spec, async () => false, 30000)).rejects.toThrow(/dies exited while starting[\s\S]*address already in use/);
    expect(Date.now() - started).toBeLessThan(10000);
  });
});

describe('withStackLock', () => {
  it('serialises work on one stack folder and takes over a lock whose owner is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const ctx = { settings: { ...loadSettings('/repo', {}), stackDir: dir }, progress: silentProgress };
    try {
      writeFileSync(join(dir, 'stack.lock'), '999999999'); // a pid that cannot exist
      const order: string[] = [];
      const slow = withStackLock(ctx, async () => {
        order.push('a-start');
        await new Promise((r) => setTimeout(r, 100));
        order.push('a-end');
      });
      await slow;
      await withStackLock(ctx, async () => {
        order.push('b');
        // Re-entrant inside the same process.
        await withStackLock(ctx, async () => order.push('b-inner'));
      });
      expect(order).toEqual(['a-start', 'a-end', 'b', 'b-inner']);
      expect(() => readFileSync(join(dir, 'stack.lock'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
