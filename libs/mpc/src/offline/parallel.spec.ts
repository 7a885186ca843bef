import { randomBytes } from 'node:crypto';
import { copeReceive, copeSend, gilboaReceive, gilboaSend, vrandom } from '../field/vector';
import { FIELD_BITS, fadd, fmul } from '../field/reference';
import { createMemoryTransports, type MessageInterceptor, type Transport } from '../transport/transport';
import { PrgStream, prgFillAt } from './bits';
import { otReceiverCore, otReceiverMatrix, otSenderCore, ReusedBuffer } from './gf2';
import { OtExtReceiver, OtExtSender } from './ot-extension';
import {
  copeReceiveChunk, copeSendChunk, elementChunks, gilboaReceiveChunk, gilboaSendChunk, matrixChunk, packSpans, receiverChunk,
  rowChunks,
} from './parallel';
import { KernelPool } from './pool';
import { SharedScratch, xorAll } from './shared-scratch';

const streams = (n: number, label: string) => {
  const seeds = Array.from({ length: n }, () => randomBytes(16));
  return () => seeds.map((s) => new PrgStream(s, label));
};
const padded = (m: number) => Math.ceil((m + 128) / 64) * 64;

describe('seekable PRG streams', () => {
  it('prgFillAt gives the bytes the stream gives at any offset, and skip moves the stream on', () => {
    const seed = randomBytes(16);
    const whole = new PrgStream(seed, 'x').next(5000);
    for (const [off, len] of [[0, 16], [5, 40], [16, 17], [1000, 3000], [4999, 1]] as const) {
      const s = new PrgStream(seed, 'x');
      const span = s.skip(off);
      expect(span.offset).toBe(0);
      const got = new Uint8Array(len);
      prgFillAt(span, off, got);
      expect(Buffer.from(got).equals(whole.subarray(off, off + len))).toBe(true);
      // The stream continues after the skipped stretch, whatever was read before.
      expect(s.next(len).equals(whole.subarray(off, off + len))).toBe(true);
    }
    const s = new PrgStream(seed, 'x');
    s.next(7);
    const span = s.skip(100);
    expect(span.offset).toBe(7);
    expect(s.next(9).equals(whole.subarray(107, 116))).toBe(true);
  });
});

