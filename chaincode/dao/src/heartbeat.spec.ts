import { generateKeyPairSync } from 'node:crypto';
import { heartbeatSchema, signHeartbeat, verifyHeartbeatSignature } from '@datawell/contracts';
import { verifyHeartbeat } from './heartbeat';

/*
 * Workloads sign heartbeats with @datawell/contracts' signHeartbeat; telemetry checks them there and
 * the chaincode checks them again in RecordTelemetry. Both sides must agree on the signed bytes.
 */
const keys = (type: 'ec' | 'ed25519') => {
  const pair = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  return { privateKey: pair.privateKey, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const unsigned = { workloadId: 'vsp1-mpc', seq: 42, timestamp: 1_763_700_000_123, metrics: { queue: 3, cpuMillis: 120, zeta: -5 } };

describe('heartbeats signed with @datawell/contracts', () => {
  it.each(['ec', 'ed25519'] as const)('verify in the chaincode (%s), through the chaincode schema', (type) => {
    const { privateKey, publicKeyPem } = keys(type);
    const signed = signHeartbeat(unsigned, privateKey);
    const onLedger = heartbeatSchema.parse(JSON.parse(JSON.stringify(signed)));
    expect(verifyHeartbeat(onLedger, publicKeyPem)).toBe(true);
    expect(verifyHeartbeatSignature(signed, publicKeyPem)).toBe(true);
  });

  it('fails in the chaincode when a field changed, the metrics were reordered to other values, or the key is another', () => {
    const { privateKey, publicKeyPem } = keys('ec');
    const signed = signHeartbeat(unsigned, privateKey);
    expect(verifyHeartbeat({ ...signed, seq: 43 }, publicKeyPem)).toBe(false);
    expect(verifyHeartbeat({ ...signed, metrics: { ...signed.metrics, queue: 4 } }, publicKeyPem)).toBe(false);
    expect(verifyHeartbeat({ ...signed, timestamp: signed.timestamp + 1 }, publicKeyPem)).toBe(false);
    expect(verifyHeartbeat(signed, keys('ec').publicKeyPem)).toBe(false);
    // Key order does not matter: both sides sign canonical JSON.
    const reordered = { signature: signed.signature, metrics: { zeta: -5, cpuMillis: 120, queue: 3 }, timestamp: signed.timestamp, seq: signed.seq, workloadId: signed.workloadId };
    expect(verifyHeartbeat(reordered, publicKeyPem)).toBe(true);
  });
});
