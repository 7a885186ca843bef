import type { SignedHeartbeat } from '@datawell/contracts';
import type { MemberView, VersionView } from '../model/model';
import {
  abandonmentCandidates,
  contractEndCandidates,
  evaluateAbandonmentCommand,
  evaluateContractEndCommand,
  MAX_SNAPSHOT_HEARTBEATS,
  planSnapshots,
  recordTelemetryCommand,
  snapshotId,
} from './fold';

const hb = (workloadId: string, seq: number, timestamp = 1_000 + seq): SignedHeartbeat => ({
  workloadId,
  seq,
  timestamp,
  metrics: { cpu: seq },
  signature: 'A'.repeat(64),
});

describe('planSnapshots', () => {
  it('folds the latest heartbeat per workload into one snapshot numbered from the next fold seq, in workload order', () => {
    const plan = planSnapshots('dao-a-v1', [hb('w2', 3), hb('w1', 1), hb('w2', 5)], new Map(), 7);
    expect(plan.snapshots).toEqual([{ snapshotId: 'dao-a-v1:7', foldSeq: 7, heartbeats: [hb('w1', 1), hb('w2', 5)] }]);
    expect(plan.stale).toEqual([hb('w2', 3)]);
  });

  it('leaves out heartbeats already in a snapshot or recorded on the ledger', () => {
    const workloads = new Map([
      ['w1', { snapshotSeq: 4, recordedSeq: null }],
      ['w2', { snapshotSeq: null, recordedSeq: 9 }],
      ['w3', { snapshotSeq: 2, recordedSeq: 1 }],
    ]);
    const plan = planSnapshots('c', [hb('w1', 4), hb('w2', 9), hb('w3', 3)], workloads, 1);
    expect(plan.snapshots).toHaveLength(1);
    expect(plan.snapshots[0]?.heartbeats).toEqual([hb('w3', 3)]);
    expect(plan.stale.map((h) => h.workloadId).sort()).toEqual(['w1', 'w2']);
  });

  it('makes no snapshot when nothing is new', () => {
    expect(planSnapshots('c', [], new Map(), 1)).toEqual({ snapshots: [], stale: [] });
    expect(planSnapshots('c', [hb('w', 1)], new Map([['w', { snapshotSeq: 1, recordedSeq: null }]]), 3).snapshots).toEqual([]);
  });

  it('splits more heartbeats than the chaincode accepts into consecutive snapshots', () => {
    const many = Array.from({ length: MAX_SNAPSHOT_HEARTBEATS + 5 }, (_, i) => hb(`w${String(i).padStart(5, '0')}`, 1));
    const plan = planSnapshots('c', many, new Map(), 2);
    expect(plan.snapshots.map((s) => [s.snapshotId, s.heartbeats.length])).toEqual([
      ['c:2', MAX_SNAPSHOT_HEARTBEATS],
      ['c:3', 5],
    ]);
  });

  it("numbers a member's snapshots under its MSP id, apart from other members' telemetry on the same channel", () => {
    const plan = planSnapshots('dao-a-v1', [hb('w1', 2)], new Map(), 3, MAX_SNAPSHOT_HEARTBEATS, 'Vsp1MSP');
    expect(plan.snapshots.map((x) => x.snapshotId)).toEqual(['dao-a-v1:Vsp1MSP:3']);
    expect(snapshotId('dao-a-v1', 3, 'Vsp1MSP')).not.toBe(snapshotId('dao-a-v1', 3, 'Vsp2MSP'));
    expect(recordTelemetryCommand('dao-a-v1', plan.snapshots[0]!, 'Vsp1MSP')).toMatchObject({ commandId: 'telemetry:record:dao-a-v1:Vsp1MSP:3', actingMspId: 'Vsp1MSP', transaction: 'RecordTelemetry' });
  });

  it('derives the same ids from the same inputs, so a retried fold records nothing twice', () => {
    const a = planSnapshots('c', [hb('w', 1)], new Map(), 4);
    const b = planSnapshots('c', [hb('w', 1)], new Map(), 4);
    expect(a).toEqual(b);
    expect(snapshotId('dao-x-v2', 4)).toBe('dao-x-v2:4');
  });

  it('builds the RecordTelemetry command as the acting member with the snapshot as canonical JSON', () => {
    const [snapshot] = planSnapshots('dao-a-v1', [hb('w', 2)], new Map(), 1).snapshots;
    const command = recordTelemetryCommand('dao-a-v1', snapshot!, 'DspMSP');
    expect(command).toMatchObject({
      commandId: 'telemetry:record:dao-a-v1:1',
      channel: 'dao-a-v1',
      chaincode: 'dao',
      transaction: 'RecordTelemetry',
      actingMspId: 'DspMSP',
    });
    expect(JSON.parse(command.arguments[0]!)).toEqual({ snapshotId: 'dao-a-v1:1', heartbeats: [hb('w', 2)] });
  });
});

