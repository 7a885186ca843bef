import { randomBytes } from 'node:crypto';
import { vrandom, gilboaSend } from '../field/vector';
import { FIELD_BITS, fadd, fmul } from '../field/reference';
import { createMemoryTransports, type MessageInterceptor, type Transport } from '../transport/transport';
import { PrgStream, getBit } from './bits';
import { OtExtReceiver, OtExtSender, type OtExtensionChoice } from './ot-extension';
import { gilboaSendChunk, matrixChunk, messageColumns, packSpans, receiverColumns, rowChunks, senderColumns } from './parallel';
import { KernelPool } from './pool';
import { SharedScratch } from './shared-scratch';
import { blockAlpha, blockSizes, fold, ggmPunctured, ggmTree } from './softspoken';
import { ReusedBuffer, foldColumns, otSenderCore } from './gf2';

const padded = (m: number) => Math.ceil((m + 128) / 64) * 64;

async function pair(ot: OtExtensionChoice, intercept?: MessageInterceptor) {
  const [t0, t1] = createMemoryTransports(2, intercept) as [Transport, Transport];
  const [sender, receiver] = await Promise.all([OtExtSender.setup(t0, 1, ot), OtExtReceiver.setup(t1, 0, ot)]);
  return { t0, t1, sender, receiver };
}

/**
 * Set-up (the base OTs) is most of a test's CPU here, so the tests that leave a pair consistent share
 * one per k, set up on first use: the subspace VOLE, the k tests, the column count and the pool's
 * chunks and Gilboa. (The VOLE test reads the leaves' streams itself, equally at both ends except
 * at the punctured leaf, which only the receiver has: the k tests that follow it check every OT.)
 * Tests that tamper end a pair and set up their own.
 */
const sharedPairs = new Map<number, ReturnType<typeof pair>>();
/** Sees the messages of the shared pairs in flight, while a test sets it. */
let watch: MessageInterceptor | undefined;

function sharedPair(k: number): ReturnType<typeof pair> {
  let p = sharedPairs.get(k);
  if (!p) {
    p = pair({ kind: 'softspoken', k }, (from, to, data) => (watch ? watch(from, to, data) : data));
    sharedPairs.set(k, p);
  }
  return p;
}

/** Every OT: the receiver's output is the sender's message of its choice bit and not the other one. */
function expectOtRelation(v0: Uint8Array, v1: Uint8Array, v: Uint8Array, choices: Uint8Array, m: number, bytes: number): void {
  let wrong = 0;
  for (let j = 0; j < m; j++) {
    const got = Buffer.from(v.subarray(bytes * j, bytes * (j + 1)));
    const want = (getBit(choices, j) ? v1 : v0).subarray(bytes * j, bytes * (j + 1));
    const other = (getBit(choices, j) ? v0 : v1).subarray(bytes * j, bytes * (j + 1));
    if (!got.equals(want) || got.equals(other)) wrong++;
  }
  expect(wrong).toBe(0);
}

