import { retryAfterSeconds } from './refusal-limit';

describe('the refusal limit', () => {
  it('says to retry after whole seconds, at least one', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    expect(retryAfterSeconds(599_500)).toBe(600);
  });
});
