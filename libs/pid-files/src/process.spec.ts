import { spawn, spawnSync } from 'node:child_process';
import { stdoutAsNobody } from './nobody.spec-helper';
import { isAlive } from './process';

/** isAlive(pid) as the OS user `nobody`. */
const isAliveAsNobody = (pid: number): boolean => stdoutAsNobody(`process.stdout.write(String(require(${JSON.stringify(require.resolve('./process'))}).isAlive(${pid})))`) === 'true';

describe('isAlive', () => {
  it('tells a live process from an ended one and from no pid', async () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(undefined)).toBe(false);
    const child = spawn('true');
    const pid = child.pid!;
    await new Promise((r) => child.on('close', r));
    expect(isAlive(pid)).toBe(false);
  });

  it("counts another user's process as alive (signal 0 answers EPERM), and an ended one as dead", () => {
    expect(process.getuid?.()).toBe(0);
    // This root process, seen by nobody: alive.
    expect(isAliveAsNobody(process.pid)).toBe(true);
    const ended = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
    expect(isAliveAsNobody(Number(ended.stdout.trim()))).toBe(false);
  });
});
