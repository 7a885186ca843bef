import type { LedgerEvent } from '@datawell/contracts';
import { ProjectionError, projectLedgerEvent } from './ledger-projection';

const event = (eventName: string, payload: unknown, channel = 'dao-acme-v2'): LedgerEvent => ({
  channel,
  blockNumber: '7',
  transactionId: 'tx',
  eventIndex: 0,
  chaincodeId: 'dao',
  eventName,
  payloadEncoding: 'json',
  payload: payload as LedgerEvent['payload'],
  daoId: 'acme',
});

describe('projectLedgerEvent', () => {
  it('reads a version with its members in agreement order and its heartbeat terms, dated by the event', () => {
    const [p] = projectLedgerEvent(
      event('VersionCreated', {
        daoId: 'acme',
        version: 2,
        members: [
          { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 1 },
          { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 1 },
        ],
        terms: { heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30, durationDays: 1 },
        type: 'VersionCreated',
      }),
      1234,
    );
    expect(p).toEqual({
      kind: 'version-created',
      channel: 'dao-acme-v2',
      daoId: 'acme',
      version: 2,
      heartbeatIntervalSeconds: 5,
      abandonAfterSeconds: 30,
      createdAtMs: 1234,
      contractEndsAtMs: 1234 + 86_400_000,
      members: [
        { mspId: 'DspMSP', group: 'D', role: 'DSP' },
        { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP' },
      ],
      expectedWorkloads: null,
    });
  });

  it('counts the workloads the requested infrastructure names each member the owner of, managed or self-hosted', () => {
    const members = [
      { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 1 },
      { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 1 },
      { mspId: 'Vsp2MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 1 },
    ];
    const terms = { heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30 };
    const spec = {
      workloads: [
        { name: 'a', owner: 'Vsp1MSP', placement: 'managed', kind: 'mpc-node' },
        { name: 'b', owner: 'Vsp1MSP', placement: 'self-hosted', kind: 'service' },
        { name: 'c', owner: 'DspMSP', placement: 'self-hosted', kind: 'service' },
      ],
    };
    const [p] = projectLedgerEvent(event('VersionCreated', { daoId: 'acme', version: 2, members, terms, infrastructureRequested: { revision: 1, spec } }), 1);
    expect(p).toMatchObject({ kind: 'version-created', expectedWorkloads: { Vsp1MSP: 2, DspMSP: 1 } });
    // A spec it cannot read leaves the expectations unknown, never the version out.
    const [unreadable] = projectLedgerEvent(event('VersionCreated', { daoId: 'acme', version: 2, members, terms, infrastructureRequested: { revision: 1, spec: { workloads: 'x' } } }), 1);
    expect(unreadable).toMatchObject({ kind: 'version-created', daoId: 'acme', expectedWorkloads: null });
    // An accepted change of infrastructure: the new spec's expectations, dated by the event.
    expect(projectLedgerEvent(event('ProposalDecided', { kind: 'change-infrastructure', outcome: 'accepted', effect: { infrastructureRequested: { revision: 2, spec: { workloads: [spec.workloads[1]] } } } }), 77)).toEqual([
      { kind: 'infrastructure-changed', channel: 'dao-acme-v2', expectedWorkloads: { Vsp1MSP: 1 }, atMs: 77 },
    ]);
    expect(projectLedgerEvent(event('ProposalDecided', { kind: 'change-infrastructure', outcome: 'rejected' }), 77)).toEqual([]);
  });

  it("takes the chaincode's own creation time and term end when the payload carries them", () => {
    const members = [{ mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 1 }];
    const terms = { heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30, durationDays: 2 };
    const [carried] = projectLedgerEvent(event('VersionCreated', { daoId: 'acme', version: 2, members, terms, createdAtMs: 1000, contractEndsAtMs: 1000 + 2 * 86_400_000 }), 9999);
    expect(carried).toMatchObject({ createdAtMs: 1000, contractEndsAtMs: 1000 + 2 * 86_400_000 });
    const [unknown] = projectLedgerEvent(event('VersionCreated', { daoId: 'acme', version: 2, members, terms: { heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30 } }), 9999);
    expect(unknown).toMatchObject({ createdAtMs: 9999, contractEndsAtMs: null });
    const [changed] = projectLedgerEvent(event('ProposalDecided', { outcome: 'accepted', effect: { terms } }), 1);
    expect(changed).toEqual({ kind: 'terms-changed', channel: 'dao-acme-v2', heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30, durationDays: 2 });
  });

  it('reads a workload with its key, taking the DAO and version from the channel when the payload lacks them', () => {
    expect(projectLedgerEvent(event('WorkloadRegistered', { workloadId: 'w', owner: 'Vsp1MSP', keyType: 'ec-p256', publicKeyPem: 'PEM' }), 5)).toEqual([
      { kind: 'workload-registered', channel: 'dao-acme-v2', workloadId: 'w', owner: 'Vsp1MSP', daoId: 'acme', version: 2, keyType: 'ec-p256', publicKeyPem: 'PEM', registeredAtMs: 5 },
    ]);
    expect(projectLedgerEvent(event('WorkloadRegistered', { workloadId: 'w', owner: 'Vsp1MSP' }), 5)[0]).toMatchObject({ publicKeyPem: null, keyType: null });
  });

  it('reads abandonment, exit (with dissolution), recorded telemetry and decided proposals', () => {
    expect(projectLedgerEvent(event('MemberAbandoned', { mspId: 'Vsp1MSP', decidedAtMs: 9, dissolved: false }), 1)).toEqual([
      { kind: 'member-ended', channel: 'dao-acme-v2', mspId: 'Vsp1MSP', status: 'abandoned', endedAtMs: 9, dissolved: false },
    ]);
    expect(projectLedgerEvent(event('MemberExited', { mspId: 'DspMSP', exitedAtMs: 8, dissolved: true }), 1)[0]).toMatchObject({ status: 'exited', endedAtMs: 8, dissolved: true });
    expect(
      projectLedgerEvent(event('TelemetryRecorded', { snapshotId: 's', heartbeats: 1, workloads: [{ workloadId: 'w', owner: 'Vsp1MSP', lastSeq: 3, lastHeartbeatMs: 10 }] }), 1),
    ).toEqual([{ kind: 'telemetry-recorded', channel: 'dao-acme-v2', snapshotId: 's', workloads: [{ workloadId: 'w', owner: 'Vsp1MSP', lastSeq: 3, lastHeartbeatMs: 10 }] }]);
    expect(projectLedgerEvent(event('ProposalDecided', { outcome: 'accepted', effect: { dissolved: true } }), 1)).toEqual([{ kind: 'dissolved', channel: 'dao-acme-v2' }]);
  });

  it('ignores other chaincodes and events, and refuses a payload it cannot read', () => {
    expect(projectLedgerEvent({ ...event('VersionCreated', {}), chaincodeId: 'marketplace' }, 1)).toEqual([]);
    expect(projectLedgerEvent(event('RevenueRecorded', { amount: 1 }), 1)).toEqual([]);
    expect(() => projectLedgerEvent(event('VersionCreated', { daoId: 'acme' }), 1)).toThrow(ProjectionError);
  });
});
