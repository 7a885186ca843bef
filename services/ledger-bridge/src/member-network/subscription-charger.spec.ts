import { periodsToCharge, SubscriptionCharger, type SubscriptionLedger, type SubscriptionVersion } from './subscription-charger';

const T0 = 1_800_000_000_000;
const version = (over: Partial<SubscriptionVersion> = {}, perPeriod: Record<string, unknown> = { amount: '1000', periodSeconds: 60 }): SubscriptionVersion => ({
  version: 1,
  members: ['DspMSP', 'VspMSP'],
  status: 'active',
  createdAtMs: T0,
  terms: { businessModel: 'subscription', durationDays: 1, price: { perPeriod: perPeriod as never } },
  ...over,
});

describe('periodsToCharge', () => {
  it('charges every period of the grid that has begun since the version was created', () => {
    expect(periodsToCharge(version(), T0)).toEqual([0]);
    expect(periodsToCharge(version(), T0 + 59_999)).toEqual([0]);
    expect(periodsToCharge(version(), T0 + 60_000)).toEqual([0, 1]);
    expect(periodsToCharge(version(), T0 + 150_000)).toEqual([0, 1, 2]);
  });

  it('continues a predecessor\'s grid from the first period that begins at or after its creation', () => {
    // Origin 100 s before creation, periods of 60 s: period 1 began 40 s before, period 2 begins 20 s after.
    const v = version({}, { amount: '1000', periodSeconds: 60, originMs: T0 - 100_000 });
    expect(periodsToCharge(v, T0 + 10_000)).toEqual([]);
    expect(periodsToCharge(v, T0 + 20_000)).toEqual([2]);
  });

  it("stops at the successor's creation (its own record or the successor's channel), the term's end and the dissolution", () => {
    expect(periodsToCharge(version({ successorCreatedAtMs: T0 + 90_000 }), T0 + 500_000)).toEqual([0, 1]);
    expect(periodsToCharge(version(), T0 + 500_000, T0 + 120_000)).toEqual([0, 1]);
    expect(periodsToCharge(version({ dissolvedAtMs: T0 + 60_000 }), T0 + 500_000)).toEqual([0]);
    const day = version({}, { amount: '1000', periodSeconds: 43_200 });
    expect(periodsToCharge(day, T0 + 10 * 86_400_000)).toEqual([0, 1]);
  });

  it('charges nothing for a pay-per-use version or one without a price per period', () => {
    expect(periodsToCharge(version({ terms: { businessModel: 'pay-per-use', durationDays: 1, price: { perPeriod: { amount: '1', periodSeconds: 60 } } } }), T0 + 500_000)).toEqual([]);
    expect(periodsToCharge(version({ terms: { businessModel: 'subscription', durationDays: 1 } }), T0 + 500_000)).toEqual([]);
  });
});

/** A chaincode refusal as the gateway reports it. */
const refusal = (text: string) => Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { code: 10, details: [{ message: `chaincode response 500, ${text}` }] });
const logger = { error: () => undefined, warn: () => undefined, log: () => undefined, debug: () => undefined };

function ledgerOf(versions: Record<string, SubscriptionVersion>, opts: { charged?: string[]; refuseCharge?: boolean; mspId?: string } = {}) {
  const charged = new Set(opts.charged ?? []);
  const submitted: string[] = [];
  const reads: string[] = [];
  const ledger: SubscriptionLedger = {
    mspId: opts.mspId ?? 'DspMSP',
    channels: async () => ['marketplace', ...Object.keys(versions)],
    evaluate: async (channel, _cc, fn, args) => {
      if (fn === 'GetVersion') {
        reads.push(channel);
        const v = versions[channel];
        if (!v) throw refusal('NOT_FOUND: no version');
        return JSON.stringify(v);
      }
      if (fn === 'GetAllocation') {
        if (charged.has(`${channel} ${args[0]}`)) return '{}';
        throw refusal(`NOT_FOUND: no allocation ${args[0]}`);
      }
      throw new Error(`unexpected ${fn}`);
    },
    submit: async (channel, _cc, fn, args) => {
      if (opts.refuseCharge) throw refusal('CONFLICT: version 1 is superseded');
      submitted.push(`${channel} ${fn} ${args.join(' ')}`);
      charged.add(`${channel} revenue:period:${args[0]}`);
      return { txId: `tx-${channel}-${args[0]}` };
    },
  };
  return { ledger, submitted, reads };
}