describe('SoftSpoken parameters and GGM trees', () => {
  it('splits the 128 base OTs into blocks of k, the last one smaller when k does not divide 128', () => {
    expect(blockSizes(4)).toEqual(Array(32).fill(4));
    expect(blockSizes(5)).toEqual([...Array(25).fill(5), 3]);
    expect(blockSizes(1).length).toBe(128);
    expect(() => blockSizes(0)).toThrow(/k must be/);
    expect(() => blockSizes(2.5)).toThrow(/k must be/);
  });

  it('the punctured tree agrees with the whole tree on every leaf but α, for every α', () => {
    for (const s of [1, 2, 3, 5]) {
      const tree = ggmTree(randomBytes(16), s);
      for (let alpha = 0; alpha < 1 << s; alpha++) {
        // Level ℓ's sum off α's path: K^{¬a}, a the bit of α that level ℓ splits on (bit s − ℓ).
        const known = tree.sums.map((pair, l) => pair[1 - ((alpha >> (s - 1 - l)) & 1)]!);
        const leaves = ggmPunctured(known, s, alpha);
        expect(leaves.length).toBe(1 << s);
        leaves.forEach((leaf, x) => {
          if (x === alpha) expect(leaf).toBeUndefined();
          else expect(leaf!.equals(tree.leaves[x]!)).toBe(true);
        });
        // A wrong level sum gives wrong leaves (the receiver cannot be given arbitrary sums unnoticed by this test).
        const bad = known.map((k) => Buffer.from(k));
        bad[0]![0] = bad[0]![0]! ^ 1;
        const off = ggmPunctured(bad, s, alpha);
        expect(off.some((leaf, x) => x !== alpha && !leaf!.equals(tree.leaves[x]!))).toBe(true);
      }
    }
  });

  it('fold gives u = ⊕ L and v_i = ⊕ of the leaves with bit i, as defined', () => {
    for (const s of [1, 3, 4]) {
      const L = Array.from({ length: 1 << s }, () => new Int32Array(randomBytes(64).buffer));
      const want = Array.from({ length: s }, (_, i) => {
        const o = new Int32Array(16);
        L.forEach((l, y) => {
          if ((y >> i) & 1) for (let w = 0; w < 16; w++) o[w] = o[w]! ^ l[w]!;
        });
        return o;
      });
      const all = new Int32Array(16);
      for (const l of L) for (let w = 0; w < 16; w++) all[w] = all[w]! ^ l[w]!;
      const out = Array.from({ length: s }, () => new Int32Array(16));
      const u = fold(L.map((l) => l.slice()), out);
      expect(Array.from(u)).toEqual(Array.from(all));
      out.forEach((o, i) => expect(Array.from(o)).toEqual(Array.from(want[i]!)));
      // The SIMD folding in linear memory gives the same, and with first = 1 treats leaf 0 as zero.
      for (const first of [0, 1]) {
        const mask = randomBytes(64);
        const simd = foldColumns(s, 64, first, (y, dst) => dst.set(new Uint8Array(L[y]!.buffer)), mask);
        for (let b = 0; b < 64; b++) simd.u[b] = simd.u[b]! ^ mask[b]!;
        const ref = Array.from({ length: s }, () => new Int32Array(16));
        const refU = fold(L.map((l, y) => (y < first ? new Int32Array(16) : l.slice())), ref);
        expect(Buffer.from(simd.u).equals(Buffer.from(refU.buffer))).toBe(true);
        simd.out.forEach((o, i) => expect(Buffer.from(o).equals(Buffer.from(ref[i]!.buffer))).toBe(true));
      }
    }
  });

  it('the subspace VOLE gives Q = T ⊕ r·Δ column by column, and not for a wrong Δ', async () => {
    for (const k of [2, 3]) {
      const { sender, receiver } = await sharedPair(k);
      const M = 512;
      const colBytes = M / 8;
      const r = randomBytes(colBytes);
      const rx = receiverColumns(receiver.shape, packSpans(receiver.t0.map((s) => s.skip(colBytes))), packSpans([]), r, 0, M);
      const msg = new Uint8Array(rx.msg.length * colBytes);
      rx.msg.forEach((c, i) => msg.set(c, i * colBytes));
      expect(rx.msg.length).toBe(messageColumns(receiver.shape));
      const sx = senderColumns(sender.shape, packSpans(sender.streams.map((s) => s.skip(colBytes))), msg, colBytes, 0, M);
      const delta = new Uint8Array(sender.delta.buffer);
      for (let i = 0; i < 128; i++) {
        const q = Buffer.from(sx.g[i]!);
        if (getBit(delta, i)) for (let b = 0; b < colBytes; b++) q[b] = q[b]! ^ sx.u[i * colBytes + b]!;
        const want = Buffer.from(rx.t[i]!);
        if (getBit(delta, i)) for (let b = 0; b < colBytes; b++) want[b] = want[b]! ^ r[b]!;
        expect(q.equals(want)).toBe(true);
        // Without Δ's bit the relation fails (r is random, so r ≠ 0 here).
        const wrong = Buffer.from(rx.t[i]!);
        if (!getBit(delta, i)) for (let b = 0; b < colBytes; b++) wrong[b] = wrong[b]! ^ r[b]!;
        expect(q.equals(wrong)).toBe(false);
      }
      // The punctured point is Δ's block: the sender's leaves are the receiver's, relabelled by α.
      let o = 0;
      let leaf = 0;
      let rleaf = 0;
      for (const s of sender.shape!) {
        const alpha = blockAlpha(delta, o, s);
        for (let y = 1; y < 1 << s; y++) {
          const a = sender.streams[leaf++]!.next(16);
          const b = receiver.t0[rleaf + (y ^ alpha)]!.next(16);
          expect(a.equals(b)).toBe(true);
        }
        rleaf += 1 << s;
        o += s;
      }
    }
  });
});

