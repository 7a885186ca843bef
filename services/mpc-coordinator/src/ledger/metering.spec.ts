import type { LedgerEvent } from '@datawell/contracts';
import { meteringCommandOf } from './metering';

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
