import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from './lock';
import { stdoutAsNobody } from './nobody.spec-helper';

describe('withFileLock', () => {
  let dir: string;
  let file: string;
  const busy = (owner: number) => new Error(`busy ${owner}`);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lock-spec-'));
    file = join(dir, 'sub', 'x.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the file with its pid while the work runs, and removes it after, also when the work throws', async () => {
    const seen = await withFileLock(file, async () => readFileSync(file, 'utf8'), { timeoutMs: 1000, busy });
    expect(seen).toBe(String(process.pid));
    expect(existsSync(file)).toBe(false);
    await expect(withFileLock(file, async () => Promise.reject(new Error('boom')), { timeoutMs: 1000, busy })).rejects.toThrow('boom');
    expect(existsSync(file)).toBe(false);
  });

  it('runs two holders one after the other, never together', async () => {
    const events: string[] = [];
    const hold = (name: string) =>
      withFileLock(
        file,
        async () => {
          events.push(`${name} in`);
          await new Promise((r) => setTimeout(r, 50));
          events.push(`${name} out`);
        },
        { timeoutMs: 5000, busy },
      );
    await Promise.all([hold('a'), hold('b')]);
    expect(events).toHaveLength(4);
    expect(events[0]!.split(' ')[0]).toBe(events[1]!.split(' ')[0]);
    expect(events.map((e) => e.split(' ')[1])).toEqual(['in', 'out', 'in', 'out']);
  });

  it('takes over the lock of a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    await new Promise((r) => child.on('exit', r));
    const stale = join(dir, 'stale.lock');
    writeFileSync(stale, String(pid));
    await expect(withFileLock(stale, async () => readFileSync(stale, 'utf8'), { timeoutMs: 1000, busy })).resolves.toBe(String(process.pid));
  });

  it('waits on a live owner and on a lock being taken (empty file), then gives up with the busy error', async () => {
    const waits: number[] = [];
    writeFileSync(join(dir, 'live.lock'), String(process.ppid));
    await expect(withFileLock(join(dir, 'live.lock'), async () => 'never', { timeoutMs: 400, busy, onWait: (o) => waits.push(o) })).rejects.toThrow(`busy ${process.ppid}`);
    expect(waits).toEqual([process.ppid]);
    writeFileSync(join(dir, 'empty.lock'), '');
    await expect(withFileLock(join(dir, 'empty.lock'), async () => 'never', { timeoutMs: 400, busy })).rejects.toThrow('busy 0');
    expect(readFileSync(join(dir, 'empty.lock'), 'utf8')).toBe('');
  });

  it("waits on a lock another user's live process holds in a shared sticky folder, as the operator's bridge waits on the tooling's stack lock", () => {
    // The stack folder's mode: sticky and writable by all here (the operator's group there).
    chmodSync(dir, 0o1777);
    const held = join(dir, 'stack.lock');
    writeFileSync(held, String(process.pid)); // root's, this live process
    const script = `require(${JSON.stringify(require.resolve('./lock'))}).withFileLock(${JSON.stringify(held)}, async () => 'taken', { timeoutMs: 600, busy: (o) => new Error('busy ' + o), onWait: (o) => process.stdout.write('waiting for ' + o + ';') }).then((r) => process.stdout.write(r), (e) => process.stdout.write(e.message))`;
    expect(stdoutAsNobody(script)).toBe(`waiting for ${process.pid};busy ${process.pid}`);
    expect(readFileSync(held, 'utf8')).toBe(String(process.pid));
  });
});

