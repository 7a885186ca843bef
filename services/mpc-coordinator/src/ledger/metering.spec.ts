import type { LedgerEvent } from '@datawell/contracts';
import { meteringCommandOf, meteringDecision, meteringTermsOf } from './metering';

const completed = (payload: Record<string, unknown>, channel = 'dao-acme-v2', eventName = 'ComputationCompleted'): LedgerEvent => ({
  channel,
  blockNumber: '7',
  transactionId: 'tx7',
  eventIndex: 0,
  chaincodeId: 'dao',
  eventName,
  payloadEncoding: 'json',
  payload: payload as never,
  daoId: 'acme',
});

const job = { jobId: 'job-1', computation: 'mean', members: ['DspMSP', 'Vsp1MSP'], resultDigest: 'ab'.repeat(32), recipients: ['DspMSP'], recordedBy: 'Vsp1MSP', atMs: 5 };

describe('ComputationCompleted → MeterComputation', () => {
  it('meters the job on its channel as the member who recorded it, under a command id derived from the job id', () => {
    const metering = meteringCommandOf(completed(job));
    expect(metering).toEqual({
      jobId: 'job-1',
      command: {
        commandId: 'mpc-coordinator:meter-computation:job-1',
        channel: 'dao-acme-v2',
        chaincode: 'dao',
        transaction: 'MeterComputation',
        arguments: ['job-1'],
        actingMspId: 'Vsp1MSP',
      },
    });
    // A replay of the event (another delivery, another block) gives the same command: one charge.
    expect(meteringCommandOf({ ...completed(job), blockNumber: '99', transactionId: 'tx99' })).toEqual(metering);
  });

  it('meters a job of a superseded version on that version\'s channel, not the top one', () => {
    // dao-acme-v1 was superseded by v2 (VersionSuperseded committed before this event): the job ran on v1's mesh.
    const onV1 = meteringCommandOf(completed(job, 'dao-acme-v1'));
    expect(onV1).toMatchObject({ jobId: 'job-1', command: { channel: 'dao-acme-v1', transaction: 'MeterComputation', arguments: ['job-1'], actingMspId: 'Vsp1MSP' } });
  });

  it('ignores other events and refuses ComputationCompleted it cannot meter', () => {
    expect(meteringCommandOf(completed(job, 'dao-acme-v2', 'RevenueRecorded'))).toBeUndefined();
    expect(meteringCommandOf(completed(job, 'marketplace'))).toEqual({ ignored: 'ComputationCompleted outside a DAO channel' });
    expect(meteringCommandOf(completed({ ...job, recordedBy: undefined }))).toEqual({ ignored: 'ComputationCompleted of job job-1 without recordedBy' });
    expect(meteringCommandOf(completed({ computation: 'mean' }))).toMatchObject({ ignored: expect.stringMatching(/^ComputationCompleted without a usable payload/) });
  });
});

const event = (eventName: string, payload: Record<string, unknown>, channel = 'dao-acme-v2'): LedgerEvent => ({ ...completed(payload, channel, eventName) });
const terms = (extra: Record<string, unknown>) => ({ durationDays: 30, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 60, abandonAfterSeconds: 600, exitNoticeSeconds: 0, ...extra });
const created = (t: Record<string, unknown>, channel = 'dao-acme-v2') =>
  event('VersionCreated', { daoId: 'acme', version: 2, members: [{ mspId: 'DspMSP', role: 'DSP', group: 'D', weight: 1, ownershipPpm: 1_000_000 }], terms: t, createdAtMs: 1 }, channel);

describe('the terms metering decides from', () => {
  it('keeps a version\'s business model and price per computation from VersionCreated', () => {
    expect(meteringTermsOf(created(terms({ price: { currency: 'EUR', perComputation: '1500' } })))).toEqual({ daoId: 'acme', version: 2, businessModel: 'pay-per-use', perComputation: '1500' });
    expect(meteringTermsOf(created(terms({})))).toEqual({ daoId: 'acme', version: 2, businessModel: 'pay-per-use', perComputation: undefined });
    expect(meteringTermsOf(created(terms({ businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', periodSeconds: 60 } } })))).toMatchObject({ businessModel: 'subscription', perComputation: undefined });
  });

  it('replaces them on an accepted change-terms only', () => {
    const decided = (payload: Record<string, unknown>) => event('ProposalDecided', { proposalId: 'p1', kind: 'change-terms', outcome: 'accepted', effect: { terms: terms({ price: { currency: 'EUR', perComputation: '7' } }) }, ...payload });
    expect(meteringTermsOf(decided({}))).toEqual({ daoId: 'acme', version: 2, businessModel: 'pay-per-use', perComputation: '7' });
    expect(meteringTermsOf(decided({ effect: { terms: terms({}) } }))).toEqual({ daoId: 'acme', version: 2, businessModel: 'pay-per-use', perComputation: undefined });
    expect(meteringTermsOf(decided({ outcome: 'rejected', effect: undefined }))).toBeUndefined();
    expect(meteringTermsOf(decided({ kind: 'dissolve', effect: { dissolved: true } }))).toBeUndefined();
  });

  it('ignores other events, other channels and terms it cannot read', () => {
    expect(meteringTermsOf(event('ComputationCompleted', job))).toBeUndefined();
    expect(meteringTermsOf(created(terms({}), 'marketplace'))).toBeUndefined();
    expect(meteringTermsOf(created(terms({}), 'dao-acme-v3'))).toBeUndefined(); // VersionCreated of version 2 on v3's channel
    expect(meteringTermsOf(created({ durationDays: 30 }))).toBeUndefined();
  });
});

describe('whether a completed computation is sent for metering', () => {
  it('sends it for a pay-per-use version with a price per computation', () => {
    expect(meteringDecision({ businessModel: 'pay-per-use', perComputation: '1500' })).toEqual({ meter: true });
  });

  it('sends nothing, and says why, for a version without a price or on a subscription', () => {
    expect(meteringDecision({ businessModel: 'pay-per-use', perComputation: undefined })).toEqual({ meter: false, reason: "the version's terms carry no price per computation" });
    expect(meteringDecision({ businessModel: 'subscription', perComputation: undefined })).toEqual({ meter: false, reason: "the version's business model is subscription: computations are not charged one by one" });
  });

  it('sends it when the terms are not known (the chaincode decides)', () => {
    expect(meteringDecision(undefined)).toEqual({ meter: true });
  });
});
