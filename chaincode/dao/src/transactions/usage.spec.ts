import { DIGEST, DSP, OUTSIDER, VSP1, VSP2A, initialised, json } from '../fixtures.spec-helper';

const s = JSON.stringify;
const PARAMS = 'ef'.repeat(32);
const granted = {
  usageId: 'cmp-1',
  dataset: { owner: DSP, name: 'readings' },
  requester: { mspId: VSP1, enrollmentId: 'vsp-analyst' },
  computation: 'mean',
  parametersDigest: PARAMS,
  recipients: [VSP1, DSP],
  outcome: 'granted',
  rows: 500,
  resultDigest: DIGEST,
};
const refused = {
  usageId: 'ref-1',
  dataset: { owner: DSP, name: 'readings' },
  requester: { mspId: OUTSIDER },
  computation: 'raw-dump',
  parametersDigest: PARAMS,
  recipients: [OUTSIDER],
  outcome: 'refused',
  check: 'requester-member',
};

describe('DaoContract usage trail', () => {
  it('records a granted request by its requester, held to the terms, and returns it in the dataset\'s trail with its transaction id', async () => {
    const { ledger, dao } = await initialised(1);
    const recorded = json(await ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s(granted)), { txId: 'txgranted' }));
    expect(recorded).toEqual({ ...granted, recordedBy: VSP1, atMs: expect.any(Number), txId: 'txgranted' });
    expect(ledger.lastEvent()).toMatchObject({ name: 'UsageRecorded', payload: { usageId: 'cmp-1', outcome: 'granted', txId: 'txgranted', recordedBy: VSP1 } });
    const events = ledger.events.length;
    expect(json(await ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s(granted))))['txId']).toBe('txgranted'); // a retried record
    expect(ledger.events).toHaveLength(events);
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, rows: 501 })))).rejects.toThrow(/^CONFLICT: usage cmp-1 of dataset readings is already recorded otherwise/);
    // Only the requester (or a recipient holding the result, below) records a granted request, and only what the terms allow, to the terms' recipients.
    await expect(ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s({ ...granted, usageId: 'cmp-2' })))).rejects.toThrow(/^FORBIDDEN: DspMSP may record VspOneMSP's granted request cmp-2 only after its ComputationCompleted/);
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, usageId: 'cmp-3', computation: 'raw-dump' })))).rejects.toThrow(/^FORBIDDEN: computation raw-dump is not allowed/);
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, usageId: 'cmp-4', recipients: [VSP1] })))).rejects.toThrow(/^FORBIDDEN: usage\.recipients: computation mean goes to DspMSP, VspOneMSP/);
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, usageId: 'cmp-5', dataset: { owner: VSP1, name: 'readings' } })))).rejects.toThrow(/^FORBIDDEN: dataset\.owner: VspOneMSP is not a data owner/);
    const trail = json(await ledger.evaluate(DSP, (ctx) => dao.GetUsage(ctx, 'readings')));
    expect(trail).toEqual({ dataset: 'readings', entries: [recorded] });
  });

  it('records a refusal by the dataset\'s owner, whoever asked, and keeps each dataset\'s trail apart in time order', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s(refused)))).rejects.toThrow(/^FORBIDDEN: VspOneMSP may not record a refused request on DspMSP's dataset/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.RecordUsage(ctx, s(refused)))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
    await ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s(refused)), { txId: 'txrefused' });
    ledger.timeMs += 1000;
    await ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, usageId: 'a-first-by-id' })), { txId: 'txlater' });
    await ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, usageId: 'cmp-9', dataset: { owner: DSP, name: 'readings2' } })));
    await ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, usageId: 'cmp-f', outcome: 'failed', rows: undefined, resultDigest: undefined, failure: 'NODES_INCOMPLETE' })), { txId: 'txfailed' });
    const trail = json(await ledger.evaluate(VSP1, (ctx) => dao.GetUsage(ctx, 'readings')));
    expect(trail['entries'].map((e: Record<string, unknown>) => [e['txId'], e['outcome'], e['check'] ?? e['failure'] ?? null])).toEqual([
      ['txrefused', 'refused', 'requester-member'],
      ['txfailed', 'failed', 'NODES_INCOMPLETE'],
      ['txlater', 'granted', null],
    ]);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetUsage(ctx, 'nothing')))).toEqual({ dataset: 'nothing', entries: [] });
    await expect(ledger.evaluate(OUTSIDER, (ctx) => dao.GetUsage(ctx, 'readings'))).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
  });

  it('validates the entry against the catalogue: the outcome decides which fields it carries', async () => {
    const { ledger, dao } = await initialised(1);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s({ ...refused, check: undefined })))).rejects.toThrow(/^INVALID_ARGUMENT: usage\.check: is required when the outcome is refused/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s({ ...refused, check: 'who-knows' })))).rejects.toThrow(/^INVALID_ARGUMENT: usage\.check/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s({ ...refused, resultDigest: DIGEST })))).rejects.toThrow(/^INVALID_ARGUMENT: usage\.resultDigest: must be absent when the outcome is refused/);
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, rows: 1.5 })))).rejects.toThrow(/^INVALID_ARGUMENT: usage\.rows/);
    await expect(ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s({ ...granted, extra: 1 })))).rejects.toThrow(/^INVALID_ARGUMENT/);
    await expect(ledger.evaluate(DSP, (ctx) => dao.GetUsage(ctx, '../x'))).rejects.toThrow(/^INVALID_ARGUMENT: dataset/);
    expect(ledger.events).toHaveLength(1); // InitVersion's only
  });

  it('lets a recipient of the result record a granted request once it recorded ComputationCompleted with the same digest (a DAO of trust domains), idempotently', async () => {
    const { ledger, dao } = await initialised(1);
    const mine = { ...granted, usageId: 'job-d' };
    await expect(ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s(mine)))).rejects.toThrow(/^FORBIDDEN: DspMSP may record VspOneMSP's granted request job-d only after its ComputationCompleted/);
    await ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ jobId: 'job-d', computation: 'mean', members: [DSP, VSP1], resultDigest: DIGEST })));
    await expect(ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s({ ...mine, resultDigest: 'cd'.repeat(32) })))).rejects.toThrow(/^FORBIDDEN: DspMSP may record VspOneMSP's granted request job-d only after its ComputationCompleted, with the same computation and result digest/);
    // Held to the terms as the requester's record is.
    await expect(ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s({ ...mine, recipients: [DSP] })))).rejects.toThrow(/^FORBIDDEN: usage\.recipients/);
    const recorded = json(await ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s(mine)), { txId: 'txbyrecipient' }));
    expect(recorded).toEqual({ ...mine, recordedBy: DSP, atMs: expect.any(Number), txId: 'txbyrecipient' });
    const events = ledger.events.length;
    expect(json(await ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s(mine))))['txId']).toBe('txbyrecipient'); // a retried delivery
    expect(ledger.events).toHaveLength(events);
    // The requester's own record of the same request is the same entry: taken, not twice.
    expect(json(await ledger.submit(VSP1, (ctx) => dao.RecordUsage(ctx, s(mine))))['recordedBy']).toBe(DSP);
  });

  it('refuses a granted record by a member that is neither the requester nor a recipient, and lets the owner record a failed request', async () => {
    const v1 = await initialised(1);
    const { ledger, dao } = await initialised(2, v1);
    await ledger.submit(DSP, (ctx) => dao.ComputationCompleted(ctx, s({ jobId: 'job-x', computation: 'mean', members: [DSP, VSP1], resultDigest: DIGEST })));
    await expect(ledger.submit(VSP2A, (ctx) => dao.RecordUsage(ctx, s({ ...granted, usageId: 'job-x' })))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP may not record VspOneMSP's granted request: its requester or a recipient of its result records it/);
    const failed = { ...granted, usageId: 'job-f', outcome: 'failed', rows: undefined, resultDigest: undefined, failure: 'MAC_CHECK_FAILED' };
    await expect(ledger.submit(VSP2A, (ctx) => dao.RecordUsage(ctx, s(failed)))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP may not record VspOneMSP's failed request: its requester or the dataset's owner records it/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s({ ...failed, recipients: [VSP1] })))).rejects.toThrow(/^FORBIDDEN: usage\.recipients/);
    expect(json(await ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s(failed)), { txId: 'txownerfailed' }))).toMatchObject({ usageId: 'job-f', outcome: 'failed', failure: 'MAC_CHECK_FAILED', recordedBy: DSP, txId: 'txownerfailed' });
  });

  it("takes the nodes' check names for a refusal: the owner's node records 'party-refused' and its own ledger checks", async () => {
    const { ledger, dao } = await initialised(1);
    for (const check of ['ledger', 'mesh-owners', 'op-parties', 'ledger-state', 'party-refused']) {
      expect(json(await ledger.submit(DSP, (ctx) => dao.RecordUsage(ctx, s({ ...refused, usageId: `op-${check}`, requester: { mspId: VSP1 }, check })))).check).toBe(check);
    }
  });
});
