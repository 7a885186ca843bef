import { mapAtMost } from './at-most';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mapAtMost', () => {
  it('keeps the items’ order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const out = await mapAtMost(3, [5, 1, 4, 2, 3, 0], async (n) => {
      running += 1;
      most = Math.max(most, running);
      for (let i = 0; i < n; i += 1) await tick();
      running -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(3);
  });

  it('rejects with the first failure only once the other lanes have settled', async () => {
    const finished: number[] = [];
    const run = mapAtMost(2, [1, 2, 3, 4], async (n) => {
      if (n === 1) throw new Error('one failed');
      for (let i = 0; i < 5; i += 1) await tick();
      finished.push(n);
      return n;
    });
    await expect(run).rejects.toThrow('one failed');
    // The failing lane took no more items; the other lane took the rest.
    expect(finished).toEqual([2, 3, 4]);
  });

  it('answers an empty list at once', async () => {
    await expect(mapAtMost(4, [], async () => 1)).resolves.toEqual([]);
  });
});