describe('SoftSpoken OT extension (random OTs, KOS check)', () => {
  it.each([1, 2, 3, 4, 5, 8])('k = %i: the receiver gets exactly the message of its choice bit, over several extensions', async (k) => {
    const { t0, t1, sender, receiver } = await sharedPair(k);
    for (const m of [1, 200, 1000]) {
      const choices = randomBytes(Math.ceil(m / 8));
      const [{ v0, v1 }, v] = await Promise.all([sender.extend(t0, m, 2), receiver.extend(t1, choices, m, 2)]);
      expectOtRelation(v0, v1, v, choices, m, 32);
    }
  }, 60_000);

  it('sends ⌈128/k⌉ columns instead of 128', async () => {
    const sizes: number[] = [];
    const { t0, t1, sender, receiver } = await sharedPair(4);
    watch = (from, _to, data) => {
      if (from === 1) sizes.push(data.length);
      return data;
    };
    const m = 1000;
    try {
      await Promise.all([sender.extend(t0, m, 1), receiver.extend(t1, randomBytes(125), m, 1)]);
    } finally {
      watch = undefined;
    }
    expect(sizes[0]).toBe(32 * (padded(m) / 8) + 32);
  });

  /**
   * Tampering with the receiver's messages: each must end in OT_CHECK_FAILED at the sender. A flipped
   * correction bit of block j changes the sender's rows by that block's part of Δ, so it is invisible
   * when those s bits of Δ are all zero (probability 2^-s: the guess KOS's analysis allows a cheating
   * receiver, which then learns those bits). The claim tested is that every visible inconsistency
   * aborts: with `block`, pairs whose Δ is zero on that block are drawn again.
   */
  const tamper = (what: string, k: number, change: (d: Uint8Array, colBytes: number) => void, setup = false, block?: number) =>
    it(`aborts with OT_CHECK_FAILED when ${what} (k = ${k})`, async () => {
      let armed = setup;
      const sizes = blockSizes(k);
      const cols = sizes.length;
      const visible = (delta: Uint32Array) => block === undefined || blockAlpha(new Uint8Array(delta.buffer), sizes.slice(0, block).reduce((a, b) => a + b, 0), sizes[block]!) !== 0;
      let drawn: Awaited<ReturnType<typeof pair>> | undefined;
      for (let attempt = 0; attempt < 40 && !(drawn && visible(drawn.sender.delta)); attempt++) {
        drawn = await pair({ kind: 'softspoken', k }, (from, _to, data) => {
        if (from !== 1) return data;
        if (setup && armed && data.length === 32 * 128) {
          armed = false;
          const d = new Uint8Array(data);
          change(d, 0);
          return d;
        }
        if (!setup && armed && data.length > 1000) {
          const d = new Uint8Array(data);
          change(d, (d.length - 32) / cols);
          return d;
        }
        return data;
        });
      }
      expect(visible(drawn!.sender.delta)).toBe(true);
      const { t0, t1, sender, receiver } = drawn!;
      armed = true;
      const m = 512;
      const results = await Promise.allSettled([sender.extend(t0, m, 1), receiver.extend(t1, randomBytes(m / 8), m, 1)]);
      expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'OT_CHECK_FAILED' } });
    }, 30_000);

  // A choice bit that differs between blocks: the correction of one block flipped at row 3.
  tamper('the receiver uses an inconsistent choice bit in one block', 4, (d, colBytes) => {
    d[5 * colBytes] = d[5 * colBytes]! ^ 0x08;
  }, false, 5);
  tamper('the receiver uses inconsistent choice bits in the last, shorter block', 5, (d, colBytes) => {
    d[25 * colBytes + 2] = d[25 * colBytes + 2]! ^ 0x01;
  }, false, 25);
  // Both level sums of one GGM level altered: whichever the sender opens, its leaves below are wrong.
  tamper('the receiver sends a malformed punctured tree', 4, (d) => {
    d[32 * 9] = d[32 * 9]! ^ 0x40;
    d[32 * 9 + 16] = d[32 * 9 + 16]! ^ 0x40;
  }, true);

  it('aborts with OT_CHECK_FAILED when the sender\'s check seed is altered on the way (the check masks then differ)', async () => {
    let armed = false;
    const { t0, t1, sender, receiver } = await pair({ kind: 'softspoken', k: 4 }, (from, _to, data) => {
      if (armed && from === 0 && data.length === 32) {
        const d = new Uint8Array(data);
        d[0] = d[0]! ^ 1;
        return d;
      }
      return data;
    });
    armed = true;
    const results = await Promise.allSettled([sender.extend(t0, 512, 1), receiver.extend(t1, randomBytes(64), 512, 1)]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'OT_CHECK_FAILED' } });
  });

  it('refuses a peer running KOS (PROTOCOL_VIOLATION), both ways', async () => {
    for (const [a, b] of [[{ kind: 'softspoken', k: 4 }, { kind: 'kos' }], [{ kind: 'kos' }, { kind: 'softspoken', k: 4 }]] as Array<[OtExtensionChoice, OtExtensionChoice]>) {
      const [t0, t1] = createMemoryTransports(2) as [Transport, Transport];
      const results = await Promise.allSettled([
        OtExtSender.setup(t0, 1, a).then((s) => s.extend(t0, 61, 1)).finally(() => t0.close()),
        OtExtReceiver.setup(t1, 0, b).then((r) => r.extend(t1, randomBytes(8), 61, 1)).finally(() => t1.close()),
      ]);
      expect(results.some((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'PROTOCOL_VIOLATION')).toBe(true);
    }
  });
});

