import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes, DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/domain';
import { buildCloudEvent, type CloudEvent } from '../cloudevent';

export const HEARTBEAT_TYPE = 'datawell.infra.heartbeat.v1';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');
const int = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The part of a heartbeat the dao chaincode verifies (RecordTelemetry): a workload signs the
 * canonical JSON of these fields without `signature`, with the key registered for it on the ledger.
 */
export const signedHeartbeatSchema = z.strictObject({
  workloadId: id,
  seq: int,
  /** Milliseconds since the epoch, as the workload signed it. */
  timestamp: int,
  /** Integer gauges only (the ledger holds integers). */
  metrics: z.record(z.string().max(128), z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER)),
  /** Base64: ECDSA P-256 DER over SHA-256, or Ed25519. */
  signature: z.string().regex(/^[A-Za-z0-9+/]{40,200}={0,2}$/, 'must be a base64 signature'),
});
export type SignedHeartbeat = z.output<typeof signedHeartbeatSchema>;

/** A heartbeat as published to `datawell.infra.telemetry.v1`: the signed part plus where it belongs. */
export const heartbeatMessageSchema = z.strictObject({
  daoId: z.string().regex(DAO_ID_PATTERN),
  version: z.number().int().min(1).max(9999),
  /** The member organisation that owns the workload (as registered on the ledger). */
  owner: z.string().regex(MSP_ID_PATTERN),
  heartbeat: signedHeartbeatSchema,
});
export type HeartbeatMessage = z.output<typeof heartbeatMessageSchema>;

/** The bytes a workload signs, exactly as the chaincode recomputes them. */
export function heartbeatSigningBytes(heartbeat: Omit<SignedHeartbeat, 'signature'>): Uint8Array {
  const { workloadId, seq, timestamp, metrics } = heartbeat;
  return canonicalBytes({ workloadId, seq, timestamp, metrics });
}

export function signHeartbeat(unsigned: Omit<SignedHeartbeat, 'signature'>, privateKey: KeyObject | string): SignedHeartbeat {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const signature = sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', heartbeatSigningBytes(unsigned), key).toString('base64');
  return { ...unsigned, signature };
}

/** Whether a heartbeat verifies with a workload's public key (PEM, SPKI). Never throws. */
export function verifyHeartbeatSignature(heartbeat: SignedHeartbeat, publicKeyPem: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    return verify(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', heartbeatSigningBytes(heartbeat), key, Buffer.from(heartbeat.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The envelope id is the workload and sequence number, so a re-sent heartbeat deduplicates. */
export function heartbeatCloudEvent(message: HeartbeatMessage): CloudEvent<HeartbeatMessage> {
  return buildCloudEvent({
    id: `heartbeat:${message.heartbeat.workloadId}:${message.heartbeat.seq}`,
    source: `urn:datawell:workload:${message.heartbeat.workloadId}`,
    type: HEARTBEAT_TYPE,
    subject: message.owner,
    data: heartbeatMessageSchema.parse(message),
    time: new Date(message.heartbeat.timestamp),
  });
}
