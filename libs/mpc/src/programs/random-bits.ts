import { MpcError } from '../errors';
import { P, finv } from '../field/reference';
import { vpow, type FieldVec } from '../field/vector';
import type { MpcParty } from '../online/party';
import type { Shared } from '../online/shares';

const INV2 = finv(2n);
const SQRT_EXP = (P + 1n) / 4n;

/**
 * n uniformly random shared bits, from squaring random shared values (p ≡ 3 mod 4 gives the square
 * root): one square pair per bit (r and r² are preprocessed, only r² is opened: one round) when the
 * preprocessing has them, else two triples (r, then r·r: two rounds). Used by the comparisons and the
 * exact rounding division.
 */
export async function randomBits(p: MpcParty, n: number): Promise<Shared> {
  const pre = p.preprocessing;
  let r: Shared;
  let sq: FieldVec;
  if (pre.availableSquares() >= n) {
    const pair = pre.takeSquares(n);
    r = pair.a;
    sq = await p.partialOpen(pair.aa);
  } else {
    r = p.random(n);
    sq = await p.partialOpen(await p.mul(r, r));
  }
  if (sq.some((v) => v === 0n)) throw new MpcError('PROTOCOL_VIOLATION', 'random value was zero (probability 2^-61): retry');
  const root = vpow(sq, SQRT_EXP);
  const inv = vpow(root, P - 2n);
  // r/√(r²) = ±1 uniformly; (±1 + 1)/2 is a uniform bit.
  return p.mulPublic(p.addPublic(p.mulPublicVec(r, inv), 1n), INV2);
}
