import { createHash, randomBytes } from 'node:crypto';
import { RistrettoPoint, ed25519 } from '@noble/curves/ed25519';
import { ProtocolViolationError } from '../errors';
import type { Transport } from '../transport/transport';

/**
 * Base oblivious transfers: the "simplest OT" of Chou and Orlandi (2015) over ristretto255 (a
 * prime-order group, so no small-subgroup issues), batched under one sender key A = aG.
 * Receiver with choice c sends B = bG + cA; sender keys H(A, B, aB) and H(A, B, a(B - A)); receiver
 * key H(A, B, bA). Used only to seed the OT extension (κ = 128 per ordered pair of parties).
 */
const ORDER = ed25519.CURVE.n;
type Point = InstanceType<typeof RistrettoPoint>;

function randomScalar(): bigint {
  const wide = BigInt(`0x${randomBytes(64).toString('hex')}`);
  return (wide % (ORDER - 1n)) + 1n;
}

function keyOf(i: number, a: Uint8Array, b: Uint8Array, shared: Point): Buffer {
  return createHash('sha256').update('datawell-base-ot').update(String(i)).update(a).update(b).update(shared.toRawBytes()).digest().subarray(0, 16);
}

function point(bytes: Uint8Array, from: number): Point {
  try {
    const p = RistrettoPoint.fromHex(bytes);
    if (p.equals(RistrettoPoint.ZERO)) throw new Error('identity');
    return p;
  } catch (err) {
    throw new ProtocolViolationError(`invalid group element in base OT from party ${from}: ${(err as Error).message}`, from);
  }
}

/** Sender side of `count` base OTs with `peer`: returns [k0, k1] 16-byte keys per OT. */
export async function baseOtSend(t: Transport, peer: number, count: number): Promise<Array<[Buffer, Buffer]>> {
  const a = randomScalar();
  const A = RistrettoPoint.BASE.multiply(a);
  const aBytes = A.toRawBytes();
  t.send(peer, aBytes);
  const msg = await t.receive(peer);
  if (msg.length !== 32 * count) throw new ProtocolViolationError(`base OT: expected ${count} points from ${peer}`, peer);
  const aA = A.multiply(a);
  const out: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < count; i++) {
    const bBytes = msg.subarray(32 * i, 32 * i + 32);
    const aB = point(bBytes, peer).multiply(a);
    out.push([keyOf(i, aBytes, bBytes, aB), keyOf(i, aBytes, bBytes, aB.subtract(aA))]);
  }
  return out;
}

/** Receiver side: returns the key of the chosen message per OT. */
export async function baseOtReceive(t: Transport, peer: number, choices: readonly boolean[]): Promise<Buffer[]> {
  const aBytes = await t.receive(peer);
  if (aBytes.length !== 32) throw new ProtocolViolationError(`base OT: bad sender key from ${peer}`, peer);
  const A = point(aBytes, peer);
  A.precompute(8); // every receiver key multiplies the same A
  const bs = choices.map(() => randomScalar());
  const msg = new Uint8Array(32 * choices.length);
  bs.forEach((b, i) => {
    const B = RistrettoPoint.BASE.multiply(b);
    msg.set((choices[i] ? B.add(A) : B).toRawBytes(), 32 * i);
  });
  t.send(peer, msg);
  return bs.map((b, i) => keyOf(i, aBytes, msg.subarray(32 * i, 32 * i + 32), A.multiply(b)));
}