const memberOf = (channel: string, mspId: string, group: string, position: number, status: MemberView['status'] = 'active'): MemberView => ({
  channel,
  mspId,
  group,
  role: group === 'D' ? 'DSP' : 'VSP',
  position,
  status,
  recordedSnapshots: 0,
  lastRecordedHeartbeatMs: null,
  expectedWorkloads: null,
  expectedSinceMs: null,
});

describe('abandonmentCandidates', () => {
  const version: VersionView = {
    channel: 'dao-a-v1',
    daoId: 'a',
    version: 1,
    heartbeatIntervalSeconds: 1,
    abandonAfterSeconds: 10,
    createdAtMs: 100_000,
    contractEndsAtMs: null,
    status: 'active',
  };
  const member = (mspId: string, group: string, position: number, status: MemberView['status'] = 'active') => memberOf('dao-a-v1', mspId, group, position, status);
  const members = [member('DspMSP', 'D', 0), member('Vsp1MSP', 'J1', 1), member('Vsp2MSP', 'J1', 2)];

  it('asks about a member whose newest heartbeat on the channel is older than abandon-after, acting as the DSP', () => {
    const candidates = abandonmentCandidates({
      registrationGraceMs: 0,
      versions: [version],
      members,
      workloads: [
        { channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 100_000, lastHeartbeatMs: 110_000 },
        { channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 100_000, lastHeartbeatMs: 120_000 },
        { channel: 'dao-a-v1', owner: 'DspMSP', registeredAtMs: 100_000, lastHeartbeatMs: 125_000 },
      ],
      nowMs: 130_001,
    });
    expect(candidates).toEqual([
      {
        channel: 'dao-a-v1',
        mspId: 'Vsp1MSP',
        actingMspId: 'DspMSP',
        sinceMs: 120_000,
        windowIndex: 1,
        commandId: 'telemetry:abandon:dao-a-v1:Vsp1MSP:120000:1',
      },
    ]);
    expect(evaluateAbandonmentCommand(candidates[0]!)).toEqual({
      commandId: 'telemetry:abandon:dao-a-v1:Vsp1MSP:120000:1',
      channel: 'dao-a-v1',
      chaincode: 'dao',
      transaction: 'EvaluateAbandonment',
      arguments: ['Vsp1MSP'],
      actingMspId: 'DspMSP',
    });
  });

  it('is not due at exactly abandon-after, and counts from the version creation when nothing was heard', () => {
    const workloads = [{ channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 50_000, lastHeartbeatMs: null }];
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs: 110_000 })).toEqual([]);
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs: 110_001 })).toMatchObject([{ mspId: 'Vsp1MSP', sinceMs: 100_000 }]);
  });

  it('counts from the registration of a workload provisioned after the version was created', () => {
    const workloads = [{ channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 500_000, lastHeartbeatMs: null }];
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs: 505_000 })).toEqual([]);
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs: 510_001 })).toMatchObject([{ mspId: 'Vsp1MSP', sinceMs: 500_000 }]);
  });

  it('keeps one command id per abandon-after period of the same silence', () => {
    const workloads = [{ channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 100_000, lastHeartbeatMs: 100_000 }];
    const at = (nowMs: number) => abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs })[0]?.commandId;
    expect(at(110_500)).toBe(at(119_999));
    expect(at(120_000)).not.toBe(at(119_999));
  });

  it('skips members without workloads on the channel, members no longer active and ended versions', () => {
    const silent = [{ channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 100_000, lastHeartbeatMs: 0 }];
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads: [{ channel: 'dao-other-v1', owner: 'Vsp2MSP', registeredAtMs: 100_000, lastHeartbeatMs: 0 }], nowMs: 1e9 })).toEqual([]);
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members: [members[0]!, member('Vsp1MSP', 'J1', 1, 'abandoned')], workloads: silent, nowMs: 1e9 })).toEqual([]);
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [{ ...version, status: 'dissolved' }], members, workloads: silent, nowMs: 1e9 })).toEqual([]);
  });

  it("in member mode acts as the member itself, never about itself, and not where it is no longer active", () => {
    const workloads = [
      { channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 100_000, lastHeartbeatMs: 0 },
      { channel: 'dao-a-v1', owner: 'Vsp2MSP', registeredAtMs: 100_000, lastHeartbeatMs: 0 },
      { channel: 'dao-a-v1', owner: 'DspMSP', registeredAtMs: 100_000, lastHeartbeatMs: 0 },
    ];
    const asVsp2 = abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs: 1e9, self: 'Vsp2MSP' });
    expect(asVsp2.map((c) => [c.mspId, c.actingMspId])).toEqual([
      ['DspMSP', 'Vsp2MSP'],
      ['Vsp1MSP', 'Vsp2MSP'],
    ]);
    expect(evaluateAbandonmentCommand(asVsp2[1]!)).toMatchObject({ transaction: 'EvaluateAbandonment', arguments: ['Vsp1MSP'], actingMspId: 'Vsp2MSP' });
    // The same silence gets the same command id whoever asks: the chaincode decides once.
    expect(asVsp2[1]!.commandId).toBe(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs: 1e9 }).find((c) => c.mspId === 'Vsp1MSP')!.commandId);
    const ended = [members[0]!, members[1]!, member('Vsp2MSP', 'J1', 2, 'exited')];
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members: ended, workloads, nowMs: 1e9, self: 'Vsp2MSP' })).toEqual([]);
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs: 1e9, self: 'OutsiderMSP' })).toEqual([]);
  });

  it('asks about a silent DSP acting as another founding member when there is one, else as itself', () => {
    const workloads = [{ channel: 'dao-a-v1', owner: 'DspMSP', registeredAtMs: 100_000, lastHeartbeatMs: 0 }];
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members, workloads, nowMs: 1e9 })[0]).toMatchObject({ mspId: 'DspMSP', actingMspId: 'DspMSP' });
    const two = [...members, member('Dsp2MSP', 'D', 3)];
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [version], members: two, workloads, nowMs: 1e9 })[0]).toMatchObject({ mspId: 'DspMSP', actingMspId: 'Dsp2MSP' });
  });
});

