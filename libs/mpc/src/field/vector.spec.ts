import { randomFillSync } from 'node:crypto';
import fc from 'fast-check';
import { P, fadd, fmul, fpow, fsub, finv, mod } from './reference';
import {
  fromBigInts, gilboaReceive, gilboaSend, gilboaSendInto, mulmod, vadd, vaddc, vaxpy, vbeaver, vbeaverDotOpen, vbeaverOpen, vcanon, vdot, vdotRandomWords, vfromRandomWords, vinputOpen, vmul, vmulc,
  vopen, vpow, vrandom, vsquareDotOpen, vsub, vsub2, vsubInto, vsum, vsumShares, vwsum, vbitsum,
} from './vector';

const elem = fc.oneof(
  fc.bigInt({ min: 0n, max: P - 1n }),
  fc.constantFrom(0n, 1n, P - 1n, P - 2n, (1n << 32n) - 1n, 1n << 32n, (1n << 60n) + 12345n),
);
const pair = fc.integer({ min: 0, max: 40 }).chain((n) =>
  fc.tuple(fc.array(elem, { minLength: n, maxLength: n }), fc.array(elem, { minLength: n, maxLength: n })),
);

describe('field kernels (p = 2^61 - 1) against the BigInt reference', () => {
  it('mulmod agrees with BigInt on edge and random values', () => {
    fc.assert(fc.property(elem, elem, (a, b) => mulmod(a, b) === fmul(a, b)), { numRuns: 2000 });
  });

  it('vector add, sub and mul agree elementwise', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const va = fromBigInts(a);
        const vb = fromBigInts(b);
        const s = vadd(va, vb);
        const d = vsub(va, vb);
        const m = vmul(va, vb);
        return a.every((x, i) => s[i] === fadd(x, b[i]!) && d[i] === fsub(x, b[i]!) && m[i] === fmul(x, b[i]!));
      }),
    );
  });

  it('scalar ops, axpy, dot and sum agree', () => {
    fc.assert(
      fc.property(pair, elem, ([a, b], c) => {
        const va = fromBigInts(a);
        const vb = fromBigInts(b);
        const mc = vmulc(va, c);
        const ac = vaddc(va, c);
        const ax = vaxpy(va, vb, c);
        const dot = a.reduce((s, x, i) => fadd(s, fmul(x, b[i]!)), 0n);
        const sum = a.reduce((s, x) => fadd(s, x), 0n);
        return (
          a.every((x, i) => mc[i] === fmul(x, c) && ac[i] === fadd(x, c) && ax[i] === fadd(x, fmul(c, b[i]!))) &&
          vdot(va, vb) === dot &&
          vsum(va) === sum
        );
      }),
    );
  });

  it('the Beaver kernel computes c + d*b + e*a + k*d*e', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(elem, elem, elem, elem, elem), { maxLength: 20 }), elem, (rows, k) => {
        const col = (j: number) => fromBigInts(rows.map((r) => r[j]!));
        const z = vbeaver(col(0), col(1), col(2), col(3), col(4), k);
        return rows.every(
          ([c, a, b, d, e], i) => z[i] === mod(c + d * b + e * a + fmul(k, fmul(d, e))),
        );
      }),
    );
  });

  it('pow gives inverses and agrees with the reference', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: P - 1n }), { maxLength: 10 }), (a) => {
        const inv = vpow(fromBigInts(a), P - 2n);
        const sq = vpow(fromBigInts(a), 12345n);
        return a.every((x, i) => inv[i] === finv(x) && sq[i] === fpow(x, 12345n));
      }),
    );
  });

  it('canonicalises any 64-bit word and maps random words into [0, p)', () => {
    const words = new BigUint64Array([0n, P, P + 1n, (1n << 64n) - 1n, 1n << 61n, 5n]);
    expect(Array.from(vcanon(words))).toEqual(Array.from(words, (w) => w % P));
    const r = vfromRandomWords(new BigUint64Array([P, (1n << 64n) - 1n, 7n]));
    expect(Array.from(r)).toEqual([0n, 0n, 7n]);
    expect(vrandom(1000).every((x) => x < P)).toBe(true);
  });

  it('handles vectors larger than the initial linear memory', () => {
    const a = vrandom(100_000);
    const b = vrandom(100_000);
    const m = vmul(a, b);
    for (const i of [0, 4_999, 99_999]) expect(m[i]).toBe(fmul(a[i]!, b[i]!));
  });
});

