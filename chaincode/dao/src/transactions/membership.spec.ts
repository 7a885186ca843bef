import type { MemoryLedger } from '@datawell/chaincode-common';
import type { DaoContract } from '../dao.contract';
import { DSP, OUTSIDER, START_MS, TERMS, VSP1, VSP2A, VSP2B, ecKeys, initialised, json, signedHeartbeat } from '../fixtures.spec-helper';

const s = JSON.stringify;

describe('DaoContract abandonment from recorded heartbeats and the transaction time', () => {
  async function heartbeatAt(ledger: MemoryLedger, dao: DaoContract, keys: ReturnType<typeof ecKeys>, workloadId: string, seq: number, atMs: number) {
    ledger.timeMs = atMs;
    await ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: `snap-${workloadId}-${seq}`, heartbeats: [signedHeartbeat(keys, workloadId, seq, atMs)] })));
  }

  it('keeps a member whose last heartbeat is within abandon-after of the transaction time, and abandons it after', async () => {
    const { ledger, dao } = await initialised(2);
    const keys = ecKeys();
    await ledger.submit(VSP2A, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w2a', publicKeyPem: keys.publicKeyPem })));
    await heartbeatAt(ledger, dao, keys, 'w2a', 1, START_MS + 1_000_000);
    const deadline = START_MS + 1_000_000 + 600_000;
    ledger.timeMs = deadline; // exactly at the deadline: still alive
    expect(json(await ledger.submit(VSP1, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A)))).toMatchObject({ abandoned: false, deadlineMs: deadline });
    expect(ledger.lastEvent()?.name).toBe('TelemetryRecorded');
    ledger.timeMs = deadline + 1;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A)))).toMatchObject({ abandoned: true, deadlineMs: deadline, levelEnded: false, dissolved: false });
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberAbandoned', payload: { mspId: VSP2A, group: 'J2', lastHeartbeatMs: START_MS + 1_000_000, decidedAtMs: deadline + 1 } });
    await expect(ledger.submit(VSP1, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A))).rejects.toThrow(/^CONFLICT: VspTwoAMSP is already abandoned/);
    // The abandoned member is out: it may not act any more.
    await expect(ledger.submit(VSP2A, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '10', kind: 'use' })))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP is abandoned/);
  });

  it('measures a member with no heartbeat from the version creation', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS + 600_000;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP1)))['abandoned']).toBe(false);
    ledger.timeMs = START_MS + 600_001;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP1)))['abandoned']).toBe(true);
  });

  it('sends a wholly abandoned level inward (β = 10^6) and splits a partly abandoned group among its active members', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS + 700_000;
    await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP2B));
    const partial = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r1', amount: '1000', kind: 'use' }))));
    expect(partial).toMatchObject({ betaPpm: 750_000, levelEnded: false, joiningShare: '250', rest: '750', payouts: [{ mspId: VSP2A, amount: '250' }] });
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP2A)))['levelEnded']).toBe(true);
    const ended = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r2', amount: '1000', kind: 'use' }))));
    expect(ended).toMatchObject({ betaPpm: 1_000_000, levelEnded: true, joiningShare: '0', rest: '1000', restTo: { channel: 'dao-acme-v1' }, payouts: [] });
  });

  it('dissolves the DAO when a DSP abandons: no more revenue', async () => {
    const { ledger, dao } = await initialised(1);
    ledger.timeMs = START_MS + 3_600_000;
    const result = json(await ledger.submit(VSP1, (ctx) => dao.EvaluateAbandonment(ctx, DSP)));
    expect(result).toMatchObject({ abandoned: true, dissolved: true });
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetVersion(ctx)))).toMatchObject({ status: 'dissolved', dissolvedReason: 'founding member DspMSP abandoned' });
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '10', kind: 'use' })))).rejects.toThrow(/^CONFLICT: DAO_DISSOLVED: DAO acme is dissolved/);
  });

  it('checks the caller and the argument', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.EvaluateAbandonment(ctx, VSP1))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, 'not an msp'))).rejects.toThrow(/^INVALID_ARGUMENT: mspId/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, OUTSIDER))).rejects.toThrow(/^NOT_FOUND: OutsiderMSP is not a member/);
  });
});

