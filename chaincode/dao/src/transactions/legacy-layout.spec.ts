import { DAO_PRIVATE_COLLECTION as C } from '@datawell/contracts';
import { DSP, START_MS, VSP1, acceptances, agreement, initialised, json } from '../fixtures.spec-helper';

const s = JSON.stringify;

describe('DaoContract on a channel written in the earlier ledger layout', () => {
  const revenue = (revenueId: string, amount: string, extra: Record<string, unknown> = {}) => s({ revenueId, amount, kind: 'use', ...extra });

  it('reads and migrates a version stored in the earlier layout (one key per member, revenue records apart)', async () => {
    const { ledger, dao } = await initialised(1);
    // Rewrite the state as the earlier chaincode left it: members under member~<msp>, no memberStates.
    const version = ledger.readPrivate<Record<string, unknown>>(C, 'version') as Record<string, unknown>;
    const { memberStates, ...legacy } = version as { memberStates: Record<string, unknown>[] };
    ledger.writePrivate(C, 'version', legacy);
    for (const m of memberStates) ledger.writePrivate(C, `\u0000member\u0000${String(m['mspId'])}\u0000`, m);
    const allocation = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('old', '1000'))));
    expect(allocation['payouts']).toEqual([{ mspId: VSP1, amount: '400' }, { mspId: DSP, amount: '600' }]);
    // An allocation of the earlier layout has no revenue details: a retry compares with revenue~<id>.
    const key = '\u0000allocation\u0000revenue:old\u0000';
    const { revenue: details, ...earlier } = ledger.readPrivate<Record<string, unknown>>(C, key) as Record<string, unknown>;
    ledger.writePrivate(C, key, earlier);
    ledger.writePrivate(C, '\u0000revenue\u0000old\u0000', { revenueId: 'old', amount: '1000', ...(details as object) });
    expect(json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('old', '1000'))))).toEqual(allocation);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, revenue('old', '1000', { kind: 'subscription-period' })))).rejects.toThrow(/^CONFLICT: revenue old/);
    expect(json(await ledger.evaluate(VSP1, (ctx) => dao.GetVersion(ctx)))['memberStates']).toEqual(memberStates);
    // A retried InitVersion rewrites the version as one record; member changes then go there.
    expect(json(await ledger.submit(DSP, (ctx) => dao.InitVersion(ctx, s(agreement(1)), acceptances(agreement(1)))))).toEqual(legacy);
    expect(ledger.readPrivate(C, 'version')).toEqual(version);
    await ledger.submit(VSP1, (ctx) => dao.RequestExit(ctx));
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP1)))['exitRequestedAtMs']).toBe(START_MS);
    expect((JSON.parse(await ledger.evaluate(DSP, (ctx) => dao.GetEntitlements(ctx))) as Record<string, unknown>[]).map(({ events: _events, ...total }) => total)).toEqual([
      { mspId: DSP, amount: '600', allocations: 1 },
      { mspId: VSP1, amount: '400', allocations: 1 },
    ]);
  });
});
