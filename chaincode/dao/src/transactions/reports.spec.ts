import { DaoContract } from '../dao.contract';
import { DIGEST, DSP, INFRA, OUTSIDER, VSP1, acceptances, agreement, daoLedger, initialised, json } from '../fixtures.spec-helper';

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

  describe('in parts, one per member with managed workloads (trust domains)', () => {
    /** A version where the DSP and VSP1 each run a managed workload, and VSP1 also a self-hosted one. */
    async function twoParts() {
      const ledger = daoLedger(1);
      const dao = new DaoContract();
      const infra = { workloads: [...INFRA.workloads, { name: 'mpc-vsp', owner: VSP1, placement: 'managed', kind: 'mpc-node' }] };
      const a = agreement(1, { infrastructure: infra });
      await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(a), acceptances(a)));
      return { ledger, dao };
    }
    const OTHER = 'cd'.repeat(32);

    it('is provisioned once every part is in, with the parts combined', async () => {
      const { ledger, dao } = await twoParts();
      const node = { workloadId: 'acme-v1-mpc-vsp', owner: VSP1, partyIndex: 1, controlUrl: 'https://127.0.0.1:1' };
      expect(json(await ledger.submit(VSP1, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: OTHER, resources: { workloads: 1, mpcNodes: [node] } })))))
        .toMatchObject({ revision: 1, mspId: VSP1, status: 'provisioned' });
      expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructurePartProvisioned', payload: { mspId: VSP1, revision: 1 } });
      expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['infrastructureStatus']).toBe('requested');
      const events = ledger.events.length;
      await ledger.submit(VSP1, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: OTHER, resources: { workloads: 1, mpcNodes: [node] } }))); // a retried report
      expect(ledger.events).toHaveLength(events);
      await expect(ledger.submit(VSP1, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })))).rejects.toThrow(/^CONFLICT: VspOneMSP already reported its part of infrastructure revision 1 as provisioned/);
      await ledger.submit(DSP, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST, resources: { workloads: 1 } })));
      const whole = ledger.lastEvent();
      expect(whole).toMatchObject({ name: 'InfrastructureProvisioned', payload: { revision: 1, status: 'provisioned', reportedBy: DSP, parts: [DSP, VSP1], resources: { workloads: 2, mpcNodes: [node] } } });
      expect((whole?.payload as Record<string, unknown>)['outputsDigest']).toMatch(/^[0-9a-f]{64}$/);
      expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetVersion(ctx)))['infrastructureStatus']).toBe('provisioned');
    });

    it('takes a part only from an active member with managed workloads, for the current revision', async () => {
      const { ledger, dao } = await initialised(1); // VSP1 runs only a self-hosted workload here
      await expect(ledger.submit(VSP1, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })))).rejects.toThrow(/^FORBIDDEN: VspOneMSP runs no managed workload in infrastructure revision 1/);
      await expect(ledger.submit(OUTSIDER, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
      await expect(ledger.submit(DSP, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 2, outputsDigest: DIGEST })))).rejects.toThrow(/^CONFLICT: infrastructure revision 2 is not the current one/);
      // The DSP is the only part here: its report provisions the revision.
      await ledger.submit(DSP, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })));
      expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructureProvisioned', payload: { parts: [DSP], resources: { workloads: 0 } } });
    });

    it('fails the revision at the first failed part, and refuses parts after that', async () => {
      const { ledger, dao } = await twoParts();
      await ledger.submit(VSP1, (ctx) => dao.InfrastructurePartFailed(ctx, s({ revision: 1, reason: 'quota exceeded' })));
      expect(ledger.lastEvent()).toMatchObject({ name: 'InfrastructureFailed', payload: { revision: 1, status: 'failed', reportedBy: VSP1, reason: 'VspOneMSP: quota exceeded' } });
      expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetVersion(ctx)))['infrastructureStatus']).toBe('failed');
      await expect(ledger.submit(DSP, (ctx) => dao.InfrastructurePartProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })))).rejects.toThrow(/^CONFLICT: infrastructure revision 1 is already failed/);
    });
  });
});