describe('SoftSpoken on the kernel pool', () => {
  let pool: KernelPool;
  beforeAll(() => {
    pool = new KernelPool(2);
  });
  afterAll(() => pool.close());

  it('chunks give the whole-range columns bit for bit (sender with Gilboa, receiver matrix)', async () => {
    const { sender, receiver } = await sharedPair(3);
    const T = 200;
    const m = T * FIELD_BITS;
    const M = padded(m);
    const colBytes = M / 8;
    const cols = messageColumns(receiver.shape);
    const r = randomBytes(colBytes);
    const rSpans = packSpans(receiver.t0.map((s) => s.skip(colBytes)));
    const whole = receiverColumns(receiver.shape, rSpans, packSpans([]), r, 0, M);
    const sc = new SharedScratch();
    const rS = sc.bytes('r', colBytes);
    rS.set(r);
    const u = sc.bytes('u', cols * colBytes);
    const t0Out = sc.bytes('t0', 128 * colBytes);
    const chunks = rowChunks(T, m, M, 3);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) matrixChunk({ r0: c.r0, r1: c.r1, shape: receiver.shape, t0: rSpans, t1: packSpans([]), r: rS, colBytes, u, t0Out });
    whole.msg.forEach((c, i) => expect(Buffer.from(u.subarray(i * colBytes, (i + 1) * colBytes)).equals(Buffer.from(c))).toBe(true));
    whole.t.forEach((c, i) => expect(Buffer.from(t0Out.subarray(i * colBytes, (i + 1) * colBytes)).equals(Buffer.from(c))).toBe(true));

    const sSpans = packSpans(sender.streams.map((s) => s.skip(colBytes)));
    const masks = new PrgStream(randomBytes(16), 'masks');
    const mk = packSpans([masks.skip(40 * colBytes)]);
    const delta = new Uint8Array(sender.delta.buffer);
    const sx = senderColumns(sender.shape, sSpans, u, colBytes, 0, M);
    const a = vrandom(T * 4);
    // No check parities here (checks = 0): the chunks' parities are compared in the pooled runs below.
    const core = otSenderCore(sx.g, sx.u, delta, () => undefined, 0, M, m, 2, 9, [new ReusedBuffer(), new ReusedBuffer()]);
    const want = gilboaSend(core.v0, core.v1, a, T, FIELD_BITS);
    const job = { shape: sender.shape, g: sSpans, u, colBytes, delta, masks: mk, checks: 40, tweakBase: 9, a: sc.words('a', T * 4), d: sc.words('d', m * 4), share: sc.words('share', T * 4) };
    job.a.set(a);
    for (const c of chunks) gilboaSendChunk({ ...c, ...job });
    expect(Array.from(job.d)).toEqual(Array.from(want.d));
    expect(Array.from(job.share)).toEqual(Array.from(want.share));
  });

  it('runs Gilboa over SoftSpoken on the pool: shares of a·b', async () => {
    const { t0, t1, sender, receiver } = await sharedPair(4);
    for (const T of [3, 300]) {
      const a = vrandom(T * 4);
      const b = vrandom(T);
      const bits = new Uint8Array(Math.ceil((T * FIELD_BITS) / 8));
      for (let t = 0; t < T; t++) for (let l = 0; l < FIELD_BITS; l++) if ((b[t]! >> BigInt(l)) & 1n) bits[(t * FIELD_BITS + l) >> 3]! |= 1 << ((t * FIELD_BITS + l) & 7);
      const [s, recv] = await Promise.all([
        sender.gilboa(t0, pool, a, T).then(({ d, share }) => {
          t0.send(1, d);
          return share;
        }),
        receiver.gilboa(t1, pool, bits, T),
      ]);
      let wrong = 0;
      for (let t = 0; t < T; t++) for (let k = 0; k < 4; k++) if (fadd(s[t * 4 + k]!, recv[t * 4 + k]!) !== fmul(a[t * 4 + k]!, b[t]!)) wrong++;
      expect(wrong).toBe(0);
    }
  }, 60_000);

  it('aborts with OT_CHECK_FAILED on the pool when the receiver uses an inconsistent choice bit', async () => {
    let armed = false;
    // The flipped correction bit is in block 7 (k = 4: Δ's bits 28-31); as in the tamper tests above it
    // is invisible when Δ is zero there (probability 2^-4), so such pairs are drawn again.
    const visible = (delta: Uint32Array) => blockAlpha(new Uint8Array(delta.buffer), 7 * 4, 4) !== 0;
    let drawn: Awaited<ReturnType<typeof pair>> | undefined;
    for (let attempt = 0; attempt < 40 && !(drawn && visible(drawn.sender.delta)); attempt++) {
      drawn = await pair({ kind: 'softspoken', k: 4 }, (from, _to, data) => {
        if (armed && from === 1 && data.length > 1000) {
          const d = new Uint8Array(data);
          const colBytes = (d.length - 32) / 32;
          d[7 * colBytes + 9] = d[7 * colBytes + 9]! ^ 0x10;
          return d;
        }
        return data;
      });
    }
    expect(visible(drawn!.sender.delta)).toBe(true);
    const { t0, t1, sender, receiver } = drawn!;
    armed = true;
    const T = 100;
    const results = await Promise.allSettled([
      sender.gilboa(t0, pool, vrandom(T * 4), T).finally(() => t0.close()),
      receiver.gilboa(t1, pool, randomBytes(Math.ceil((T * FIELD_BITS) / 8)), T),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'OT_CHECK_FAILED' } });
  }, 60_000);
});
