import { generateKeyPairSync } from 'node:crypto';
import { signHeartbeat, type HeartbeatMessage } from '@datawell/contracts';
import type { VersionView, WorkloadView } from '../model/model';
import { checkHeartbeat, heartbeatChannel, MAX_HEARTBEAT_SKEW_MS, registrationsOf, type HeartbeatContext } from './heartbeat-check';

const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const NOW = 1_800_000_000_000;

const workload: WorkloadView = {
  channel: 'dao-acme-v1',
  workloadId: 'w1',
  daoId: 'acme',
  version: 1,
  owner: 'Vsp1MSP',
  keyType: 'ec-p256',
  publicKeyPem: pem,
  registeredAtMs: NOW - 60_000,
  snapshotSeq: null,
  recordedSeq: null,
  recordedHeartbeatMs: null,
};
const version: VersionView = { channel: 'dao-acme-v1', daoId: 'acme', version: 1, heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30, createdAtMs: NOW - 120_000, contractEndsAtMs: null, status: 'active' };
const ctx: HeartbeatContext = { workload, version, ownerStatus: 'active', latestSeq: null, nowMs: NOW };

function message(seq: number, { key = keys.privateKey, owner = 'Vsp1MSP', timestamp = NOW } = {}): HeartbeatMessage {
  return { daoId: 'acme', version: 1, owner, heartbeat: signHeartbeat({ workloadId: 'w1', seq, timestamp, metrics: { cpuMilli: 5 } }, key) };
}

describe('checkHeartbeat', () => {
  it('keeps a heartbeat signed with the registered key by the registered owner with a new seq', () => {
    expect(heartbeatChannel(message(1))).toBe('dao-acme-v1');
    expect(checkHeartbeat(message(1), ctx)).toBeUndefined();
  });

  it('drops a forged, misattributed or tampered heartbeat', () => {
    expect(checkHeartbeat(message(1, { key: other.privateKey }), ctx)).toBe('bad-signature');
    expect(checkHeartbeat(message(1, { owner: 'OtherMSP' }), ctx)).toBe('owner-mismatch');
    const tampered = message(1);
    expect(checkHeartbeat({ ...tampered, heartbeat: { ...tampered.heartbeat, metrics: { cpuMilli: 6 } } }, ctx)).toBe('bad-signature');
    expect(checkHeartbeat(message(1), { ...ctx, workload: { ...workload, publicKeyPem: null } })).toBe('no-key');
  });

  it('drops a seq not after the latest seen, put in a snapshot or recorded', () => {
    expect(checkHeartbeat(message(3), { ...ctx, latestSeq: 3 })).toBe('stale-seq');
    expect(checkHeartbeat(message(3), { ...ctx, workload: { ...workload, snapshotSeq: 4 } })).toBe('stale-seq');
    expect(checkHeartbeat(message(3), { ...ctx, workload: { ...workload, recordedSeq: 3 } })).toBe('stale-seq');
    expect(checkHeartbeat(message(4), { ...ctx, latestSeq: 3, workload: { ...workload, recordedSeq: 2 } })).toBeUndefined();
  });

  it('drops what the chaincode would refuse: dated too far ahead, or of an ended member or version', () => {
    expect(checkHeartbeat(message(1, { timestamp: NOW + MAX_HEARTBEAT_SKEW_MS + 1 }), ctx)).toBe('future-timestamp');
    expect(checkHeartbeat(message(1, { timestamp: NOW + MAX_HEARTBEAT_SKEW_MS }), ctx)).toBeUndefined();
    expect(checkHeartbeat(message(1), { ...ctx, ownerStatus: 'abandoned' })).toBe('member-ended');
    expect(checkHeartbeat(message(1), { ...ctx, version: { ...version, status: 'dissolved' } })).toBe('member-ended');
    expect(checkHeartbeat(message(1), { ...ctx, version: undefined })).toBe('unknown-channel');
  });
});

describe('registrationsOf (the channels a heartbeat counts on)', () => {
  const at = (channel: string, daoId = 'acme') => ({ channel, daoId });

  it('is the named channel first, then the same workload on the DAO\'s other channels', () => {
    expect(registrationsOf('dao-acme-v1', 'acme', [at('dao-acme-v3'), at('dao-acme-v2'), at('dao-acme-v1')])).toEqual([at('dao-acme-v1'), at('dao-acme-v2'), at('dao-acme-v3')]);
    expect(registrationsOf('dao-acme-v2', 'acme', [at('dao-acme-v2')])).toEqual([at('dao-acme-v2')]);
  });

  it('is empty while the named channel has no registration (held), and never crosses to another DAO', () => {
    expect(registrationsOf('dao-acme-v1', 'acme', [at('dao-acme-v2')])).toEqual([]);
    expect(registrationsOf('dao-acme-v1', 'acme', [at('dao-acme-v1'), at('dao-other-v1', 'other')])).toEqual([at('dao-acme-v1')]);
  });

  it('checks each registration with its own key: a heartbeat signed for one is refused by a registration with another key', () => {
    const carried: WorkloadView = { ...workload, channel: 'dao-acme-v2', version: 2 };
    const rekeyed: WorkloadView = { ...carried, publicKeyPem: other.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    expect(checkHeartbeat(message(1), { ...ctx, workload: carried, version: { ...version, channel: 'dao-acme-v2', version: 2 } })).toBeUndefined();
    expect(checkHeartbeat(message(1), { ...ctx, workload: rekeyed })).toBe('bad-signature');
  });
});
