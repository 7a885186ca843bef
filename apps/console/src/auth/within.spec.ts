import { within } from './within';

describe('within: an answer or, past the limit, the late one', () => {
  it('answers with the work when it settles in time, and leaves no timer behind', async () => {
    jest.useFakeTimers();
    try {
      const answer = within(Promise.resolve('token'), 20_000, () => 'late');
      await expect(answer).resolves.toBe('token');
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers with the late value when the work has not settled by the limit', async () => {
    jest.useFakeTimers();
    try {
      const never = new Promise<string>(() => undefined);
      const answer = within(never, 20_000, () => ({ error: 'no answer within 20 s' }));
      jest.advanceTimersByTime(19_999);
      const early = await Promise.race([answer, Promise.resolve('pending')]);
      expect(early).toBe('pending');
      jest.advanceTimersByTime(1);
      await expect(answer).resolves.toEqual({ error: 'no answer within 20 s' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('passes a failure of the work on', async () => {
    await expect(within(Promise.reject(new Error('refused')), 1000, () => 'late')).rejects.toThrow('refused');
  });
});
