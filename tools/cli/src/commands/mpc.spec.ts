import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

// End to end: the real CLI in a child process, as `./dev mpc …` runs it.
const ROOT = resolve(__dirname, '..', '..', '..', '..');
jest.setTimeout(60_000);

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['tools/cli/launch.js', 'mpc', ...args],
      { cwd: ROOT, env: { ...process.env, DEBUG: '' } },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('./dev mpc demo', () => {
  it('runs one TLS node process per party and agrees with the plaintext reference', async () => {
    const r = await run('demo', '--parties', '3', '--rows', '40', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { agree: boolean; transport: string; parties: number };
    expect(report).toMatchObject({ agree: true, parties: 3 });
    expect(report.transport).toMatch(/^tls/);
    // Three node processes, MASCOT set-up between each pair and about 7,200 triples (the two-limb
    // rounding of each sum of products costs some 850 triples whatever the rows): about 10 s on a
    // quiet machine, two minutes at load 20, while the other tiers' stacks share the two cores.
  }, 240_000);

  it('computes on shares in one process and agrees with the plaintext reference', async () => {
    const r = await run('demo', '--parties', '2', '--rows', '50', '--json', '--in-process');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { agree: boolean; rows: number; parties: number; preprocessing: { source: string }; results: { mean: number }; reference: { mean: number } };
    expect(report).toMatchObject({ agree: true, rows: 50, parties: 2, preprocessing: { source: 'mascot' } });
    expect(Math.abs(report.results.mean - report.reference.mean)).toBeLessThan(1e-3);
  });

  it('rejects a bad party count as a usage error (exit 2, one line)', async () => {
    const r = await run('demo', '--parties', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--parties');
  });
});
