import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { busiestProcesses, loadLine, stopLeftovers } from './load-watch';

const readStat = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
};

describe('what keeps the machine busy', () => {
  it('names a process that spins, with its user and what it runs, and leaves out one that sleeps', async () => {
    // A child that burns a core for the sampling window (the positive control) and one that sleeps.
    const spinner = spawn(process.execPath, ['-e', 'const end = Date.now() + 8000; while (Date.now() < end);', 'spin-marker.js'], { stdio: 'ignore' });
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      // The sleeper asleep in `sleep` itself (its exec done) before the window opens.
      for (let i = 0; i < 100 && !/^\d+ \(sleep\) S /.test(readStat(sleeper.pid!)); i++) await new Promise((r) => setTimeout(r, 50));
      // Every process that used CPU in the window: on a machine at load 16 the spinner gets about as
      // much of a core as each of a dozen peers, so its rank among the first few says nothing.
      const busy = await busiestProcesses(1_500, Number.MAX_SAFE_INTEGER);
      const found = busy.find((b) => b.pid === spinner.pid);
      expect(found).toBeDefined();
      expect(found!.cpuPercent).toBeGreaterThan(0);
      expect(found!.label).toMatch(/^node/);
      expect(found!.user).toBe(userInfo().username);
      // A process that used no CPU in the window is not listed.
      expect(busy.find((b) => b.pid === sleeper.pid)).toBeUndefined();
      // Sorted, busiest first.
      expect(busy.map((b) => b.cpuPercent)).toEqual([...busy.map((b) => b.cpuPercent)].sort((a, b) => b - a));
      // And cut to the number asked for.
      expect((await busiestProcesses(300, 1)).length).toBeLessThanOrEqual(1);
    } finally {
      spinner.kill('SIGKILL');
      sleeper.kill('SIGKILL');
    }
  });

  it('says the load averages and the core count in one line', async () => {
    expect(await loadLine()).toMatch(/^load \d+\.\d \d+\.\d \d+\.\d on \d+ cores, \d+ processes; busiest: /);
  });

  it("stops the processes still running from a stopped stack's folder, and only those", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leftovers-'));
    // A sibling whose name starts with the folder's (as .stack-e2e beside .stack): another folder.
    const other = `${dir}-e2e`;
    mkdirSync(other);
    const sleeper = (args: string[], cwd: string) => spawn('sleep', args, { cwd, stdio: 'ignore' });
    const byCwd = sleeper(['300'], dir);
    const byArgument = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)', '--', `--data=${dir}/x`], { cwd: other, stdio: 'ignore' });
    // A process a test started, elsewhere: it carries the run's mark.
    const byMark = spawn('sleep', ['300'], { cwd: other, stdio: 'ignore', env: { ...process.env, DATAWELL_TEST_RUN_MARK: 'run-1-0' } });
    // The sibling's process stays; so does one that only names the folder in its environment (a
    // person's shell) or carries another run's mark.
    const control = sleeper(['300'], other);
    const namesIt = spawn('sleep', ['300'], { cwd: other, stdio: 'ignore', env: { ...process.env, DATAWELL_STACK_DIR: dir, DATAWELL_TEST_RUN_MARK: 'run-2-0' } });
    const exited = (c: ReturnType<typeof spawn>) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(undefined) : c.once('exit', r)));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const stopped = await stopLeftovers(dir, { mark: 'run-1-0', graceMs: 2_000 });
      expect(stopped.map((s) => Number(/pid (\d+)/.exec(s)![1])).sort()).toEqual([byCwd.pid, byArgument.pid, byMark.pid].sort());
      await Promise.all([exited(byCwd), exited(byArgument), exited(byMark)]);
      for (const c of [control, namesIt]) expect([c.exitCode, c.signalCode]).toEqual([null, null]);
    } finally {
      for (const c of [byCwd, byArgument, byMark, control, namesIt]) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      rmSync(other, { recursive: true, force: true });
    }
  });
});