describe('OT helper kernels', () => {
  it('wsum recombines interleaved groups with weights', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), (groups, g, s) => {
        const a = vrandom(groups * g * s);
        const w = vrandom(g);
        const o = vwsum(a, w, groups, g, s);
        for (let t = 0; t < groups; t++)
          for (let k = 0; k < s; k++) {
            let acc = 0n;
            for (let l = 0; l < g; l++) acc = fadd(acc, fmul(a[(t * g + l) * s + k]!, w[l]!));
            if (o[t * s + k] !== acc) return false;
          }
        return true;
      }),
    );
  });

  it('bitsum equals wsum with weights 2^l', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 61 }), fc.integer({ min: 1, max: 4 }), (groups, g, s) => {
        const a = vrandom(groups * g * s);
        const w = fromBigInts(Array.from({ length: g }, (_, l) => 1n << BigInt(l)));
        return Array.from(vbitsum(a, groups, g, s)).join() === Array.from(vwsum(a, w, groups, g, s)).join();
      }),
    );
  });
});

describe('fused Gilboa kernels', () => {
  it('sender and receiver shares add up to a·b for every triple and value', () => {
    const T = 3;
    const g = 61;
    const m = T * g;
    const v0 = new Uint8Array(m * 32);
    const v1 = new Uint8Array(m * 32);
    randomFillSync(v0);
    randomFillSync(v1);
    const a = vrandom(T * 4);
    const b = vrandom(T);
    const bits = new Uint8Array(Math.ceil(m / 8));
    for (let t = 0; t < T; t++)
      for (let l = 0; l < g; l++) if ((b[t]! >> BigInt(l)) & 1n) bits[(t * g + l) >> 3] |= 1 << ((t * g + l) & 7);
    // The receiver's random-OT output: v1 where its bit is 1, else v0.
    const v = new Uint8Array(m * 32);
    for (let j = 0; j < m; j++) v.set(((bits[j >> 3]! >> (j & 7)) & 1 ? v1 : v0).subarray(32 * j, 32 * j + 32), 32 * j);
    const { d, share } = gilboaSend(v0, v1, a, T, g);
    const recv = gilboaReceive(v, bits, new Uint8Array(d.buffer), T, g);
    for (let t = 0; t < T; t++) for (let k = 0; k < 4; k++) expect(fadd(share[t * 4 + k]!, recv[t * 4 + k]!)).toBe(fmul(a[t * 4 + k]!, b[t]!));
  });

  it('gilboaSendInto reads the OT words where they were written and writes only into the given outputs', () => {
    const T = 2;
    const g = 61;
    const m = T * g;
    const v0 = new Uint8Array(m * 32);
    const v1 = new Uint8Array(m * 32);
    randomFillSync(v0);
    randomFillSync(v1);
    const a = vrandom(T * 4);
    const want = gilboaSend(v0, v1, a, T, g);
    const dAll = new BigUint64Array(m * 4 + 2).fill(7n);
    const sAll = new BigUint64Array(T * 4 + 2).fill(7n);
    gilboaSendInto(a, T, g, (w0, w1) => {
      expect([w0.length, w1.length]).toEqual([m * 32, m * 32]);
      w0.set(v0);
      w1.set(v1);
    }, dAll.subarray(1, 1 + m * 4), sAll.subarray(1, 1 + T * 4));
    expect(dAll.subarray(1, 1 + m * 4)).toEqual(want.d);
    expect(sAll.subarray(1, 1 + T * 4)).toEqual(want.share);
    expect([dAll[0], dAll[m * 4 + 1], sAll[0], sAll[T * 4 + 1]]).toEqual([7n, 7n, 7n, 7n]);
    expect(() => gilboaSendInto(a, T, g, () => undefined, new BigUint64Array(m * 4 - 1), new BigUint64Array(T * 4))).toThrow(RangeError);
  });
});