describe('abandonmentCandidates: members the infrastructure spec expects to run a workload, with none registered', () => {
  const version: VersionView = { channel: 'dao-a-v1', daoId: 'a', version: 1, heartbeatIntervalSeconds: 1, abandonAfterSeconds: 10, createdAtMs: 100_000, contractEndsAtMs: null, status: 'active' };
  const GRACE = 60_000;
  const expecting = (mspId: string, group: string, position: number, expectedWorkloads: number | null, expectedSinceMs: number | null = expectedWorkloads ? 100_000 : null): MemberView => ({
    ...memberOf('dao-a-v1', mspId, group, position),
    expectedWorkloads,
    expectedSinceMs,
  });
  // The DSP and VSP2 are named in no workload of the spec; VSP3's expectations are unknown (learnt before telemetry read specs).
  const members = [expecting('DspMSP', 'D', 0, 0), expecting('Vsp1MSP', 'J1', 1, 1), expecting('Vsp2MSP', 'J1', 2, 0), expecting('Vsp3MSP', 'J1', 3, null)];
  const at = (nowMs: number, more: Partial<Parameters<typeof abandonmentCandidates>[0]> = {}) =>
    abandonmentCandidates({ versions: [version], members, workloads: [], nowMs, registrationGraceMs: GRACE, ...more });

  it("waits out the registration grace from the version's creation, then asks as the DSP, silence counted from the creation as the chaincode counts it", () => {
    expect(at(100_000 + GRACE)).toEqual([]);
    expect(at(100_000 + GRACE + 1)).toEqual([
      { channel: 'dao-a-v1', mspId: 'Vsp1MSP', actingMspId: 'DspMSP', sinceMs: 100_000, windowIndex: 6, commandId: 'telemetry:abandon:dao-a-v1:Vsp1MSP:100000:6' },
    ]);
    expect(evaluateAbandonmentCommand(at(100_000 + GRACE + 1)[0]!)).toMatchObject({ transaction: 'EvaluateAbandonment', arguments: ['Vsp1MSP'], actingMspId: 'DspMSP' });
    // Once per abandon-after period of the same silence, as for any silent member.
    const id = (nowMs: number) => at(nowMs)[0]?.commandId;
    expect(id(165_000)).toBe(id(169_999));
    expect(id(170_000)).not.toBe(id(169_999));
  });

  it('still needs abandon-after to have passed since the creation when the grace is shorter (the threshold)', () => {
    expect(at(110_000, { registrationGraceMs: 1_000 })).toEqual([]);
    expect(at(110_001, { registrationGraceMs: 1_000 })).toMatchObject([{ mspId: 'Vsp1MSP', sinceMs: 100_000, windowIndex: 1 }]);
    expect(at(100_001 + 10_000, { registrationGraceMs: 0 })).toMatchObject([{ mspId: 'Vsp1MSP' }]);
  });

  it('never asks about a member the spec expects no workload of, or whose expectations are unknown, however long it is silent', () => {
    expect(at(1e9).map((c) => c.mspId)).toEqual(['Vsp1MSP']);
    // Member mode: VSP2 asks about VSP1 as itself; VSP1 never about itself, and about nobody else here.
    expect(at(1e9, { self: 'Vsp2MSP' }).map((c) => [c.mspId, c.actingMspId])).toEqual([['Vsp1MSP', 'Vsp2MSP']]);
    expect(at(1e9, { self: 'Vsp1MSP' })).toEqual([]);
    // Ended members and versions, as always.
    expect(at(1e9, { members: members.map((m) => (m.mspId === 'Vsp1MSP' ? { ...m, status: 'exited' as const } : m)) })).toEqual([]);
    expect(at(1e9, { versions: [{ ...version, status: 'dissolved' }] })).toEqual([]);
  });

  it('measures a member that registered a workload later from its registration and heartbeats, whatever the grace', () => {
    const registered = (lastHeartbeatMs: number | null) => [{ channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 200_000, lastHeartbeatMs }];
    expect(at(205_000, { workloads: registered(null) })).toEqual([]);
    expect(at(210_001, { workloads: registered(null) })).toMatchObject([{ mspId: 'Vsp1MSP', sinceMs: 200_000, windowIndex: 1 }]);
    expect(at(215_000, { workloads: registered(209_000) })).toEqual([]);
    // Registered on another channel only: nothing registered here, so the grace rule applies here.
    expect(at(1e9, { workloads: [{ ...registered(null)[0]!, channel: 'dao-a-v2' }] })).toMatchObject([{ mspId: 'Vsp1MSP', sinceMs: 100_000 }]);
  });

  it('gives a member first named by a change of infrastructure the grace from that decision', () => {
    const named = members.map((m) => (m.mspId === 'Vsp2MSP' ? { ...m, expectedWorkloads: 1, expectedSinceMs: 500_000 } : m));
    expect(at(500_000 + GRACE, { members: named }).map((c) => c.mspId)).toEqual(['Vsp1MSP']);
    expect(at(500_000 + GRACE + 1, { members: named })).toEqual(
      expect.arrayContaining([expect.objectContaining({ mspId: 'Vsp2MSP', sinceMs: 100_000 })]),
    );
  });
});