describe('chunks of the triple arithmetic give the single-threaded results bit for bit', () => {
  it('OT-extension sender with Gilboa', () => {
    for (const T of [5, 200]) {
      const m = T * FIELD_BITS;
      const M = padded(m);
      const colBytes = M / 8;
      const g = streams(128, 'ot-ext');
      const masks = streams(1, 'masks');
      const u = randomBytes(128 * colBytes);
      const delta = randomBytes(16);
      const a = vrandom(T * 4);
      const whole = otSenderCore(g().map((s) => s.next(colBytes)), u, delta, (d) => masks()[0]!.fill(d), 40, M, m, 2, 77, [new ReusedBuffer(), new ReusedBuffer()]);
      const want = gilboaSend(whole.v0, whole.v1, a, T, FIELD_BITS);

      const sc = new SharedScratch();
      const job = {
        g: packSpans(g().map((s) => s.skip(colBytes))), u: sc.bytes('u', u.length), colBytes, delta, masks: packSpans([masks()[0]!.skip(40 * colBytes)]),
        checks: 40, tweakBase: 77, a: sc.words('a', T * 4), d: sc.words('d', m * 4), share: sc.words('share', T * 4),
      };
      job.u.set(u);
      job.a.set(a);
      const parts = rowChunks(T, m, M, 4).map((c) => gilboaSendChunk({ ...c, ...job }));
      expect(Buffer.from(xorAll(parts)).equals(Buffer.from(whole.parities))).toBe(true);
      expect(Array.from(job.d)).toEqual(Array.from(want.d));
      expect(Array.from(job.share)).toEqual(Array.from(want.share));
    }
  });

  it('OT-extension receiver (matrix, check values, outputs) with Gilboa', () => {
    const T = 200;
    const m = T * FIELD_BITS;
    const M = padded(m);
    const colBytes = M / 8;
    const t0 = streams(128, 'ot-ext');
    const t1 = streams(128, 'ot-ext');
    const masks = streams(1, 'masks');
    const r = randomBytes(colBytes);
    const d = randomBytes(m * 32);
    const t0cols = t0().map((s) => s.next(colBytes));
    const msg = otReceiverMatrix(t0cols, t1().map((s) => s.next(colBytes)), r, 0);
    const core = otReceiverCore(t0cols, r, (dst) => masks()[0]!.fill(dst), 40, M, m, 2, 5, new ReusedBuffer());
    const want = gilboaReceive(core.v, r, d, T, FIELD_BITS);

    const sc = new SharedScratch();
    const rS = sc.bytes('r', colBytes);
    rS.set(r);
    const u = sc.bytes('u', 128 * colBytes);
    const t0Out = sc.bytes('t0', 128 * colBytes);
    const chunks = rowChunks(T, m, M, 3);
    expect(chunks.length).toBeGreaterThan(1);
    const p0 = packSpans(t0().map((s) => s.skip(colBytes)));
    const p1 = packSpans(t1().map((s) => s.skip(colBytes)));
    for (const c of chunks) matrixChunk({ r0: c.r0, r1: c.r1, t0: p0, t1: p1, r: rS, colBytes, u, t0Out });
    expect(Buffer.from(u).equals(msg)).toBe(true);
    const v = sc.bytes('v', m * 32);
    const mk = packSpans([masks()[0]!.skip(40 * colBytes)]);
    const parts = chunks.map((c) => receiverChunk({ ...c, t0: t0Out, r: rS, colBytes, masks: mk, checks: 40, tweakBase: 5, v }));
    expect(Buffer.from(xorAll(parts.map((p) => p.x))).equals(Buffer.from(core.x))).toBe(true);
    expect(Buffer.from(xorAll(parts.map((p) => p.parities))).equals(Buffer.from(core.parities))).toBe(true);
    expect(Buffer.from(v).equals(core.v)).toBe(true);
    const out = sc.words('out', T * 4);
    const dS = sc.bytes('d', d.length);
    dS.set(d);
    for (const c of chunks) gilboaReceiveChunk({ ...c, v, bits: rS, d: dS, out });
    expect(Array.from(out)).toEqual(Array.from(want));
  });

  it('COPE, both sides', () => {
    const n = 1001;
    const x = vrandom(n);
    const s0 = streams(FIELD_BITS, 'cope');
    const s1 = streams(FIELD_BITS, 'cope');
    const deltaBits = Array.from({ length: FIELD_BITS }, () => Number(randomBytes(1)[0]! & 1));
    const a = s0();
    const b = s1();
    const want = copeSend(x, a.map((s) => (d: Uint8Array) => s.fill(d)), b.map((s) => (d: Uint8Array) => s.fill(d)));
    const sc = new SharedScratch();
    const job = {
      x: sc.words('x', n), s0: packSpans(s0().map((s) => s.skip(8 * n))), s1: packSpans(s1().map((s) => s.skip(8 * n))),
      msg: sc.words('msg', FIELD_BITS * n), share: sc.words('share', n),
    };
    job.x.set(x);
    const chunks = elementChunks(n, 3);
    expect(chunks.length).toBe(3);
    for (const c of chunks) copeSendChunk({ ...c, ...job });
    expect(Buffer.from(new Uint8Array(job.msg.buffer, 0, job.msg.byteLength)).equals(Buffer.from(want.msg))).toBe(true);
    expect(Array.from(job.share)).toEqual(Array.from(want.share));

    const q = copeReceive(want.msg, n, s0().map((s) => (d: Uint8Array) => s.fill(d)), deltaBits);
    const share = sc.words('q', n);
    const sp = packSpans(s0().map((s) => s.skip(8 * n)));
    for (const c of chunks) copeReceiveChunk({ ...c, u: job.msg, s: sp, deltaBits, share });
    expect(Array.from(share)).toEqual(Array.from(q));
  });
});

