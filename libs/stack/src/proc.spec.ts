import { run } from './proc';

describe('run', () => {
  it('kills a command that outlives its timeout and says so', async () => {
    const started = Date.now();
    await expect(run('sleep', ['30'], { timeoutMs: 300 })).rejects.toThrow(/sleep 30 did not finish within 300 ms and was killed/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('resolves with the output of a command that finishes in time, and names the exit code of one that fails', async () => {
    await expect(run('sh', ['-c', 'echo hi'], { timeoutMs: 10_000 })).resolves.toMatchObject({ stdout: 'hi\n' });
    await expect(run('sh', ['-c', 'echo nope >&2; exit 3'])).rejects.toThrow(/exited with 3:\nnope/);
  });

  it("runs as a user whose home folder does not exist (a domain user made by a stack folder since removed) in / instead of failing to start", async () => {
    // Debian's `nobody` has the home /nonexistent: the shape of a domain user whose stack folder was removed.
    if (process.getuid?.() !== 0) {
      await expect(run('pwd', [], { user: 'nobody' })).rejects.toThrow(/EPERM|operation not permitted/i);
      return;
    }
    await expect(run('sh', ['-c', 'pwd; echo "$HOME"'], { user: 'nobody' })).resolves.toMatchObject({ stdout: '/\n/\n' });
    await expect(run('sh', ['-c', 'pwd; echo "$HOME"'], { user: 'nobody', cwd: '/tmp' })).resolves.toMatchObject({ stdout: '/tmp\n/tmp\n' });
  });
});