describe('DaoContract voluntary exit with notice', () => {
  it('completes an exit only after the notice, measured in transaction time; the level then passes inward', async () => {
    const { ledger, dao } = await initialised(1);
    ledger.timeMs = START_MS + 10_000;
    const requested = json(await ledger.submit(VSP1, (ctx) => dao.RequestExit(ctx)));
    expect(requested).toMatchObject({ exitRequestedAtMs: START_MS + 10_000, exitEffectiveAtMs: START_MS + 10_000 + 3_600_000 });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ExitRequested', payload: { mspId: VSP1 } });
    await expect(ledger.submit(VSP1, (ctx) => dao.RequestExit(ctx))).rejects.toThrow(/^CONFLICT: EXIT_ALREADY_REQUESTED: VspOneMSP has already requested exit/);
    ledger.timeMs = START_MS + 10_000 + 3_600_000 - 1;
    await expect(ledger.submit(DSP, (ctx) => dao.CompleteExit(ctx, VSP1))).rejects.toThrow(/^CONFLICT: EXIT_NOTICE_RUNNING: the exit notice of VspOneMSP runs until/);
    ledger.timeMs += 1;
    expect(json(await ledger.submit(DSP, (ctx) => dao.CompleteExit(ctx, VSP1)))).toMatchObject({ status: 'exited', levelEnded: true, dissolved: false });
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberExited', payload: { mspId: VSP1, levelEnded: true } });
    const allocation = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '1000', kind: 'use' }))));
    expect(allocation).toMatchObject({ betaPpm: 1_000_000, joiningShare: '0', payouts: [{ mspId: DSP, amount: '1000' }] });
  });

  it('refuses to complete an exit nobody requested, and outsiders', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(DSP, (ctx) => dao.CompleteExit(ctx, VSP1))).rejects.toThrow(/^CONFLICT: EXIT_NOT_REQUESTED: VspOneMSP has not requested exit/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.RequestExit(ctx))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.CompleteExit(ctx, VSP1))).rejects.toThrow(/^FORBIDDEN/);
  });

  it('dissolves the DAO when a DSP exits', async () => {
    const { ledger, dao } = await initialised(1);
    await ledger.submit(DSP, (ctx) => dao.RequestExit(ctx));
    ledger.timeMs += 3_600_000;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.CompleteExit(ctx, DSP)))['dissolved']).toBe(true);
  });
});

describe("DaoContract contract term: a version's agreement ends for its joining group after durationDays", () => {
  const DAY = 86_400_000;

  it('ends J_i exactly when the term has run, in transaction time, and sends the level inward', async () => {
    const { ledger, dao } = await initialised(2);
    const endsAt = START_MS + 365 * DAY;
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['contractEndsAtMs']).toBe(endsAt);
    ledger.timeMs = endsAt - 1;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP2A)))).toEqual({ mspId: VSP2A, ended: false, contractEndsAtMs: endsAt, evaluatedAtMs: endsAt - 1 });
    expect(ledger.lastEvent()?.name).toBe('VersionCreated');
    ledger.timeMs = endsAt;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP2A)))).toMatchObject({ ended: true, status: 'exited', reason: 'contract-ended', levelEnded: false, dissolved: false });
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberExited', payload: { mspId: VSP2A, group: 'J2', reason: 'contract-ended', contractEndsAtMs: endsAt, exitedAtMs: endsAt } });
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP2A))).rejects.toThrow(/^CONFLICT: VspTwoAMSP is already exited/);
    await expect(ledger.submit(VSP2A, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '10', kind: 'use' })))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP is exited/);
    // The other member of J2 still shares the level until its own contract is put to the rule.
    const partial = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r1', amount: '1000', kind: 'use' }))));
    expect(partial).toMatchObject({ betaPpm: 750_000, levelEnded: false, payouts: [{ mspId: VSP2B, amount: '250' }] });
    expect(json(await ledger.submit(VSP1, (ctx) => dao.EvaluateContractEnd(ctx, VSP2B)))['levelEnded']).toBe(true);
    const ended = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r2', amount: '1000', kind: 'use' }))));
    expect(ended).toMatchObject({ betaPpm: 1_000_000, levelEnded: true, joiningShare: '0', rest: '1000', payouts: [] });
    const member = json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP2B)));
    expect(member).toMatchObject({ status: 'exited', endReason: 'contract-ended', endedAtMs: endsAt });
  });

  it('binds only the joining group of this version: D and earlier groups are refused, whatever the time', async () => {
    const { ledger, dao } = await initialised(2);
    ledger.timeMs = START_MS + 10_000 * DAY;
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, DSP))).rejects.toThrow(/^CONFLICT: DspMSP is in group D: the term of version 2 binds its joining group J2 only/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP1))).rejects.toThrow(/^CONFLICT: VspOneMSP is in group J1/);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['status']).toBe('active');
  });

  it('follows a term changed by a passed proposal, and records the reason of a voluntary exit too', async () => {
    const { ledger, dao } = await initialised(1);
    ledger.timeMs = START_MS + 30 * DAY;
    await ledger.submit(VSP1, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'short', kind: 'change-terms', payload: { ...TERMS, durationDays: 30 } })));
    expect(json(await ledger.submit(DSP, (ctx) => dao.CastVote(ctx, 'short', 'yes')))).toMatchObject({ status: 'accepted' }); // D holds 70 %
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, VSP1)))).toMatchObject({ ended: true, contractEndsAtMs: START_MS + 30 * DAY, levelEnded: true });
    const { ledger: other, dao: dao2 } = await initialised(1);
    await other.submit(VSP1, (ctx) => dao2.RequestExit(ctx));
    other.timeMs += 3_600_000;
    await other.submit(DSP, (ctx) => dao2.CompleteExit(ctx, VSP1));
    expect(other.lastEvent()).toMatchObject({ name: 'MemberExited', payload: { mspId: VSP1, reason: 'exit' } });
  });

  it('checks the caller and the argument', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.EvaluateContractEnd(ctx, VSP1))).rejects.toThrow(/^FORBIDDEN/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, 'not an msp'))).rejects.toThrow(/^INVALID_ARGUMENT: mspId/);
    await expect(ledger.submit(DSP, (ctx) => dao.EvaluateContractEnd(ctx, OUTSIDER))).rejects.toThrow(/^NOT_FOUND: OutsiderMSP is not a member/);
  });
});
