import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describeEntry, usagePath } from './usage';

// The real CLI in a child process, as `./dev usage …` runs it: bad input is refused before any bridge is asked.
const ROOT = resolve(__dirname, '..', '..', '..', '..');
jest.setTimeout(60_000);

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['-r', '@swc-node/register', 'tools/cli/src/main.ts', 'usage', ...args], { cwd: ROOT, env: { ...process.env, DEBUG: '' } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('./dev usage: bad input exits 2 with one line, before any bridge is asked', () => {
  test.concurrent.each([
    [['--dao', 'd1', '--as', 'AcmeMSP'], /required option '--dataset <name>'/],
    [['--dataset', 'readings', '--as', 'AcmeMSP'], /required option '--dao <daoId>'/],
    [['--dataset', '../etc', '--dao', 'd1', '--as', 'AcmeMSP'], /--dataset must be a dataset name/],
    [['--dataset', 'readings', '--dao', 'D_1', '--as', 'AcmeMSP'], /--dao must be a DAO id/],
    [['--dataset', 'readings', '--dao', 'd1', '--as', 'acme'], /--as must be an MSP id/],
    [['--dataset', 'readings', '--dao', 'd1', '--as', 'AcmeMSP', '--version', '0'], /--version must be a whole number 1-9999/],
  ])('%j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('./dev usage: what it asks and prints', () => {
  it("asks the member's bridge for the dataset's trail in the DAO (one version when given)", () => {
    expect(usagePath({ dataset: 'readings', dao: 'acme', as: 'AcmeMSP' })).toBe('/datasets/readings/usage?daoId=acme');
    expect(usagePath({ dataset: 'readings', dao: 'acme', as: 'AcmeMSP', version: '2' })).toBe('/datasets/readings/usage?daoId=acme&version=2');
  });

  it('prints an entry with its time, version, transaction, requester and outcome', () => {
    const base = { usageId: 'u', dataset: { owner: 'AcmeMSP', name: 'readings' }, computation: 'mean', parametersDigest: 'ab'.repeat(32), recipients: ['VspMSP'], recordedBy: 'AcmeMSP', atMs: Date.UTC(2026, 0, 1), txId: 'tx1', version: 1, channel: 'dao-acme-v1' };
    expect(describeEntry({ ...base, requester: { mspId: 'VspMSP', enrollmentId: 'ana' }, outcome: 'granted', rows: 5, resultDigest: 'cd'.repeat(32) })).toBe(
      '2026-01-01T00:00:00.000Z  v1  tx tx1\n  VspMSP/ana asked for mean of AcmeMSP/readings to VspMSP; granted: 5 rows, result cdcdcdcdcdcd…',
    );
    expect(describeEntry({ ...base, requester: { mspId: 'OtherMSP' }, recipients: [], outcome: 'refused', check: 'requester-member' })).toMatch(/OtherMSP asked for mean of AcmeMSP\/readings to -; refused by requester-member$/);
    expect(describeEntry({ ...base, requester: { mspId: 'VspMSP' }, outcome: 'failed', failure: 'NODES_INCOMPLETE' })).toMatch(/; failed: NODES_INCOMPLETE$/);
  });
});
