import { P } from '../field/reference';
import type { FieldVec } from '../field/vector';
import { fromBigInts } from '../field/vector';
import type { PartyPreprocessing } from '../preprocessing/store';
import { dealPreprocessing } from '../preprocessing/trusted-dealer';
import type { MessageInterceptor } from '../transport/transport';
import { runLocalPartiesSettled } from './local-run';
import type { MpcParty } from './party';
import type { Shared, TripleShares } from './shares';

const N = 5; // vector length; 40-byte share messages are distinguishable from commitments (32/64/72 bytes)
const xs = fromBigInts([1n, 2n, 3n, 4n, 5n]);
const ys = fromBigInts([10n, 20n, 30n, 40n, 50n]);

function bump(v: FieldVec, i = 0): FieldVec {
  const w = v.slice();
  w[i] = (w[i]! + 1n) % P;
  return w;
}

async function product(p: MpcParty, tamper?: (s: Shared) => Shared): Promise<FieldVec> {
  const x = await p.input(0, p.id === 0 ? xs : N);
  const y = await p.input(2, p.id === 2 ? ys : N);
  const z = await p.mul(x, y);
  return p.open(tamper ? tamper(z) : z);
}

/** Runs the product and expects every honest party (0 and 2; party 1 cheats) to abort with `code`. */
async function expectAbort(
  code: string,
  opts: { tamper?: (s: Shared) => Shared; intercept?: MessageInterceptor; wrap?: (pre: PartyPreprocessing) => PartyPreprocessing },
): Promise<void> {
  const { stores } = dealPreprocessing({ parties: 3, triples: 2 * N, masks: 2 * N });
  const pres: PartyPreprocessing[] = stores.map((s, i) => (i === 1 && opts.wrap ? opts.wrap(s) : s));
  const results = await runLocalPartiesSettled(
    pres,
    (p) => product(p, p.id === 1 ? opts.tamper : undefined),
    opts.intercept,
  );
  for (const i of [0, 2]) {
    const r = results[i]!;
    expect(r.status).toBe('rejected');
    expect((r as PromiseRejectedResult).reason).toMatchObject({ code });
  }
}

function withTriples(pre: PartyPreprocessing, f: (t: TripleShares) => TripleShares): PartyPreprocessing {
  return {
    party: pre.party,
    parties: pre.parties,
    macKeyShare: pre.macKeyShare,
    takeTriples: (n) => f(pre.takeTriples(n)),
    takeMasks: (o, n) => pre.takeMasks(o, n),
    takeSquares: (n) => pre.takeSquares(n),
    availableSquares: () => pre.availableSquares(),
    availableTriples: () => pre.availableTriples(),
    availableMasks: (o) => pre.availableMasks(o),
  };
}

