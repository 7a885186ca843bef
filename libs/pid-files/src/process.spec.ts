import { spawn, spawnSync } from 'node:child_process';
import { isAlive } from './process';

/** isAlive(pid) in a node process run as the OS user `nobody` (the tests run as root). */
function isAliveAsNobody(pid: number): boolean {
  const nobody = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const uid = Number(nobody.stdout.trim());
  const child = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', `process.stdout.write(String(require(${JSON.stringify(require.resolve('./process'))}).isAlive(${pid})))`], {
    uid,
    gid: uid,
    encoding: 'utf8',
    // nobody may not read root's home: swc's cache and the module resolution stay in the repository.
    cwd: process.cwd(),
    env: { PATH: process.env['PATH'] ?? '', SWC_NODE_IGNORE_TSCONFIG: '', HOME: '/tmp' },
    timeout: 60_000,
  });
  if (child.status !== 0) throw new Error(`isAlive as nobody exited ${child.status}: ${child.stderr}`);
  return child.stdout === 'true';
}

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