describe('a DAO with one channel per version (carry-over: a member of version 1 sits in version 2 too)', () => {
  const v1: VersionView = { channel: 'dao-a-v1', daoId: 'a', version: 1, heartbeatIntervalSeconds: 1, abandonAfterSeconds: 10, createdAtMs: 100_000, contractEndsAtMs: null, status: 'active' };
  const v2: VersionView = { ...v1, channel: 'dao-a-v2', version: 2, createdAtMs: 200_000 };
  const members = [
    memberOf('dao-a-v1', 'DspMSP', 'D', 0),
    memberOf('dao-a-v1', 'Vsp1MSP', 'J1', 1),
    memberOf('dao-a-v2', 'DspMSP', 'D', 0),
    memberOf('dao-a-v2', 'Vsp1MSP', 'J1', 1),
    memberOf('dao-a-v2', 'Vsp2MSP', 'J2', 2),
  ];

  it('plans the same heartbeat into a snapshot of each channel, with ids unique per channel', () => {
    const a = planSnapshots('dao-a-v1', [hb('a-v1-dsp', 4)], new Map(), 3);
    const b = planSnapshots('dao-a-v2', [hb('a-v1-dsp', 4)], new Map(), 3);
    expect(a.snapshots[0]!.heartbeats).toEqual(b.snapshots[0]!.heartbeats);
    const ids = [recordTelemetryCommand('dao-a-v1', a.snapshots[0]!, 'DspMSP'), recordTelemetryCommand('dao-a-v2', b.snapshots[0]!, 'DspMSP')].map((c) => [c.channel, c.commandId]);
    expect(ids).toEqual([
      ['dao-a-v1', 'telemetry:record:dao-a-v1:3'],
      ['dao-a-v2', 'telemetry:record:dao-a-v2:3'],
    ]);
    // Recorded on CH_1 already does not make it stale on CH_2: each channel's seqs are its own.
    expect(planSnapshots('dao-a-v2', [hb('a-v1-dsp', 4)], new Map([['a-v1-dsp', { snapshotSeq: null, recordedSeq: 2 }]]), 1).snapshots).toHaveLength(1);
  });

  it('asks about a silent member on every channel where its carried-over workload is registered, each from its own evidence', () => {
    const workloads = [
      // The DSP's node, built for version 1, registered on CH_1 and carried over to CH_2: silent since 130 s.
      { channel: 'dao-a-v1', owner: 'DspMSP', registeredAtMs: 100_000, lastHeartbeatMs: 130_000 },
      { channel: 'dao-a-v2', owner: 'DspMSP', registeredAtMs: 200_500, lastHeartbeatMs: null },
      // VSP1's node heartbeats, recorded on both channels.
      { channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 100_000, lastHeartbeatMs: 299_000 },
      { channel: 'dao-a-v2', owner: 'Vsp1MSP', registeredAtMs: 200_500, lastHeartbeatMs: 299_000 },
      // The joiner's node, built for version 2 only.
      { channel: 'dao-a-v2', owner: 'Vsp2MSP', registeredAtMs: 201_000, lastHeartbeatMs: 299_500 },
    ];
    const candidates = abandonmentCandidates({ registrationGraceMs: 0, versions: [v1, v2], members, workloads, nowMs: 300_000 });
    expect(candidates.map((c) => [c.channel, c.mspId, c.actingMspId, c.sinceMs])).toEqual([
      ['dao-a-v1', 'DspMSP', 'DspMSP', 130_000],
      ['dao-a-v2', 'DspMSP', 'DspMSP', 200_500],
    ]);
    expect(new Set(candidates.map((c) => c.commandId)).size).toBe(2);
    expect(candidates.map((c) => evaluateAbandonmentCommand(c).channel)).toEqual(['dao-a-v1', 'dao-a-v2']);
    // Without the carry-over registration CH_2 has no workload of the DSP and never asks: the gap the carry-over closes.
    const withoutCarry = workloads.filter((w) => !(w.channel === 'dao-a-v2' && w.owner !== 'Vsp2MSP'));
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [v1, v2], members, workloads: withoutCarry, nowMs: 300_000 }).map((c) => c.channel)).toEqual(['dao-a-v1']);
  });

  it('decides per channel: abandoned on CH_1 already, the member is still asked about on CH_2', () => {
    const ended = members.map((m) => (m.channel === 'dao-a-v1' && m.mspId === 'Vsp1MSP' ? { ...m, status: 'abandoned' as const } : m));
    const workloads = [
      { channel: 'dao-a-v1', owner: 'Vsp1MSP', registeredAtMs: 100_000, lastHeartbeatMs: 150_000 },
      { channel: 'dao-a-v2', owner: 'Vsp1MSP', registeredAtMs: 200_000, lastHeartbeatMs: 150_000 },
    ];
    expect(abandonmentCandidates({ registrationGraceMs: 0, versions: [v1, v2], members: ended, workloads, nowMs: 300_000 }).map((c) => [c.channel, c.mspId])).toEqual([['dao-a-v2', 'Vsp1MSP']]);
  });
});

