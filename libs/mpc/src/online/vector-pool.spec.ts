import { P, fadd, fmul, mod } from '../field/reference';
import { fromBigInts } from '../field/vector';
import { dealPreprocessing } from '../preprocessing/trusted-dealer';
import { inputFixed, secureDotProduct } from '../programs/statistics';
import { encodeAt } from '../programs/fixed-point';
import { runLocalParties } from './local-run';
import { MIN_POOLED_WORDS, POOL_IDLE_MS, VectorPool, onlinePool } from './vector-pool';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('VectorPool', () => {
  it('hands a given-back buffer out again, best fit, and small vectors fresh', () => {
    const pool = new VectorPool(1 << 20, 60_000);
    const a = pool.take(MIN_POOLED_WORDS * 2);
    const b = pool.take(MIN_POOLED_WORDS);
    expect(pool.lentBytes).toBe(MIN_POOLED_WORDS * 24);
    pool.give(a, b, b);
    expect(pool.lentBytes).toBe(0);
    expect(pool.heldBytes).toBe(MIN_POOLED_WORDS * 24);
    const c = pool.take(MIN_POOLED_WORDS);
    expect(c.buffer).toBe(b.buffer);
    expect(c).toHaveLength(MIN_POOLED_WORDS);
    const small = pool.take(MIN_POOLED_WORDS - 1);
    expect(pool.owns(small)).toBe(false);
    pool.give(new BigUint64Array(MIN_POOLED_WORDS)); // not the pool's: ignored
    expect(pool.heldBytes).toBe(MIN_POOLED_WORDS * 16);
    pool.release();
  });

  it('keeps at most maxBytes for reuse', () => {
    const pool = new VectorPool(MIN_POOLED_WORDS * 8 * 2, 60_000);
    const vs = [1, 2, 3].map(() => pool.take(MIN_POOLED_WORDS));
    pool.give(...vs);
    expect(pool.heldBytes).toBe(MIN_POOLED_WORDS * 16);
    expect(pool.lentBytes).toBe(0);
    pool.release();
  });

  it('drops everything after idleMs without a take or a give', async () => {
    const pool = new VectorPool(1 << 24, 30);
    pool.give(pool.take(MIN_POOLED_WORDS));
    expect(pool.heldBytes).toBeGreaterThan(0);
    await settle(10);
    pool.give(pool.take(MIN_POOLED_WORDS)); // activity keeps it
    await settle(25);
    expect(pool.heldBytes).toBeGreaterThan(0);
    await settle(60);
    expect(pool.heldBytes).toBe(0);
  });
});

describe('the online phase and its pool', () => {
  const n = MIN_POOLED_WORDS + 5; // long enough to be pooled, across a chunk boundary
  const xs = Array.from({ length: n }, (_, i) => BigInt(i * 7919 + 3) % P);
  const ys = Array.from({ length: n }, (_, i) => mod(P - BigInt(i * 104729 + 11)));

  it('parties at rest hold none of its buffers, and it holds nothing IDLE_MS later', async () => {
    onlinePool.release();
    const values = Array.from({ length: n }, (_, i) => (i % 200) / 10 - 10);
    const { stores } = dealPreprocessing({ parties: 3, triples: 3 * n + 2000, masks: 4 * n, squares: 200 });
    const outs = await runLocalParties(stores, async (p) => {
      const x = await inputFixed(p, 0, p.id === 0 ? encodeAt(values, 16, 'fxp32') : n, 'fxp32');
      const y = await inputFixed(p, 0, p.id === 0 ? encodeAt(values, 16, 'fxp32') : n, 'fxp32');
      return secureDotProduct(p, x, y, { recipients: [0, 1, 2], fractionalBits: 16 });
    });
    const want = values.reduce((s, v) => s + v * v, 0);
    for (const o of outs) expect(o).toBeCloseTo(want, 6);
    expect(onlinePool.lentBytes).toBe(0);
    expect(onlinePool.heldBytes).toBeGreaterThan(0); // reused by the next computation of the thread
    await settle(POOL_IDLE_MS + 200);
    expect(onlinePool.heldBytes).toBe(0);
  });

  it('never hands a program a pooled vector: results survive later operations unchanged', async () => {
    onlinePool.release();
    const { stores } = dealPreprocessing({ parties: 3, triples: 8 * n, masks: 2 * n });
    const kept: Array<{ what: string; v: BigUint64Array; copy: BigUint64Array }> = [];
    const keep = (what: string, v: BigUint64Array) => {
      kept.push({ what, v, copy: v.slice() });
      return v;
    };
    const outs = await runLocalParties(stores, async (p) => {
      const x = await p.input(0, p.id === 0 ? fromBigInts(xs) : n);
      const y = await p.input(1, p.id === 1 ? fromBigInts(ys) : n);
      const z = await p.mul(x, y);
      const d = await p.dots([[x, y], [[x, y], [x, y]], [[x, z], [y]]]);
      const zOpened = await p.partialOpen(z);
      const dOpened = await p.open(d); // a MAC check: every buffer of the above goes back to the pool
      for (const [what, v] of Object.entries({ xv: x.value, xm: x.mac, zv: z.value, zm: z.mac, dv: d.value, dm: d.mac, zOpened, dOpened })) {
        keep(`${p.id}:${what}`, v);
      }
      // The same shapes again: they take the buffers just given back and overwrite them.
      const z2 = await p.mul(y, x);
      await p.dots([[x, y], [[x, y], [x, y]], [[x, z2], [y]]]);
      await p.open(z2);
      return { zOpened, dOpened };
    });
    for (const { what, v, copy } of kept) {
      expect([what, onlinePool.owns(v)]).toEqual([what, false]);
      expect([what, v.every((w, i) => w === copy[i])]).toEqual([what, true]);
    }
    const zWant = xs.map((x, i) => fmul(x, ys[i]!));
    const dot = (a: readonly bigint[], b: readonly bigint[]) => a.reduce((s, v, i) => fadd(s, fmul(v, b[i]!)), 0n);
    const xy = xs.map((x, i) => fadd(x, ys[i]!));
    const xz = xs.map((x, i) => fadd(x, zWant[i]!));
    for (const o of outs) {
      expect(Array.from(o.zOpened)).toEqual(zWant);
      expect(Array.from(o.dOpened)).toEqual([dot(xs, ys), dot(xy, xy), dot(xz, ys)]);
    }
  });
});
