import { randomFillSync } from 'node:crypto';
import { columnsToRows, hashRows, transpose32 } from './bits';

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
