import { ApiError } from './client';
import { columnsOf, finished, parseResult, parseResults } from './computations';

const kept = { daoId: 'd1', version: 1, jobId: 'cmp-1', computation: 'mean', members: ['ADspMSP', 'BVspMSP'], resultDigest: 'ab'.repeat(32), txId: 'tx1', recordedAtMs: 1_700_000_000_000 };

describe("a member's results as its own bridge answers them", () => {
  it('keeps the fields the page shows of a list and of one result with its values', () => {
    expect(parseResults([kept])).toEqual([{ jobId: 'cmp-1', computation: 'mean', members: ['ADspMSP', 'BVspMSP'], resultDigest: 'ab'.repeat(32), txId: 'tx1', recordedAtMs: 1_700_000_000_000, version: 1 }]);
    expect(parseResult({ ...kept, result: { n: 12, mean: 3.5, coefficients: [1, 2] } }).result).toEqual({ n: 12, mean: 3.5, coefficients: [1, 2] });
  });

  it('refuses an answer that is not one (an error on the page, not a cast)', () => {
    expect(() => parseResults({ results: [kept] })).toThrow('not a list');
    expect(() => parseResults([{ ...kept, txId: 7 }])).toThrow(ApiError);
    expect(() => parseResults([{ ...kept, members: 'ADspMSP' }])).toThrow('no list of members');
    expect(() => parseResult(kept)).toThrow('no values');
    expect(() => parseResult({ ...kept, result: [1, 2] })).toThrow('no values');
    expect(() => parseResult({ ...kept, result: { mean: '3.5' } })).toThrow('not a number');
    expect(() => parseResult({ ...kept, result: { xs: [1, 'x'] } })).toThrow('not a number');
  });
});

describe('asking for a computation', () => {
  it('takes the columns as typed, comma-separated, without blanks', () => {
    expect(columnsOf(' pm25 , temperature,, ')).toEqual(['pm25', 'temperature']);
    expect(() => columnsOf(' , ')).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_REQUEST' }));
  });

  it('stops following a computation once it completed or failed', () => {
    expect(['queued', 'running', 'completed', 'failed'].map(finished)).toEqual([false, false, true, true]);
  });
});