describe('contractEndCandidates', () => {
  const DAY = 86_400_000;
  const version = (v: number, endsAt: number | null, status: VersionView['status'] = 'active'): VersionView => ({
    channel: `dao-a-v${v}`,
    daoId: 'a',
    version: v,
    heartbeatIntervalSeconds: 1,
    abandonAfterSeconds: 10,
    createdAtMs: 0,
    contractEndsAtMs: endsAt,
    status,
  });
  const member = memberOf;
  const members = [
    member('dao-a-v2', 'DspMSP', 'D', 0),
    member('dao-a-v2', 'Vsp1MSP', 'J1', 1),
    member('dao-a-v2', 'Vsp2MSP', 'J2', 2),
    member('dao-a-v2', 'Vsp3MSP', 'J2', 3, 'abandoned'),
  ];

  it("asks about the active members of the version's joining group once its term has run, acting as the DSP", () => {
    const candidates = contractEndCandidates({ versions: [version(2, 30 * DAY)], members, nowMs: 30 * DAY, retryMs: 600_000 });
    expect(candidates).toEqual([
      { channel: 'dao-a-v2', mspId: 'Vsp2MSP', actingMspId: 'DspMSP', contractEndsAtMs: 30 * DAY, attempt: 0, commandId: `telemetry:contract-end:dao-a-v2:Vsp2MSP:${30 * DAY}:0` },
    ]);
    expect(evaluateContractEndCommand(candidates[0]!)).toEqual({
      commandId: `telemetry:contract-end:dao-a-v2:Vsp2MSP:${30 * DAY}:0`,
      channel: 'dao-a-v2',
      chaincode: 'dao',
      transaction: 'EvaluateContractEnd',
      arguments: ['Vsp2MSP'],
      actingMspId: 'DspMSP',
    });
  });

  it('waits for the end, skips dissolved versions and unknown terms, and asks again only after the retry period', () => {
    expect(contractEndCandidates({ versions: [version(2, 30 * DAY)], members, nowMs: 30 * DAY - 1, retryMs: 600_000 })).toEqual([]);
    expect(contractEndCandidates({ versions: [version(2, 30 * DAY, 'dissolved')], members, nowMs: 31 * DAY, retryMs: 600_000 })).toEqual([]);
    expect(contractEndCandidates({ versions: [version(2, null)], members, nowMs: 31 * DAY, retryMs: 600_000 })).toEqual([]);
    const at = (nowMs: number) => contractEndCandidates({ versions: [version(2, 30 * DAY)], members, nowMs, retryMs: 600_000 })[0]?.attempt;
    expect([at(30 * DAY + 599_999), at(30 * DAY + 600_000), at(30 * DAY + 1_800_000)]).toEqual([0, 1, 3]);
  });

  it('needs an active founding member to act', () => {
    const leaderless = members.map((m) => (m.group === 'D' ? { ...m, status: 'exited' as const } : m));
    expect(contractEndCandidates({ versions: [version(2, 30 * DAY)], members: leaderless, nowMs: 31 * DAY, retryMs: 600_000 })).toEqual([]);
  });
});
