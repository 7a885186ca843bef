import { split } from '@datawell/domain';
import { addDomain, up } from '@datawell/stack';
import { runSubscription, type MemberEntitlement } from '@datawell/testing';
import { domainMemberOnStack } from '../../src/commands/scenario';
import { REPO_DIR, stackContext } from '../../src/context';
import { startMemberServices, stopMemberServices } from '../../src/services/domain-runner';
import { serviceUrl, startServices } from '../../src/services/runner';
import { stopOperatorServicesAfterFile } from './operator-services';

/**
 * Subscriptions among trust domains through the services as `./dev up` runs them, nothing injected:
 * a DAO whose terms are a subscription priced per period is negotiated and signed by a DSP and a VSP,
 * each in its own domain; the DSP's own bridge (D of the DAO) charges each period as itself
 * (ChargeSubscription: the operator signs for no member); a VSP joins as version 2, whose terms
 * continue the grid of periods, and the charges go on there from its creation, no period charged
 * twice. Each member's entitlements (read through the DSP's own bridge) show every period's split as
 * the economics library computes it.
 */
describe('a subscription DAO of trust domains charged each period across a join, through the services', () => {
  const ctx = stackContext();
  // Domains of its own, not the e2e tier's pool: the DSP's bridge charges this DAO's subscription each
  // period for as long as it runs, so on a pool domain it went on charging through every later file
  // (about fifty charges in the four files after it, in bursts as the bridge caught up at each start).
  const ids = { dsp: 'SbeDspMSP', vsp1: 'SbeVsp1MSP', vsp2: 'SbeVsp2MSP' };

  afterAll(async () => {
    await stopMemberServices(ctx, Object.values(ids)).catch(() => undefined);
    await stopOperatorServicesAfterFile(ctx);
  });

  it('charges every period once, on the version that is top when it begins, and splits each as `split` does', async () => {
    const connection = await up(ctx);
    await startServices(ctx, connection, REPO_DIR);
    await addDomain(ctx, ids.dsp, 'DSP');
    await addDomain(ctx, ids.vsp1, 'VSP');
    await addDomain(ctx, ids.vsp2, 'VSP');
    await startMemberServices(ctx, connection, REPO_DIR, Object.values(ids));

    const periodSeconds = 15;
    const result = await runSubscription({
      urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation') },
      members: {
        dsp: await domainMemberOnStack(ctx, { mspId: ids.dsp, role: 'DSP' }),
        vsp1: await domainMemberOnStack(ctx, { mspId: ids.vsp1, role: 'VSP' }),
        vsp2: await domainMemberOnStack(ctx, { mspId: ids.vsp2, role: 'VSP' }),
      },
      periodSeconds,
      amount: 9_900n,
      betasPpm: [800_000, 750_000],
      periodsBeforeJoin: 1,
      periodsAfterJoin: 2,
      progress: (m) => process.stderr.write(`[subscription] ${m}\n`),
    });
    const { dsp, vsps: [vsp1, vsp2], versions: [v1, v2] } = result;
    const periodMs = periodSeconds * 1000;

    // The join continued the grid: version 2's terms carry version 1's origin (its creation), as the DSP read it on its own peer.
    expect(v1.perPeriod.originMs).toBeUndefined();
    expect(v2.perPeriod).toMatchObject({ periodSeconds, originMs: v1.createdAtMs });
    expect([String(v1.perPeriod.amount), String(v2.perPeriod.amount)]).toEqual(['9900', '9900']);
    expect(result.originMs).toBe(v1.createdAtMs);
    expect(v1.successorCreatedAtMs).toBe(v2.createdAtMs);
    expect(v2.members).toEqual([dsp, vsp1, vsp2]);

    // Version 1 charged exactly the periods that began before version 2's creation (the one in
    // progress at the join included); version 2 those from the next on; none twice, none skipped.
    // (n1 periods began before it: 0 … n1 − 1, the one in progress at the join the last.)
    const n1 = Math.ceil((v2.createdAtMs - result.originMs) / periodMs);
    const c1 = result.charges.filter((c) => c.version === 1).map((c) => c.period);
    const c2 = result.charges.filter((c) => c.version === 2).map((c) => c.period);
    expect(c1).toEqual(Array.from({ length: n1 }, (_, k) => k));
    expect(c2.length).toBeGreaterThanOrEqual(2);
    expect(c2).toEqual(Array.from({ length: c2.length }, (_, k) => n1 + k));
    expect(new Set(result.charges.map((c) => c.period)).size).toBe(result.charges.length);
    for (const c of result.charges) {
      expect(c.amount).toBe('9900');
      // Charged by the DSP's own bridge, as the DSP, on the version that was top when the period began.
      expect(c.recordedBy).toBe(dsp);
      if (c.version === 1) expect(c.startsAtMs).toBeLessThan(v2.createdAtMs);
      else expect(c.startsAtMs).toBeGreaterThanOrEqual(v2.createdAtMs);
    }

    // Every revenue event's split, member by member, as the economics library computes it.
    const one = split(9_900n, [800_000]);
    const two = split(9_900n, [800_000, 750_000]);
    const events = (list: readonly MemberEntitlement[], mspId: string) => list.find((m) => m.mspId === mspId)?.events ?? [];
    const e1 = result.entitlements[1];
    const e2 = result.entitlements[2];
    const paid = (list: readonly MemberEntitlement[], mspId: string, kind: 'revenue' | 'relay') => events(list, mspId).filter((e) => e.source.kind === kind).map((e) => BigInt(e.amount));
    expect(paid(e1, dsp, 'revenue')).toEqual(c1.map(() => one.dsp));
    expect(paid(e1, vsp1, 'revenue')).toEqual(c1.map(() => one.vsps[0]));
    expect(paid(e2, vsp2, 'revenue')).toEqual(c2.map(() => two.vsps[1]));
    expect(paid(e1, dsp, 'relay')).toEqual(c2.map(() => two.dsp));
    expect(paid(e1, vsp1, 'relay')).toEqual(c2.map(() => two.vsps[0]));
    // On version 2 only J_2 is paid; the rest goes down to CH_1 whole.
    for (const e of events(e2, vsp2)) expect(e.split).toMatchObject({ rest: (two.lumps[0]!).toString(), restTo: { channel: v1.channel } });
    expect(paid(e2, dsp, 'revenue')).toEqual([]);

    // Totals: each period's 9900 paid out exactly, across both channels.
    const total = (list: readonly MemberEntitlement[]) => list.reduce((sum, m) => sum + BigInt(m.amount), 0n);
    expect(total(e1) + total(e2)).toBe(9_900n * BigInt(result.charges.length));
    expect(BigInt(e1.find((m) => m.mspId === dsp)!.amount)).toBe(one.dsp * BigInt(c1.length) + two.dsp * BigInt(c2.length));
  }, 20 * 60_000);
});