describe('the kernel pool', () => {
  let pool: KernelPool;
  beforeAll(() => {
    pool = new KernelPool(2);
  });
  afterAll(() => pool.close());

  async function pair(intercept?: MessageInterceptor) {
    const [t0, t1] = createMemoryTransports(2, intercept) as [Transport, Transport];
    const [sender, receiver] = await Promise.all([OtExtSender.setup(t0, 1), OtExtReceiver.setup(t1, 0)]);
    return { t0, t1, sender, receiver };
  }

  it('runs Gilboa over the OT extension: shares of a·b, with the messages of the single-threaded path', async () => {
    const shapes: number[][] = [[], []];
    const { t0, t1, sender, receiver } = await pair((from, _to, data) => {
      shapes[1]!.push(from, data.length);
      return data;
    });
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
      for (let t = 0; t < T; t += 7) for (let k = 0; k < 4; k++) expect(fadd(s[t * 4 + k]!, recv[t * 4 + k]!)).toBe(fmul(a[t * 4 + k]!, b[t]!));
    }
    // The same message sizes, from the same parties, in the same order as extend() and gilboaSend.
    const single = await pair((from, _to, data) => {
      shapes[0]!.push(from, data.length);
      return data;
    });
    for (const T of [3, 300]) {
      const m = T * FIELD_BITS;
      await Promise.all([
        single.sender.extend(single.t0, m, 2).then(({ v0, v1 }) => single.t0.send(1, new Uint8Array(gilboaSend(v0, v1, vrandom(T * 4), T, FIELD_BITS).d.buffer))),
        single.receiver.extend(single.t1, randomBytes(Math.ceil(m / 8)), m, 2).then(() => single.t1.receive(0)),
      ]);
    }
    expect(shapes[1]).toEqual(shapes[0]);
  }, 60_000);

  it('aborts with OT_CHECK_FAILED when the receiver uses inconsistent choice bits', async () => {
    let armed = false;
    const { t0, t1, sender, receiver } = await pair((from, _to, data) => {
      if (armed && from === 1 && data.length > 1000) {
        const d = new Uint8Array(data);
        const colBytes = (d.length - 32) / 128;
        for (let i = 0; i < 128; i++) d[i * colBytes + 9] = d[i * colBytes + 9]! ^ 0x10;
        return d;
      }
      return data;
    });
    armed = true;
    const T = 100;
    // An abort closes the aborting party's channels (as the online phase does), so the receiver, waiting
    // for corrections that never come, fails too.
    const results = await Promise.allSettled([
      sender.gilboa(t0, pool, vrandom(T * 4), T).finally(() => t0.close()),
      receiver.gilboa(t1, pool, randomBytes(Math.ceil((T * FIELD_BITS) / 8)), T),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'OT_CHECK_FAILED' } });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'PROTOCOL_VIOLATION' } });
  }, 60_000);

  it('starts its workers on the first job and ends them after idleMs without one, starting them again for the next', async () => {
    const lazy = new KernelPool(2, 200);
    try {
      expect(lazy.liveWorkers).toBe(0);
      // A job the worker refuses still needs a live worker to answer it.
      await expect(lazy.run('copeSend', [{ n: 4, e0: 0, e1: 4 } as never])).rejects.toThrow(/kernel pool: /);
      expect(lazy.liveWorkers).toBe(1);
      await new Promise((r) => setTimeout(r, 600));
      expect(lazy.liveWorkers).toBe(0);
      await expect(lazy.run('copeSend', [{ n: 4, e0: 0, e1: 4 } as never, { n: 4, e0: 0, e1: 4 } as never])).rejects.toThrow(/kernel pool: (?!a worker exited)/);
      expect(lazy.liveWorkers).toBe(2);
    } finally {
      await lazy.close();
    }
    expect(lazy.liveWorkers).toBe(0);
  }, 60_000);

  it('reports a failing job and refuses work once closed', async () => {
    await expect(pool.run('copeSend', [{ n: 4, e0: 0, e1: 4 } as never])).rejects.toThrow(/kernel pool/);
    const other = new KernelPool(2);
    await other.close();
    await expect(other.run('copeSend', [{ n: 4, e0: 0, e1: 4 } as never])).rejects.toThrow('kernel pool closed');
  });
});
