import { randomBytes } from 'node:crypto';
import { copeReceive, copeSend, vrandom, type FieldVec } from '../field/vector';
import { FIELD_BITS, P, fadd, fmul, fsub } from '../field/reference';
import { PrgStream } from './bits';

/** The COPE kernels against BigInt arithmetic on the same PRG words (the code they replaced). */
describe('COPE kernels', () => {
  const red = (w: bigint) => {
    const v = w & P;
    return v === P ? 0n : v;
  };
  const words = (s: PrgStream, n: number) => Array.from(new BigUint64Array(new Uint8Array(s.next(n * 8)).buffer));

  it('give shares of Δ·x and the corrections of the reference, for every Δ', () => {
    for (const n of [1, 7, 301]) {
      const x: FieldVec = vrandom(n);
      x[0] = P - 1n;
      const delta = n === 1 ? P - 1n : vrandom(1)[0]!;
      const deltaBits = Array.from({ length: FIELD_BITS }, (_, l) => Number((delta >> BigInt(l)) & 1n));
      const seeds = Array.from({ length: FIELD_BITS }, () => [randomBytes(16), randomBytes(16)] as const);
      const xSide = (b: 0 | 1) => seeds.map((s) => new PrgStream(s[b], 'cope'));
      const s0 = xSide(0);
      const s1 = xSide(1);
      const { msg, share } = copeSend(x, s0.map((s) => (d: Uint8Array) => s.fill(d)), s1.map((s) => (d: Uint8Array) => s.fill(d)));
      const dSide = seeds.map((s, l) => new PrgStream(s[deltaBits[l]!]!, 'cope'));
      const q = copeReceive(msg, n, dSide.map((s) => (d: Uint8Array) => s.fill(d)), deltaBits);

      // Reference on fresh copies of the same streams.
      const r0 = xSide(0).map((s) => words(s, n).map(red));
      const r1 = xSide(1).map((s) => words(s, n).map(red));
      const m = new BigUint64Array(msg.buffer, msg.byteOffset, msg.length / 8);
      for (let l = 0; l < FIELD_BITS; l++)
        for (let e = 0; e < n; e++) expect(m[l * n + e]).toBe(fadd(fsub(r0[l]![e]!, r1[l]![e]!), x[e]!));
      for (let e = 0; e < n; e++) {
        let want = 0n;
        for (let l = 0; l < FIELD_BITS; l++) want = fadd(want, fmul(1n << BigInt(l), r0[l]![e]!));
        expect(share[e]).toBe(fsub(0n, want));
        expect(fadd(share[e]!, q[e]!)).toBe(fmul(delta, x[e]!));
      }
    }
  });
});
