import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { canonicalBytes, invalidArgument } from '@datawell/chaincode-common';
import type { Heartbeat } from './arguments';

/** Parses a workload's public key: ECDSA on P-256 or Ed25519 only. */
export function parseWorkloadKey(pem: string): { key: KeyObject; keyType: 'ec-p256' | 'ed25519' } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw invalidArgument('workload.publicKeyPem: not a readable public key');
  }
  if (key.asymmetricKeyType === 'ed25519') return { key, keyType: 'ed25519' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, keyType: 'ec-p256' };
  throw invalidArgument(`workload.publicKeyPem: ${key.asymmetricKeyType} keys are not accepted; use ECDSA P-256 or Ed25519`);
}

/** The bytes a workload signs: the canonical JSON of its heartbeat without the signature. */
export function heartbeatSigningBytes(heartbeat: Omit<Heartbeat, 'signature'> & { signature?: string }): Uint8Array {
  const unsigned: Record<string, unknown> = { ...heartbeat };
  delete unsigned['signature'];
  return canonicalBytes(unsigned);
}

/** Verifies a heartbeat's signature (ECDSA DER over SHA-256, or Ed25519). Deterministic. */
export function verifyHeartbeat(heartbeat: Heartbeat, publicKeyPem: string): boolean {
  const { key, keyType } = parseWorkloadKey(publicKeyPem);
  try {
    return verify(keyType === 'ed25519' ? null : 'sha256', heartbeatSigningBytes(heartbeat), key, Buffer.from(heartbeat.signature, 'base64'));
  } catch {
    return false;
  }
}
