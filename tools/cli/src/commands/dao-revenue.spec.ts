import { split } from '@datawell/domain';
import { describeRevenue, revenueEventsOf, type EntitlementEventView, type EntitlementView } from './dao-revenue';
import { expectBadInput, runCli } from './cli-child.spec-helper';

jest.setTimeout(60_000);

// CH_1 of a DAO of D and J_1 (β_1 = 0.8) and a J_2 above (β_2 = 0.75): a subscription period charged
// here, and a period charged on CH_2 whose rest was relayed here. Payouts as `split` computes them.
const one = split(9_900n, [800_000]);
const two = split(9_900n, [800_000, 750_000]);
const period0: Omit<EntitlementEventView, 'amount'> = {
  allocationId: 'a-period-0',
  source: { kind: 'revenue', revenueId: 'period:0' },
  revenue: { kind: 'subscription-period', recordedBy: 'DspMSP' },
  lump: '9900',
  split: { payouts: [{ mspId: 'Vsp1MSP', amount: String(one.vsps[0]) }, { mspId: 'DspMSP', amount: String(one.dsp) }], rest: String(one.dsp), restTo: { group: 'D' } },
  txId: 'aa'.repeat(32),
  atMs: Date.UTC(2026, 0, 1, 0, 0, 1),
};
const relayed: Omit<EntitlementEventView, 'amount'> = {
  allocationId: 'a-relay-1',
  source: { kind: 'relay', sourceChannel: 'dao-acme-v2', sourceTxId: 'bb'.repeat(32) },
  lump: String(two.lumps[0]),
  split: { payouts: [{ mspId: 'Vsp1MSP', amount: String(two.vsps[0]) }, { mspId: 'DspMSP', amount: String(two.dsp) }], rest: String(two.dsp), restTo: { group: 'D' } },
  txId: 'cc'.repeat(32),
  atMs: Date.UTC(2026, 0, 1, 0, 0, 30),
};
const entitlements: EntitlementView[] = [
  { mspId: 'DspMSP', amount: String(one.dsp + two.dsp), events: [{ ...relayed, amount: String(two.dsp) }, { ...period0, amount: String(one.dsp) }] },
  { mspId: 'Vsp1MSP', amount: String(one.vsps[0]! + two.vsps[0]!), events: [{ ...period0, amount: String(one.vsps[0]) }, { ...relayed, amount: String(two.vsps[0]) }] },
];

describe('revenueEventsOf', () => {
  it('lists each allocation once, in time order, with its whole split at this level', () => {
    const events = revenueEventsOf(entitlements);
    expect(events).toEqual([
      { allocationId: 'a-period-0', atMs: period0.atMs, txId: period0.txId, source: 'period:0', kind: 'subscription-period', recordedBy: 'DspMSP', lump: '9900', payouts: period0.split.payouts, rest: String(one.dsp), restTo: 'group D' },
      { allocationId: 'a-relay-1', atMs: relayed.atMs, txId: relayed.txId, source: 'relay', relayedFrom: { channel: 'dao-acme-v2', txId: 'bb'.repeat(32) }, lump: String(two.lumps[0]), payouts: relayed.split.payouts, rest: String(two.dsp), restTo: 'group D' },
    ]);
    // Each event's payouts are the lump, paid out whole.
    for (const e of events) expect(e.payouts.reduce((s, p) => s + BigInt(p.amount), 0n)).toBe(BigInt(e.lump));
  });

  it('has nothing for members without events (an older chaincode) or a channel without revenue', () => {
    expect(revenueEventsOf([{ mspId: 'DspMSP', amount: '0' }])).toEqual([]);
    expect(revenueEventsOf([])).toEqual([]);
  });
});

describe('describeRevenue', () => {
  it('prints the totals, then one line per event with its split', () => {
    const text = describeRevenue('dao-acme-v1', entitlements, revenueEventsOf(entitlements));
    expect(text.split('\n')).toEqual([
      'dao-acme-v1: 2 revenue event(s)',
      '  entitlements:',
      `    DspMSP               ${one.dsp + two.dsp}`,
      `    Vsp1MSP              ${one.vsps[0]! + two.vsps[0]!}`,
      `  2026-01-01T00:00:01.000Z period:0 (subscription-period, recorded by DspMSP): 9900 → Vsp1MSP ${one.vsps[0]}, DspMSP ${one.dsp}; rest ${one.dsp} to group D (tx aaaaaaaaaaaa)`,
      `  2026-01-01T00:00:30.000Z rest relayed from dao-acme-v2 (tx bbbbbbbbbbbb): ${two.lumps[0]} → Vsp1MSP ${two.vsps[0]}, DspMSP ${two.dsp}; rest ${two.dsp} to group D (tx cccccccccccc)`,
      '',
    ]);
  });
});

describe('./dev dao revenue: bad input exits 2 with one line, before any bridge is asked', () => {
  const run = (...args: string[]) => runCli('dao', 'revenue', ...args);
  test.concurrent.each([
    [['acme', '--dao', 'd1', '--version', '1'], /<MSPID> must be an MSP id/],
    [['AcmeMSP', '--dao', 'D_1', '--version', '1'], /--dao must be a DAO id/],
    [['AcmeMSP', '--dao', 'd1', '--version', '0'], /--version must be a whole number 1-9999/],
    [['AcmeMSP', '--dao', 'd1'], /required option '--version <n>'/],
  ])('%j', async (args, message) => {
    const r = await run(...args);
    expectBadInput(r, message);
  });
});