describe('any tampering aborts the computation with the failed check named', () => {
  it('runs cleanly without tampering (the control)', async () => {
    const { stores } = dealPreprocessing({ parties: 3, triples: 2 * N, masks: 2 * N });
    const results = await runLocalPartiesSettled(stores, (p) => product(p));
    for (const r of results) {
      expect(r.status).toBe('fulfilled');
      expect(Array.from((r as PromiseFulfilledResult<FieldVec>).value)).toEqual([10n, 40n, 90n, 160n, 250n]);
    }
  });

  it('a modified value share fails the MAC check', async () => {
    await expectAbort('MAC_CHECK_FAILED', { tamper: (s) => ({ value: bump(s.value), mac: s.mac }) });
  });

  it('a modified MAC share fails the MAC check', async () => {
    await expectAbort('MAC_CHECK_FAILED', { tamper: (s) => ({ value: s.value, mac: bump(s.mac, 3) }) });
  });

  it('an opened value altered in transit (to every party alike) fails the MAC check', async () => {
    let hits = 0;
    await expectAbort('MAC_CHECK_FAILED', {
      intercept: (from, _to, data) => {
        // Party 1's share of the final opening (the only N-word message after the Beaver opening).
        if (from === 1 && data.length === N * 8 && ++hits > 0) {
          const w = new BigUint64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
          return new Uint8Array(bump(w, 2).buffer);
        }
        return data;
      },
    });
    expect(hits).toBeGreaterThan(0);
  });

  it('an opened value sent differently to different parties fails the MAC check', async () => {
    await expectAbort('MAC_CHECK_FAILED', {
      intercept: (from, to, data) => {
        if (from === 1 && to === 2 && data.length === N * 8) {
          const w = new BigUint64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
          return new Uint8Array(bump(w, 1).buffer);
        }
        return data;
      },
    });
  });

  it('an input owner sending different masked inputs to different parties fails the broadcast check', async () => {
    const { stores } = dealPreprocessing({ parties: 3, triples: 0, masks: N });
    const results = await runLocalPartiesSettled(
      stores,
      async (p) => {
        await p.input(0, p.id === 0 ? xs : N);
        await p.macCheck();
      },
      (from, to, data) => {
        if (from === 0 && to === 2 && data.length === N * 8) {
          const w = new BigUint64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
          return new Uint8Array(bump(w).buffer);
        }
        return data;
      },
    );
    for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'BROADCAST_MISMATCH' } });
  });

  it('a modified triple component (c) fails the MAC check', async () => {
    await expectAbort('MAC_CHECK_FAILED', { wrap: (pre) => withTriples(pre, (t) => ({ ...t, c: { ...t.c, value: bump(t.c.value) } })) });
  });

  it('a modified triple component (a) fails the MAC check', async () => {
    await expectAbort('MAC_CHECK_FAILED', { wrap: (pre) => withTriples(pre, (t) => ({ ...t, a: { ...t.a, value: bump(t.a.value, 4) } })) });
  });

  it('a modified square pair fails the MAC check', async () => {
    const { stores } = dealPreprocessing({ parties: 3, triples: 0, masks: N, squares: N });
    const pres: PartyPreprocessing[] = stores.map((s, i) =>
      i !== 1
        ? s
        : { ...withTriples(s, (t) => t), takeSquares: (n: number) => {
            const q = s.takeSquares(n);
            return { a: q.a, aa: { ...q.aa, value: bump(q.aa.value) } };
          } },
    );
    const results = await runLocalPartiesSettled(pres, async (p) => {
      const x = await p.input(0, p.id === 0 ? xs : N);
      return p.open(await p.dot(x, x));
    });
    for (const i of [0, 2]) expect(results[i]).toMatchObject({ status: 'rejected', reason: { code: 'MAC_CHECK_FAILED' } });
  });

  it('an opened value of a long multiplication altered in transit, past the first chunk, fails the MAC check', async () => {
    const n = 2 * 4096 + 5; // the opening and the MAC check stream in 4096-word chunks
    const { stores } = dealPreprocessing({ parties: 3, triples: n, masks: 2 * n });
    let hits = 0;
    const results = await runLocalPartiesSettled(
      stores,
      async (p) => {
        const x = await p.input(0, p.id === 0 ? fromBigInts(Array.from({ length: n }, (_, i) => BigInt(i))) : n);
        await p.mul(x, x);
        await p.macCheck(); // over the Beaver opening alone: only its element n + 4097 carries the error
      },
      (from, to, data) => {
        // Party 1's share of e = y − b (the second half of the Beaver opening), element 4097, to party 2 only.
        if (from === 1 && to === 2 && data.length === 2 * n * 8) {
          hits++;
          const w = new BigUint64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
          return new Uint8Array(bump(w, n + 4097).buffer);
        }
        return data;
      },
    );
    expect(hits).toBe(1);
    for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'MAC_CHECK_FAILED' } });
  });

  it.each([
    ['the square pair\'s x − a', 0],
    ['the product\'s e = y − b', 1],
  ])('a batched dot opening altered in transit past the first chunk (%s) fails the MAC check', async (_what, segment) => {
    const n = 4096 + 7; // the passes stream in 4096-word chunks
    const { stores } = dealPreprocessing({ parties: 3, triples: n, masks: 2 * n, squares: n });
    let hits = 0;
    const results = await runLocalPartiesSettled(
      stores,
      async (p) => {
        const x = await p.input(0, p.id === 0 ? fromBigInts(Array.from({ length: n }, (_, i) => BigInt(i))) : n);
        const y = await p.input(0, p.id === 0 ? fromBigInts(Array.from({ length: n }, (_, i) => BigInt(3 * i))) : n);
        await p.dots([[x, x], [x, y]]); // one opening: [x − a' (square) ‖ x − a ‖ y − b]
        await p.macCheck();
      },
      (from, to, data) => {
        if (from === 1 && to === 2 && data.length === 3 * n * 8) {
          hits++;
          const w = new BigUint64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
          return new Uint8Array(bump(w, segment === 0 ? 4100 : 2 * n + 4100).buffer);
        }
        return data;
      },
    );
    expect(hits).toBe(1);
    for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'MAC_CHECK_FAILED' } });
  });

  it('an opening that does not match its commitment is rejected', async () => {
    await expectAbort('COMMITMENT_MISMATCH', {
      intercept: (from, _to, data) => {
        // The MAC-check opening: 32-byte nonce, 8-byte σ, 32-byte transcript digest.
        if (from === 1 && data.length === 72) {
          const d = new Uint8Array(data);
          d[33] = d[33]! ^ 1;
          return d;
        }
        return data;
      },
    });
  });

  it('a malformed message is a protocol violation', async () => {
    await expectAbort('PROTOCOL_VIOLATION', {
      intercept: (from, _to, data) => (from === 1 && data.length === N * 8 ? data.subarray(8) : data),
    });
  });
});
