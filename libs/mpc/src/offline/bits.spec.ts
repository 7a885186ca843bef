import { randomFillSync } from 'node:crypto';
import { columnsToRows, hashRows, parities, transpose32 } from './gf2-reference';
import { gf2Kernels } from './gf2';

const random = (n: number) => {
  const b = new Uint8Array(n);
  randomFillSync(b);
  return b;
};
const u32 = (b: Uint8Array) => new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
const bytes = (w: Uint32Array) => new Uint8Array(w.buffer, w.byteOffset, w.byteLength);

describe('bit-matrix helpers of the OT extension', () => {
  it('transpose32 transposes a 32×32 bit matrix', () => {
    const a = new Uint32Array(32);
    randomFillSync(a);
    const t = a.slice();
    transpose32(t, 0);
    for (let r = 0; r < 32; r++) for (let k = 0; k < 32; k++) expect((t[r]! >>> k) & 1).toBe((a[k]! >>> r) & 1);
  });

  it('columnsToRows turns 128 bit-columns into 128-bit rows', () => {
    const rows = 96;
    const cols = new Uint32Array(128 * (rows / 32));
    randomFillSync(cols);
    const out = columnsToRows(cols, rows);
    const W = rows / 32;
    for (const j of [0, 1, 31, 32, 63, 95])
      for (const i of [0, 5, 31, 32, 64, 127]) {
        const colBit = (cols[i * W + (j >> 5)]! >>> (j & 31)) & 1;
        const rowBit = (out[j * 4 + (i >> 5)]! >>> (i & 31)) & 1;
        expect(rowBit).toBe(colBit);
      }
  });

  it('hashRows is deterministic, tweaked per index and sensitive to the delta', () => {
    const rows = new Uint32Array(8);
    randomFillSync(rows);
    const h1 = hashRows(rows, 2, 2, 10);
    expect(hashRows(rows, 2, 2, 10).equals(h1)).toBe(true);
    expect(hashRows(rows, 2, 2, 11).equals(h1)).toBe(false);
    const same = new Uint32Array([1, 2, 3, 4, 1, 2, 3, 4]);
    const hs = hashRows(same, 2, 1, 0);
    expect(hs.subarray(0, 16).equals(hs.subarray(16, 32))).toBe(false);
    expect(hashRows(rows, 2, 1, 0, new Uint32Array([1, 0, 0, 0])).equals(hashRows(rows, 2, 1, 0))).toBe(false);
  });
});

describe('WebAssembly SIMD kernels of the OT extension against the reference', () => {
  it('transpose equals columnsToRows for odd and even word counts', () => {
    for (const M of [64, 128, 192, 64 * 37, 64 * 1030]) {
      const cols = random((128 * M) / 8);
      expect(Buffer.from(gf2Kernels.transpose(cols, M)).equals(Buffer.from(bytes(columnsToRows(u32(cols), M))))).toBe(true);
    }
  });

  it('parities equals the reference, across stripe boundaries and odd word counts', () => {
    for (const [nc, nm, nw] of [[1, 40, 3], [128, 40, 7], [8, 5, 131], [5, 3, 1025], [2, 2, 1]] as const) {
      const cols = random(nc * nw * 8);
      const masks = random(nm * nw * 8);
      expect(Array.from(gf2Kernels.parities(cols, nc, masks, nm, nw))).toEqual(Array.from(parities(cols, nc, masks, nm, nw)));
    }
    // All-ones columns and masks: parity of nw*64 ones is 0; a single set bit gives 1.
    const one = new Uint8Array(8 * 3);
    one[13] = 4;
    expect(Array.from(gf2Kernels.parities(one, 1, new Uint8Array(24).fill(255), 1, 3))).toEqual([1]);
  });

  it('parities computes parities of masked columns', () => {
    const nc = 3, nm = 4, nw = 2;
    const cols = new BigUint64Array(nc * nw);
    const masks = new BigUint64Array(nm * nw);
    randomFillSync(cols);
    randomFillSync(masks);
    const out = gf2Kernels.parities(new Uint8Array(cols.buffer), nc, new Uint8Array(masks.buffer), nm, nw);
    const popParity = (x: bigint) => x.toString(2).split('').filter((b) => b === '1').length & 1;
    for (let c = 0; c < nm; c++)
      for (let i = 0; i < nc; i++) {
        let x = 0n;
        for (let w = 0; w < nw; w++) x ^= cols[i * nw + w]! & masks[c * nw + w]!;
        expect(out[c * nc + i]).toBe(popParity(x));
      }
  });

  it('hashRows equals the reference, with and without delta, for large tweaks', () => {
    for (const [m, blocks, base] of [[1, 1, 0], [37, 2, 5], [5000, 2, 2 ** 33 + 7], [4100, 1, 123456]] as const) {
      const rows = random(m * 16);
      const delta = random(16);
      expect(gf2Kernels.hashRows(rows, m, blocks, base).equals(hashRows(u32(rows), m, blocks, base))).toBe(true);
      expect(gf2Kernels.hashRows(rows, m, blocks, base, delta).equals(hashRows(u32(rows), m, blocks, base, u32(delta)))).toBe(true);
    }
  });
});