describe('opening sum', () => {
  it('adds canonicalised peer shares to the own share', () => {
    const own = vrandom(50);
    const r1 = vrandom(50);
    const r2 = new BigUint64Array(50).fill((1n << 64n) - 1n); // non-canonical words from a peer
    const sum = vsumShares(own, [new Uint8Array(r1.buffer), new Uint8Array(r2.buffer)]);
    const c = ((1n << 64n) - 1n) % P;
    for (let i = 0; i < 50; i++) expect(sum[i]).toBe(mod(own[i]! + r1[i]! + c));
    expect(() => vsumShares(own, [new Uint8Array(8)])).toThrow(RangeError);
  });
});

describe('the online opening, streamed (against the BigInt reference)', () => {
  // Any 64-bit word, as a peer may send: canonical values, p itself, values above p and 2^64 − 1.
  const word = fc.oneof(elem, fc.bigInt({ min: P, max: (1n << 64n) - 1n }), fc.constantFrom(P, 1n << 61n, (1n << 64n) - 1n));
  const canon = (w: bigint) => w % P;
  const raw = (ws: readonly bigint[]) => new Uint8Array(new BigUint64Array(ws).buffer);
  // Lengths across the kernels' 4096-word chunks (and short ones), with a handful of random rows
  // checked elementwise so the large cases stay fast.
  const length = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(4095, 4096, 4097, 2 * 4096 + 3));
  const col = (n: number, seed: number) => fc.array(elem, { minLength: Math.min(n, 8), maxLength: Math.min(n, 8) }).map((head) => {
    const v = vrandom(n);
    head.forEach((x, i) => (v[(i * 7919 + seed) % n] = x));
    return v;
  });
  // Peers' words of an opening: random 64-bit words with the generated (possibly non-canonical) ones in front.
  const peerWords = (words: number, heads: readonly (readonly bigint[])[]) =>
    heads.map((h) => {
      const w = new BigUint64Array(words);
      randomFillSync(w);
      h.forEach((x, i) => (w[i] = x));
      return w;
    });
  // One's own words of a Beaver opening: [x − a ‖ y − b].
  const ownOpening = (d: BigUint64Array, e: BigUint64Array) => {
    const own = new BigUint64Array(d.length + e.length);
    own.set(d, 0);
    own.set(e, d.length);
    return own;
  };
  // Every row of a short vector; of a long one the chunk edges and every row a generated value went to.
  const rowsOf = (n: number) =>
    n <= 64
      ? Array.from({ length: n }, (_, i) => i)
      : [...new Set([0, 1, n >> 1, 4095, 4096, n - 2, n - 1, ...Array.from({ length: 48 }, (_, j) => ((j % 8) * 7919 + (j >> 3)) % n)].filter((i) => i < n))];

  it('the elementwise kernels, dot and sum agree across chunk boundaries', () => {
    fc.assert(
      fc.property(length.chain((n) => fc.tuple(col(n, 1), col(n, 2))), elem, ([a, b], c) => {
        const n = a.length;
        const [s, d, m, mc, ac, ax] = [vadd(a, b), vsub(a, b), vmul(a, b), vmulc(a, c), vaddc(a, c), vaxpy(a, b, c)];
        let dot = 0n;
        let sum = 0n;
        for (let i = 0; i < n; i++) {
          dot = fadd(dot, fmul(a[i]!, b[i]!));
          sum = fadd(sum, a[i]!);
        }
        return (
          [s, d, m, mc, ac, ax].every((v) => v.length === n) &&
          rowsOf(n).every(
            (i) =>
              s[i] === fadd(a[i]!, b[i]!) && d[i] === fsub(a[i]!, b[i]!) && m[i] === fmul(a[i]!, b[i]!) &&
              mc[i] === fmul(a[i]!, c) && ac[i] === fadd(a[i]!, c) && ax[i] === fadd(a[i]!, fmul(c, b[i]!)),
          ) &&
          vdot(a, b) === dot &&
          vsum(a) === sum
        );
      }),
      { numRuns: 30 },
    );
  });

  it('vsum reduces sums of the largest elements at every length modulo four', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 4095, 4096, 4097, 4099, 3 * 4096 + 2]) {
      expect(vsum(new BigUint64Array(n).fill(P - 1n))).toBe(mod(BigInt(n) * (P - 1n)));
    }
  });

  it('vsub2 is [x − a ‖ y − b]', () => {
    fc.assert(
      fc.property(length.chain((n) => fc.tuple(col(n, 1), col(n, 2), col(n, 3), col(n, 4))), ([x, a, y, b]) => {
        const n = x.length;
        const o = vsub2(x, a, y, b);
        return o.length === 2 * n && rowsOf(n).every((i) => o[i] === fsub(x[i]!, a[i]!) && o[n + i] === fsub(y[i]!, b[i]!));
      }),
      { numRuns: 30 },
    );
  });

  it('vopen sums canonicalised peer words into the own share and keeps the MAC residual mac − k·sum', () => {
    fc.assert(
      fc.property(
        length.chain((n) => fc.tuple(col(n, 1), col(n, 2), fc.array(fc.array(word, { minLength: n, maxLength: n }), { minLength: 0, maxLength: 3 }))),
        elem,
        ([own, mac, peers], k) => {
          const n = own.length;
          const { sum, residual } = vopen(own, mac, peers.map(raw), k);
          for (let i = 0; i < n; i++) {
            const want = peers.reduce((s, p) => fadd(s, canon(p[i]!)), own[i]!);
            if (sum[i] !== want || residual[i] !== fsub(mac[i]!, fmul(k, want))) return false;
          }
          return sum.length === n && residual.length === n;
        },
      ),
      { numRuns: 30 },
    );
    expect(() => vopen(vrandom(3), vrandom(3), [new Uint8Array(16)], 1n)).toThrow(RangeError);
  });

  it('vbeaverOpen opens d, e and gives the shares of x·y and the residuals of the opening', () => {
    fc.assert(
      fc.property(
        length.chain((n) =>
          fc.tuple(
            fc.array(col(n, 0), { minLength: 10, maxLength: 10 }),
            fc.array(fc.array(word, { minLength: Math.min(2 * n, 8), maxLength: Math.min(2 * n, 8) }), { minLength: 0, maxLength: 3 }),
          ),
        ),
        elem,
        fc.boolean(),
        ([[d0, e0, xm, ym, av, am, bv, bm, cv, cm], heads], k, addsPublic) => {
          const n = d0!.length;
          const own = ownOpening(d0!, e0!);
          const peers = peerWords(2 * n, heads);
          const z = vbeaverOpen(own, peers.map((p) => new Uint8Array(p.buffer)), { xm: xm!, ym: ym!, av: av!, am: am!, bv: bv!, bm: bm!, cv: cv!, cm: cm! }, k, addsPublic);
          if (z.value.length !== n || z.mac.length !== n || z.residual.length !== 2 * n) return false;
          return rowsOf(n).every((i) => {
            const d = peers.reduce((s, p) => fadd(s, canon(p[i]!)), own[i]!);
            const e = peers.reduce((s, p) => fadd(s, canon(p[n + i]!)), own[n + i]!);
            const de = fmul(d, e);
            return (
              z.value[i] === mod(cv![i]! + d * bv![i]! + e * av![i]! + (addsPublic ? de : 0n)) &&
              z.mac[i] === mod(cm![i]! + d * bm![i]! + e * am![i]! + k * de) &&
              z.residual[i] === mod(xm![i]! - am![i]! - k * d) &&
              z.residual[n + i] === mod(ym![i]! - bm![i]! - k * e)
            );
          });
        },
      ),
      { numRuns: 30 },
    );
    // The largest operands everywhere (the kernel sums once-folded products before reducing).
    for (const [top, low, peer] of [[P - 1n, 0n, 0n], [0n, P - 1n, 0n], [P - 1n, 0n, (1n << 64n) - 1n]] as const) {
      const t = new BigUint64Array(3).fill(top);
      const l = new BigUint64Array(3).fill(low);
      const own = new BigUint64Array(6).fill(P - 1n);
      const z = vbeaverOpen(own, [new Uint8Array(new BigUint64Array(6).fill(peer).buffer)], { xm: l, ym: l, av: t, am: t, bv: t, bm: t, cv: t, cm: t }, P - 1n, true);
      const d = fadd(P - 1n, peer % P);
      expect(Array.from(z.value)).toEqual(Array(3).fill(mod(top + 2n * d * top + d * d)));
      expect(Array.from(z.mac)).toEqual(Array(3).fill(mod(top + 2n * d * top + (P - 1n) * d * d)));
      expect(Array.from(z.residual)).toEqual(Array(6).fill(mod(low - top - (P - 1n) * d)));
    }
    const v = vrandom(4);
    const s = { xm: v, ym: v, av: v, am: v, bv: v, bm: v, cv: v, cm: v };
    expect(() => vbeaverOpen(vrandom(8), [new Uint8Array(8 * 7)], s, 1n, false)).toThrow(RangeError);
    expect(() => vbeaverOpen(vrandom(7), [], s, 1n, false)).toThrow(RangeError);
  });

  it('vbeaverDotOpen is the sum of vbeaverOpen\'s shares, with the same residuals', () => {
    fc.assert(
      fc.property(
        length.chain((n) => fc.tuple(fc.array(col(n, 0), { minLength: 10, maxLength: 10 }), fc.array(fc.array(word, { minLength: Math.min(2 * n, 8), maxLength: Math.min(2 * n, 8) }), { minLength: 0, maxLength: 3 }))),
        elem,
        fc.boolean(),
        ([[d0, e0, xm, ym, av, am, bv, bm, cv, cm], heads], k, addsPublic) => {
          const n = d0!.length;
          const own = ownOpening(d0!, e0!);
          const peers = peerWords(2 * n, heads).map((w) => new Uint8Array(w.buffer));
          const s = { xm: xm!, ym: ym!, av: av!, am: am!, bv: bv!, bm: bm!, cv: cv!, cm: cm! };
          const each = vbeaverOpen(own, peers, s, k, addsPublic);
          const sum = vbeaverDotOpen(own, peers, s, k, addsPublic);
          return sum.value === vsum(each.value) && sum.mac === vsum(each.mac) && sum.residual.every((r, i) => r === each.residual[i]);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('vsquareDotOpen opens d = x − a and gives the shares of Σx² and the residuals of the opening', () => {
    fc.assert(
      fc.property(
        length.chain((n) => fc.tuple(fc.array(col(n, 0), { minLength: 6, maxLength: 6 }), fc.array(fc.array(word, { minLength: Math.min(n, 8), maxLength: Math.min(n, 8) }), { minLength: 0, maxLength: 3 }))),
        elem,
        fc.boolean(),
        ([[own, xm, av, am, aav, aam], heads], k, addsPublic) => {
          const n = own!.length;
          const peers = peerWords(n, heads);
          const z = vsquareDotOpen(own!, peers.map((p) => new Uint8Array(p.buffer)), { xm: xm!, av: av!, am: am!, aav: aav!, aam: aam! }, k, addsPublic);
          let value = 0n;
          let mac = 0n;
          for (let i = 0; i < n; i++) {
            const d = peers.reduce((s, p) => fadd(s, canon(p[i]!)), own![i]!);
            value = mod(value + aav![i]! + 2n * d * av![i]! + (addsPublic ? d * d : 0n));
            mac = mod(mac + aam![i]! + 2n * d * am![i]! + k * d * d);
            if (z.residual[i] !== mod(xm![i]! - am![i]! - k * d)) return false;
          }
          return z.residual.length === n && z.value === value && z.mac === mac;
        },
      ),
      { numRuns: 30 },
    );
    const v = vrandom(4);
    expect(() => vsquareDotOpen(vrandom(4), [new Uint8Array(8 * 3)], { xm: v, av: v, am: v, aav: v, aam: v }, 1n, false)).toThrow(RangeError);
  });

  it('vinputOpen canonicalises ε, hands the transcript its canonical bytes in order, and gives r_v (+ ε) and r_m + k·ε', () => {
    fc.assert(
      fc.property(
        length.chain((n) => fc.tuple(col(n, 0), col(n, 1), fc.array(word, { minLength: Math.min(n, 8), maxLength: Math.min(n, 8) }))),
        elem,
        fc.boolean(),
        ([rv, rm, head], k, addsPublic) => {
          const n = rv.length;
          const [eps] = peerWords(n, [head]);
          const seen: Uint8Array[] = [];
          const x = vinputOpen(new Uint8Array(eps!.buffer), { value: rv, mac: rm }, k, addsPublic, (c) => seen.push(new Uint8Array(c)));
          const canonical = Array.from(eps!, canon);
          if (!Buffer.concat(seen).equals(Buffer.from(new BigUint64Array(canonical).buffer))) return false;
          if (!addsPublic && x.value !== rv) return false;
          return canonical.every((e, i) => x.value[i] === (addsPublic ? fadd(rv[i]!, e) : rv[i]) && x.mac[i] === fadd(rm[i]!, fmul(k, e)));
        },
      ),
      { numRuns: 30 },
    );
    const v = vrandom(4);
    expect(() => vinputOpen(new Uint8Array(8 * 3), { value: v, mac: v }, 1n, true, () => undefined)).toThrow(RangeError);
  });

  it('vsub2 and vsubInto write into a view of a larger vector', () => {
    const [x, a, y, b] = [vrandom(5000), vrandom(5000), vrandom(5000), vrandom(5000)];
    const out = new BigUint64Array(3 * 5000 + 2);
    vsub2(x, a, y, b, out.subarray(1, 1 + 2 * 5000));
    vsubInto(x, a, out.subarray(1 + 2 * 5000, 1 + 3 * 5000));
    expect(out[0]).toBe(0n);
    expect(out[out.length - 1]).toBe(0n);
    expect(Array.from(out.subarray(1, 1 + 2 * 5000))).toEqual(Array.from(vsub2(x, a, y, b)));
    expect(Array.from(out.subarray(1 + 2 * 5000, 1 + 3 * 5000))).toEqual(Array.from(vsub(x, a)));
    expect(() => vsub2(x, a, y, b, new BigUint64Array(3))).toThrow(RangeError);
  });

  it('vdotRandomWords is the dot product with the random words reduced as vfromRandomWords reduces them', () => {
    fc.assert(
      fc.property(length.chain((n) => fc.tuple(fc.array(word, { minLength: Math.min(n, 8), maxLength: Math.min(n, 8) }), col(n, 5))), ([head, t]) => {
        const n = t.length;
        const r = new BigUint64Array(n);
        randomFillSync(r);
        head.forEach((x, i) => (r[i] = x));
        const want = vdot(vfromRandomWords(r.slice()), t);
        let ref = 0n;
        for (let i = 0; i < n; i++) ref = fadd(ref, fmul((r[i]! & P) === P ? 0n : r[i]! & P, t[i]!));
        return vdotRandomWords(new Uint8Array(r.buffer), t) === want && want === ref;
      }),
      { numRuns: 30 },
    );
    expect(() => vdotRandomWords(new Uint8Array(9), vrandom(1))).toThrow(RangeError);
  });
});
