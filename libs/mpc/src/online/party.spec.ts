import fc from 'fast-check';
import { P, fmul, mod } from '../field/reference';
import { fromBigInts } from '../field/vector';
import { dealPreprocessing } from '../preprocessing/trusted-dealer';
import { runLocalParties } from './local-run';

const elem = fc.bigInt({ min: 0n, max: P - 1n });

describe('SPDZ online phase (dealer preprocessing, in-memory transport)', () => {
  it.each([2, 3, 5])('computes x*y + 3x - y + 7 correctly with %i parties', async (n) => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(elem, elem), { minLength: 1, maxLength: 8 }), async (rows) => {
        const xs = rows.map((r) => r[0]);
        const ys = rows.map((r) => r[1]);
        const { stores } = dealPreprocessing({ parties: n, triples: 16, masks: 32 });
        const outs = await runLocalParties(stores, async (p) => {
          const x = await p.input(0, p.id === 0 ? fromBigInts(xs) : xs.length);
          const y = await p.input(n - 1, p.id === n - 1 ? fromBigInts(ys) : ys.length);
          const z = p.addPublic(p.sub(p.add(await p.mul(x, y), p.mulPublic(x, 3n)), y), 7n);
          return p.open(z);
        });
        const want = xs.map((x, i) => mod(fmul(x, ys[i]!) + 3n * x - ys[i]! + 7n));
        return outs.every((o) => Array.from(o).every((v, i) => v === want[i]));
      }),
      { numRuns: 10 },
    );
  });

  it('computes a dot product without per-element shares', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(elem, elem), { minLength: 1, maxLength: 30 }), async (rows) => {
        const xs = rows.map((r) => r[0]);
        const ys = rows.map((r) => r[1]);
        const { stores } = dealPreprocessing({ parties: 3, triples: rows.length, masks: 2 * rows.length });
        const [out] = await runLocalParties(stores, async (p) => {
          const x = await p.input(0, p.id === 0 ? fromBigInts(xs) : xs.length);
          const y = await p.input(1, p.id === 1 ? fromBigInts(ys) : ys.length);
          return p.open(await p.dot(x, y));
        });
        return out![0] === xs.reduce((s, x, i) => mod(s + fmul(x, ys[i]!)), 0n);
      }),
      { numRuns: 10 },
    );
  });

  it('computes Σx² from square pairs, opening only x − a', async () => {
    const xs = [3n, P - 4n, 10n];
    const { stores } = dealPreprocessing({ parties: 3, triples: 0, masks: 3, squares: 3 });
    let opened = 0;
    const [out] = await runLocalParties(
      stores,
      async (p) => {
        const x = await p.input(0, p.id === 0 ? fromBigInts(xs) : 3);
        return p.open(await p.dot(x, x));
      },
      (from, _to, data) => {
        if (from === 1 && data.length % 8 === 0 && data.length / 8 === 3) opened++;
        return data;
      },
    );
    expect(out![0]).toBe(125n);
    expect(stores[0]!.availableSquares()).toBe(0);
    expect(opened).toBeGreaterThan(0);
  });

  it('computes several dot products and sums of squares in one batched opening', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(elem, elem), { minLength: 1, maxLength: 20 }), fc.boolean(), async (rows, withSquares) => {
        const n = rows.length;
        const xs = rows.map((r) => r[0]);
        const ys = rows.map((r) => r[1]);
        // Without square pairs x·x falls back to a triple; with them, a square pair.
        const { stores } = dealPreprocessing({ parties: 3, triples: 3 * n, masks: 2 * n, squares: withSquares ? n : 0 });
        let messages = 0;
        const [out] = await runLocalParties(
          stores,
          async (p) => {
            const x = await p.input(0, p.id === 0 ? fromBigInts(xs) : n);
            const y = await p.input(1, p.id === 1 ? fromBigInts(ys) : n);
            return p.open(await p.dots([[x, y], [x, x], [y, x]]));
          },
          (from, to, data) => {
            if (from === 2 && to === 0) messages++;
            return data;
          },
        );
        const dot = (a: bigint[], b: bigint[]) => a.reduce((s, v, i) => mod(s + fmul(v, b[i]!)), 0n);
        // Party 2 sends: one batched opening, then the open's own share, coin toss and check (2 + 2).
        return messages === 1 + 1 + 4 && Array.from(out!).join() === [dot(xs, ys), dot(xs, xs), dot(ys, xs)].join();
      }),
      { numRuns: 10 },
    );
  });

  it('delivers an output only to the named recipients', async () => {
    const { stores } = dealPreprocessing({ parties: 3, triples: 0, masks: 8 });
    const outs = await runLocalParties(stores, async (p) => {
      const x = await p.input(0, p.id === 0 ? fromBigInts([11n, 22n]) : 2);
      return p.output(x, [2]);
    });
    expect(outs[0]).toBeUndefined();
    expect(outs[1]).toBeUndefined();
    expect(Array.from(outs[2]!)).toEqual([11n, 22n]);
  });

  it('delivers an output to every party when every party is named', async () => {
    const { stores } = dealPreprocessing({ parties: 3, triples: 0, masks: 2 });
    const outs = await runLocalParties(stores, async (p) => {
      const x = await p.input(0, p.id === 0 ? fromBigInts([5n]) : 1);
      return p.output(x, [2, 0, 1]);
    });
    expect(outs.map((o) => o![0])).toEqual([5n, 5n, 5n]);
  });

  it('sums, slices and concatenates shares locally', async () => {
    const { stores } = dealPreprocessing({ parties: 3, triples: 0, masks: 8 });
    const outs = await runLocalParties(stores, async (p) => {
      const x = await p.input(1, p.id === 1 ? fromBigInts([1n, 2n, 3n, P - 1n]) : 4);
      return p.open(p.concat([p.sum(x), p.slice(x, 1, 3), p.neg(p.slice(x, 0, 1))]));
    });
    expect(Array.from(outs[0]!)).toEqual([5n, 2n, 3n, P - 1n]);
  });

  it('multiplies vectors longer than the kernels\' chunks, and the MAC check over them passes', async () => {
    const n = 2 * 4096 + 5; // the opening and the MAC check stream in 4096-word chunks
    const xs = Array.from({ length: n }, (_, i) => mod(BigInt(i) * 0x1234_5678_9abn + 17n));
    const ys = Array.from({ length: n }, (_, i) => mod(P - BigInt(i) * 977n - 1n));
    const { stores } = dealPreprocessing({ parties: 3, triples: n, masks: 2 * n });
    const outs = await runLocalParties(stores, async (p) => {
      const x = await p.input(0, p.id === 0 ? fromBigInts(xs) : n);
      const y = await p.input(2, p.id === 2 ? fromBigInts(ys) : n);
      return p.open(await p.mul(x, y));
    });
    for (const o of outs) {
      expect(o.length).toBe(n);
      for (const i of [0, 4095, 4096, 4097, n - 1]) expect(o[i]).toBe(fmul(xs[i]!, ys[i]!));
    }
  });

  it('refuses shares whose MAC and value differ in length before sending anything', async () => {
    const { stores } = dealPreprocessing({ parties: 2, triples: 4, masks: 4 });
    let sent = 0;
    const outs = await runLocalParties(
      stores,
      async (p) => {
        const x = await p.input(0, p.id === 0 ? fromBigInts([1n, 2n]) : 2);
        const bad = { value: x.value, mac: x.mac.subarray(0, 1) };
        sent = 0;
        const errors = await Promise.all([p.mul(bad, x).catch((e: unknown) => e), p.partialOpen(bad).catch((e: unknown) => e)]);
        return errors.map((e) => (e as { code?: string }).code);
      },
      (_from, _to, data) => {
        sent++;
        return data;
      },
    );
    expect(outs).toEqual([['INVALID_ARGUMENT', 'INVALID_ARGUMENT'], ['INVALID_ARGUMENT', 'INVALID_ARGUMENT']]);
    expect(sent).toBe(0);
  });

  it('refuses to run out of preprocessing with a named error', async () => {
    const { stores } = dealPreprocessing({ parties: 2, triples: 1, masks: 4 });
    await expect(
      runLocalParties(stores, async (p) => {
        const x = await p.input(0, p.id === 0 ? fromBigInts([1n, 2n]) : 2);
        return p.mul(x, x);
      }),
    ).rejects.toMatchObject({ code: 'PREPROCESSING_EXHAUSTED' });
  });
});
