import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workloadKey } from './self-hosted';

describe("a self-hosted workload's key", () => {
  const dir = mkdtempSync(join(tmpdir(), 'workload-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once, readable by its owner only, and its public key verifies the heartbeats it signs', async () => {
    // Loaded lazily, as heartbeats.ts does: the workload programs stay small.
    const { signHeartbeat, verifyHeartbeatSignature } = await import('@datawell/contracts');
    const file = join(dir, 'keys', 'w1.key');
    const made = workloadKey(file);
    expect(made.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    const again = workloadKey(file);
    expect(again.created).toBe(false);
    expect(again.publicKeyPem).toBe(made.publicKeyPem);
    const hb = signHeartbeat({ workloadId: 'w1', seq: 1, timestamp: 1000, metrics: { up: 1 } }, again.privateKeyPem);
    expect(verifyHeartbeatSignature(hb, made.publicKeyPem)).toBe(true);
    expect(verifyHeartbeatSignature(hb, workloadKey(join(dir, 'other.key')).publicKeyPem)).toBe(false);
  });
});
