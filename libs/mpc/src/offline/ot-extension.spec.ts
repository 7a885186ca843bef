import { randomBytes } from 'node:crypto';
import { createMemoryTransports, type MessageInterceptor } from '../transport/transport';
import { getBit } from './bits';
import { into } from './gf2';
import { FIELD_BITS, fadd, fmul } from '../field/reference';
import { gilboaReceive, gilboaSend, vrandom } from '../field/vector';
import { OtExtReceiver, OtExtSender, parseOtExtensionChoice } from './ot-extension';

async function pair(intercept?: MessageInterceptor) {
  const [t0, t1] = createMemoryTransports(2, intercept) as [ReturnType<typeof createMemoryTransports>[0], ReturnType<typeof createMemoryTransports>[0]];
  const [sender, receiver] = await Promise.all([OtExtSender.setup(t0, 1), OtExtReceiver.setup(t1, 0)]);
  return { t0, t1, sender, receiver };
}

describe('KOS/IKNP OT extension with base OTs over ristretto255', () => {
  it('gives the receiver exactly the message of its choice bit, over several extensions', async () => {
    const { t0, t1, sender, receiver } = await pair();
    for (const m of [1, 200, 1000]) {
      const choices = randomBytes(Math.ceil(m / 8));
      const [{ v0, v1 }, v] = await Promise.all([sender.extend(t0, m, 2), receiver.extend(t1, choices, m, 2)]);
      for (let j = 0; j < m; j++) {
        const got = v.subarray(32 * j, 32 * j + 32);
        const want = (getBit(choices, j) ? v1 : v0).subarray(32 * j, 32 * j + 32);
        const other = (getBit(choices, j) ? v0 : v1).subarray(32 * j, 32 * j + 32);
        expect(got.equals(want)).toBe(true);
        expect(got.equals(other)).toBe(false);
      }
    }
  });

  it('aborts with OT_CHECK_FAILED when the receiver uses inconsistent choice bits', async () => {
    let armed = false;
    const { t0, t1, sender, receiver } = await pair((from, _to, data) => {
      if (armed && from === 1 && data.length > 1000) {
        // Flip row 3's bit in every column of the extension matrix: inconsistent choices.
        const d = new Uint8Array(data);
        const colBytes = (d.length - 32) / 128;
        for (let i = 0; i < 128; i++) d[i * colBytes] = d[i * colBytes]! ^ 0x08;
        return d;
      }
      return data;
    });
    armed = true;
    const choices = randomBytes(64);
    const results = await Promise.allSettled([sender.extend(t0, 512, 1), receiver.extend(t1, choices, 512, 1)]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'OT_CHECK_FAILED' } });
  });
});

describe("Gilboa's sender side hashed straight into the field kernels' memory (gilboaLocal)", () => {
  it('gives shares of a·b with the receiver, with the messages of extend() and gilboaSend, and still checks', async () => {
    const sizes: number[][] = [[], []];
    let tamper = false;
    const local = await pair((from, _to, data) => {
      sizes[1]!.push(from, data.length);
      if (tamper && from === 1 && data.length > 1000) {
        const d = new Uint8Array(data);
        const colBytes = (d.length - 32) / 128;
        for (let i = 0; i < 128; i++) d[i * colBytes] = d[i * colBytes]! ^ 0x08;
        return d;
      }
      return data;
    });
    const ref = await pair((from, _to, data) => {
      sizes[0]!.push(from, data.length);
      return data;
    });
    for (const T of [1, 70]) {
      const m = T * FIELD_BITS;
      const a = vrandom(T * 4);
      const b = vrandom(T);
      const bits = new Uint8Array(Math.ceil(m / 8));
      for (let t = 0; t < T; t++) for (let l = 0; l < FIELD_BITS; l++) if ((b[t]! >> BigInt(l)) & 1n) bits[(t * FIELD_BITS + l) >> 3]! |= 1 << ((t * FIELD_BITS + l) & 7);
      const [{ d, share }, v] = await Promise.all([local.sender.gilboaLocal(local.t0, a, T), local.receiver.extend(local.t1, bits, m, 2)]);
      const recv = gilboaReceive(v, bits, new Uint8Array(d.buffer), T, FIELD_BITS);
      for (let t = 0; t < T; t++) for (let k = 0; k < 4; k++) expect(fadd(share[t * 4 + k]!, recv[t * 4 + k]!)).toBe(fmul(a[t * 4 + k]!, b[t]!));
      local.t0.send(1, new Uint8Array(d.buffer));
      await local.t1.receive(0);
      await Promise.all([
        ref.sender.extend(ref.t0, m, 2).then(({ v0, v1 }) => ref.t0.send(1, new Uint8Array(gilboaSend(v0, v1, a, T, FIELD_BITS).d.buffer))),
        ref.receiver.extend(ref.t1, bits, m, 2).then(() => ref.t1.receive(0)),
      ]);
    }
    expect(sizes[1]).toEqual(sizes[0]);
    tamper = true;
    const results = await Promise.allSettled([local.sender.gilboaLocal(local.t0, vrandom(40), 10), local.receiver.extend(local.t1, randomBytes(80), 10 * FIELD_BITS, 2)]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'OT_CHECK_FAILED' } });
  });
});

describe('the OT-extension setting', () => {
  it('is KOS by default and SoftSpoken with k = 2 unless a k is given', () => {
    expect(parseOtExtensionChoice(undefined)).toEqual({ kind: 'kos' });
    expect(parseOtExtensionChoice('  ')).toEqual({ kind: 'kos' });
    expect(parseOtExtensionChoice('KOS')).toEqual({ kind: 'kos' });
    expect(parseOtExtensionChoice('softspoken')).toEqual({ kind: 'softspoken', k: 2 });
    expect(parseOtExtensionChoice('softspoken:1')).toEqual({ kind: 'softspoken', k: 1 });
    expect(parseOtExtensionChoice('softspoken:10')).toEqual({ kind: 'softspoken', k: 10 });
  });

  it('refuses anything else with INVALID_ARGUMENT', () => {
    for (const bad of ['iknp', 'softspoken:0', 'softspoken:11', 'softspoken:-2', 'softspoken:2.5', 'softspoken:', 'softspoken:123', 'kos:2']) {
      expect(() => parseOtExtensionChoice(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});

describe('a fixed destination for OT outputs', () => {
  it('gives its own bytes for its own length and refuses any other', () => {
    const dst = new Uint8Array(64);
    expect(into(dst).view(64)).toBe(dst);
    expect(() => into(dst).view(32)).toThrow(RangeError);
  });
});
