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
});
