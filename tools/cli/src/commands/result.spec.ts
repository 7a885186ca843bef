import { UsageError } from '../usage-error';
import { describeResult, resultPath } from './result';
import { expectBadInput, runCli } from './cli-child.spec-helper';

// The real CLI in a child process, as `./dev result …` runs it: bad input is refused before any bridge is asked.
// Several CLIs start at once (each loads the TypeScript register): minutes on a loaded machine, not a measure of anything.
jest.setTimeout(180_000);

const run = (...args: string[]) => runCli('result', ...args);

describe('./dev result: the recipient reads its result at its own bridge', () => {
  it('asks for one result, or the list of the version', () => {
    expect(resultPath({ dao: 'd1', version: '2', as: 'AcmeMSP', id: 'cmp-1a' })).toBe('/daos/d1/versions/2/computations/cmp-1a/result');
    expect(resultPath({ dao: 'd1', version: '2', as: 'AcmeMSP' })).toBe('/daos/d1/versions/2/computations');
    expect(() => resultPath({ dao: 'd1', version: '2', as: 'AcmeMSP', id: '../x' })).toThrow(UsageError);
  });

  it('describes a result with its digest and transaction, and its values only when it has them', () => {
    const kept = { daoId: 'd1', version: 1, jobId: 'cmp-1', computation: 'mean', members: ['DspMSP', 'VspMSP'], resultDigest: 'ab'.repeat(32), txId: 'cd'.repeat(32), recordedAtMs: 0 };
    expect(describeResult(kept)).toBe(`1970-01-01T00:00:00.000Z  mean  cmp-1  digest abababababab…  tx ${'cd'.repeat(32)}`);
    expect(describeResult({ ...kept, result: { mean: 1.5 } }).split('\n')[1]).toBe('  {"mean":1.5}');
  });
});

describe('./dev result: bad input exits 2 with one line, before any bridge is asked', () => {
  test.concurrent.each([
    [['--version', '1', '--as', 'AcmeMSP'], /required option '--dao <daoId>'/],
    [['--dao', 'd1', '--as', 'AcmeMSP'], /required option '--version <n>'/],
    [['--dao', 'D_1', '--version', '1', '--as', 'AcmeMSP'], /--dao must be a DAO id/],
    [['--dao', 'd1', '--version', '0', '--as', 'AcmeMSP'], /--version must be a whole number 1-9999/],
    [['--dao', 'd1', '--version', '1', '--as', 'acme'], /--as must be an MSP id/],
    [['--dao', 'd1', '--version', '1', '--as', 'AcmeMSP', '--id', 'a/b'], /--id must be a computation id/],
  ])('%j', async (args, message) => {
    const r = await run(...args);
    expectBadInput(r, message);
  });
});
