import { DIGEST, DSP, OUTSIDER, VSP1, initialised, json } from '../fixtures.spec-helper';

const s = JSON.stringify;

describe('DaoContract computations and infrastructure reports', () => {
  it('records an allowed computation with the recipients named by the terms', async () => {
    const { ledger, dao } = await initialised(1);
    const job = { jobId: 'job-1', computation: 'mean', members: [DSP, VSP1], resultDigest: DIGEST };
    expect(json(await ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s(job))))).toMatchObject({ ...job, recipients: [DSP, VSP1], recordedBy: DSP });
    expect(ledger.lastEvent()).toMatchObject({ name: 'ComputationCompleted', payload: { jobId: 'job-1', recipients: [DSP, VSP1] } });
    const events = ledger.events.length;
    expect(json(await ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s(job))))['recordedBy']).toBe(DSP); // a retried report
    expect(ledger.events).toHaveLength(events);
    await expect(ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, resultDigest: 'cd'.repeat(32) })))).rejects.toThrow(/^CONFLICT: job job-1 is already recorded with another result/);
    await expect(ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, jobId: 'j2', computation: 'raw-dump' })))).rejects.toThrow(/^FORBIDDEN: computation raw-dump is not allowed/);
    await expect(ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, jobId: 'j3', members: [OUTSIDER] })))).rejects.toThrow(/^INVALID_ARGUMENT: job\.members: OutsiderMSP/);
    await expect(ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, jobId: 'j4', resultDigest: 'short' })))).rejects.toThrow(/^INVALID_ARGUMENT: job\.resultDigest/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.ComputationCompleted(ctx, s({ ...job, jobId: 'j5' })))).rejects.toThrow(/^FORBIDDEN/);
  });

  it('takes infrastructure reports from D for the current revision only', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(VSP1, (ctx) => dao.InfrastructureProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })))).rejects.toThrow(/^FORBIDDEN: VspOneMSP is not in the founding group D/);
    await expect(ledger.submit(DSP, (ctx) => dao.InfrastructureProvisioned(ctx, s({ revision: 2, outputsDigest: DIGEST })))).rejects.toThrow(/^CONFLICT: infrastructure revision 2 is not the current one/);
    await expect(ledger.submit(DSP, (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: '' })))).rejects.toThrow(/^INVALID_ARGUMENT: report\.reason/);
    await ledger.submit(DSP, (ctx) => dao.InfrastructureProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST, resources: { nodes: 3 } })));
    expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructureProvisioned', payload: { revision: 1, status: 'provisioned', outputsDigest: DIGEST, resources: { nodes: 3 } } });
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetVersion(ctx)))['infrastructureStatus']).toBe('provisioned');
    await expect(ledger.submit(DSP, (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: 'late' })))).rejects.toThrow(/^CONFLICT: infrastructure revision 1 is already provisioned/);
  });

  it('records a failed provisioning', async () => {
    const { ledger, dao } = await initialised(1);
    await ledger.submit(DSP, (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: 'quota exceeded' })));
    expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructureFailed', payload: { revision: 1, reason: 'quota exceeded', reportedBy: DSP } });
  });
});
