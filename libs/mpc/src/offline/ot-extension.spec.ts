import { randomBytes } from 'node:crypto';
import { createMemoryTransports, type MessageInterceptor } from '../transport/transport';
import { getBit } from './bits';
import { OtExtReceiver, OtExtSender } from './ot-extension';

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
