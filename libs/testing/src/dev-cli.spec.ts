import { errorLines } from './dev-cli';

describe('errorLines', () => {
  it("keeps ./dev's error and leaves out its progress reports and blank lines", () => {
    const stderr = '[16:41:23] stack: waiting for process 4242, which is changing the stack\n\ndev: the marketplace did not take the description: 409 DESCRIPTION_DIGEST_MISMATCH: no\n';
    expect(errorLines(stderr)).toEqual(['dev: the marketplace did not take the description: 409 DESCRIPTION_DIGEST_MISMATCH: no']);
  });

  it('keeps every line that is not a progress report, so an extra one still counts', () => {
    expect(errorLines('(node:1) Warning: something\ndev: failed\n')).toEqual(['(node:1) Warning: something', 'dev: failed']);
    expect(errorLines('[1:2:3] stack: not the progress format\n')).toEqual(['[1:2:3] stack: not the progress format']);
  });
});