describe("the DSP's bridge charging its DAOs' subscription periods", () => {
  it('charges, as D, each period not charged yet, once across sweeps; the successor\'s creation ends its predecessor\'s periods', async () => {
    const v1 = version({ createdAtMs: T0 });
    const v2 = version({ version: 2, members: ['DspMSP', 'VspMSP', 'NewMSP'], createdAtMs: T0 + 130_000 }, { amount: '1000', periodSeconds: 60, originMs: T0 });
    const { ledger, submitted, reads } = ledgerOf({ 'dao-d1-v1': v1, 'dao-d1-v2': v2 }, { charged: ['dao-d1-v1 revenue:period:0'] });
    let now = T0 + 200_000;
    const charger = new SubscriptionCharger({ ledger, logger, now: () => now });
    const first = await charger.sweep();
    // Version 1: periods 0 (charged before: read, not submitted), 1 and 2 (began before version 2's creation at 130 s); version 2: period 3 (180 s).
    // Each version read once in the sweep, version 2's also serving as version 1's successor.
    expect(reads).toEqual(['dao-d1-v1', 'dao-d1-v2']);
    expect(first).toEqual([
      { channel: 'dao-d1-v1', period: 0 },
      { channel: 'dao-d1-v1', period: 1, txId: 'tx-dao-d1-v1-1' },
      { channel: 'dao-d1-v1', period: 2, txId: 'tx-dao-d1-v1-2' },
      { channel: 'dao-d1-v2', period: 3, txId: 'tx-dao-d1-v2-3' },
    ]);
    expect(await charger.sweep()).toEqual([]);
    now = T0 + 245_000;
    expect(await charger.sweep()).toEqual([{ channel: 'dao-d1-v2', period: 4, txId: 'tx-dao-d1-v2-4' }]);
    expect(submitted).toEqual(['dao-d1-v1 ChargeSubscription 1', 'dao-d1-v1 ChargeSubscription 2', 'dao-d1-v2 ChargeSubscription 3', 'dao-d1-v2 ChargeSubscription 4']);
  });

  it("charges nothing where its organisation is not D, nor on channels that are not a DAO's", async () => {
    const { ledger, submitted } = ledgerOf({ 'dao-d1-v1': version() }, { mspId: 'VspMSP' });
    expect(await new SubscriptionCharger({ ledger, logger, now: () => T0 + 500_000 }).sweep()).toEqual([]);
    expect(submitted).toEqual([]);
  });

  it('leaves a refused period and the later ones for the next sweep, which charges them', async () => {
    const versions = { 'dao-d1-v1': version() };
    const refused = ledgerOf(versions, { refuseCharge: true });
    const charger = new SubscriptionCharger({ ledger: refused.ledger, logger, now: () => T0 + 61_000 });
    expect(await charger.sweep()).toEqual([]);
    const ok = ledgerOf(versions);
    const again = new SubscriptionCharger({ ledger: ok.ledger, logger, now: () => T0 + 61_000 });
    expect((await again.sweep()).map((c) => c.period)).toEqual([0, 1]);
  });

  it('sweeps on its interval once started, one sweep at a time, and stops', async () => {
    jest.useFakeTimers();
    try {
      const { ledger, submitted } = ledgerOf({ 'dao-d1-v1': version() });
      const charger = new SubscriptionCharger({ ledger, logger, intervalMs: 1000, now: () => T0 + 1 });
      charger.start();
      expect(submitted).toEqual([]);
      await jest.advanceTimersByTimeAsync(1000);
      expect(submitted).toEqual(['dao-d1-v1 ChargeSubscription 0']);
      await charger.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(submitted).toHaveLength(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
