import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Hash commitments: c = SHA-256(domain, nonce, data) with a fresh 32-byte nonce; hiding and binding
 * in the random-oracle model.
 */
export interface Commitment {
  readonly digest: Uint8Array;
  readonly nonce: Uint8Array;
}

export function commit(domain: string, data: Uint8Array): Commitment {
  const nonce = randomBytes(32);
  return { digest: commitDigest(domain, nonce, data), nonce };
}

export function commitDigest(domain: string, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(domain).update(nonce).update(data).digest();
}

export function verifyCommitment(domain: string, digest: Uint8Array, nonce: Uint8Array, data: Uint8Array): boolean {
  const d = commitDigest(domain, nonce, data);
  return d.length === digest.length && timingSafeEqual(d, digest);
}
