import { P } from '../field/reference';
import { fromBigInts } from '../field/vector';
import { dealPreprocessing } from '../preprocessing/trusted-dealer';
import { runLocalParties } from '../online/local-run';
import { encodeFixed } from './fixed-point';
import { lessThanZero, secureHistogram, secureLessThan } from './compare';
import { randomBits } from './random-bits';

const K = 12;
const KAPPA = 40;
const triplesFor = (L: number) => L * (2 * (K + KAPPA) + K);

describe('secure comparison', () => {
  it('random bits are bits and not constant', async () => {
    const { stores } = dealPreprocessing({ parties: 2, triples: 400, masks: 0 });
    const [bits] = await runLocalParties(stores, async (p) => p.open(await randomBits(p, 200)));
    expect(bits!.every((b) => b === 0n || b === 1n)).toBe(true);
    const ones = bits!.filter((b) => b === 1n).length;
    expect(ones).toBeGreaterThan(50);
    expect(ones).toBeLessThan(150);
  });

  it('LTZ is exact on the whole range including the boundaries', async () => {
    const half = 1n << BigInt(K - 1);
    const vals = [-half, -half + 1n, -2n, -1n, 0n, 1n, 2n, half - 2n, half - 1n, -77n, 513n];
    const { stores } = dealPreprocessing({ parties: 3, triples: triplesFor(vals.length), masks: vals.length });
    const [out] = await runLocalParties(stores, async (p) => {
      const a = await p.input(0, p.id === 0 ? fromBigInts(vals) : vals.length);
      return p.open(await lessThanZero(p, a, { bits: K, statisticalSecurity: KAPPA }));
    });
    expect(Array.from(out!)).toEqual(vals.map((v) => (v < 0n ? 1n : 0n)));
  });

  it('compares against secret and public values', async () => {
    const xs = [3n, 10n, 7n, P - 5n];
    const ys = [4n, 10n, 1n, 2n];
    const { stores } = dealPreprocessing({ parties: 2, triples: 2 * triplesFor(4), masks: 8 });
    const [out] = await runLocalParties(stores, async (p) => {
      const x = await p.input(0, p.id === 0 ? fromBigInts(xs) : 4);
      const y = await p.input(1, p.id === 1 ? fromBigInts(ys) : 4);
      const secret = await secureLessThan(p, x, y, { bits: K });
      const pub = await secureLessThan(p, x, 7n, { bits: K });
      return p.open(p.concat([secret, pub]));
    });
    expect(Array.from(out!)).toEqual([1n, 0n, 0n, 1n, 1n, 0n, 0n, 1n]);
  });

  it('rejects parameters that could wrap around the field', async () => {
    const { stores } = dealPreprocessing({ parties: 2, triples: 0, masks: 1 });
    await expect(
      runLocalParties(stores, async (p) => lessThanZero(p, await p.input(0, p.id === 0 ? fromBigInts([1n]) : 1), { bits: 30, statisticalSecurity: 40 })),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('builds a histogram', async () => {
    const xs = [0.5, 1.5, 1.7, 2.2, 3.9, -1, 2.0];
    const edges = [1, 2, 3];
    const f = 4;
    const { stores } = dealPreprocessing({ parties: 3, triples: triplesFor(xs.length * edges.length), masks: 20 });
    const outs = await runLocalParties(stores, async (p) => {
      const x = await p.input(1, p.id === 1 ? encodeFixed(xs, f) : xs.length);
      return secureHistogram(p, x, edges, { recipients: [1], fractionalBits: f, bits: K, statisticalSecurity: KAPPA });
    });
    expect(outs[0]).toBeUndefined();
    expect(outs[1]).toEqual([2, 2, 2, 1]);
  });
});
