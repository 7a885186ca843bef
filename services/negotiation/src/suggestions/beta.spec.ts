import { ownership } from '@datawell/domain';
import { adviseJoinBeta, suggestFormationBetas, suggestJoinBeta } from './beta';

describe('β suggestions', () => {
  it('a joiner targeting 25% of the DAO gets β = 0.75, earlier groups scale', () => {
    const s = suggestJoinBeta('d', 1, [
      { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800_000 },
      { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 },
    ], 250_000);
    expect(s).toMatchObject({ version: 2, betaPpm: 750_000, groups: [{ group: 'D', ownershipPpm: 600_000 }, { group: 'J1', ownershipPpm: 150_000 }, { group: 'J2', ownershipPpm: 250_000 }] });
  });

  it('formation shares give the β\'s whose ownership is those shares', () => {
    const s = suggestFormationBetas('0.6,0.15,0.25');
    expect(s.betasPpm).toEqual([800_000, 750_000]);
    expect(ownership(s.betasPpm).map((x) => Math.round(x * 1e6))).toEqual([600_000, 150_000, 250_000]);
  });

  it('refuses shares that do not sum to one with the economics error code', () => {
    expect(() => suggestFormationBetas('0.6,0.3')).toThrow(expect.objectContaining({ code: 'SHARES_DO_NOT_SUM_TO_ONE' }));
  });
});

describe('β advisor for a join (Pareto curve fitted to the current shares)', () => {
  const dsp = { mspId: 'DspMSP', group: 'D', role: 'DSP' as const, weight: 1, ownershipPpm: 800_000 };
  const vsp1 = { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP' as const, weight: 1, ownershipPpm: 200_000 };

  it('D 0.8, J1 0.2: γ = 2, β = 9/9.8 → 918367 ppm; D 734694 (734693 + the 1 ppm remainder), J1 183673, the joiner 81633; DSP margin 551021', () => {
    const a = adviseJoinBeta('d', 1, [dsp, vsp1], ['Vsp2MSP']);
    expect(a).toMatchObject({ daoId: 'd', version: 2, joinerGroup: 'J2', joiners: ['Vsp2MSP'], currentGroups: [{ group: 'D', ownershipPpm: 800_000 }, { group: 'J1', ownershipPpm: 200_000 }], proposed: null, warnings: [] });
    expect(a.fit.source).toBe('fitted');
    expect(a.fit.exponent).toBeCloseTo(2, 12);
    expect(a.advised).toEqual({
      betaPpm: 918_367,
      members: [
        { mspId: 'DspMSP', group: 'D', role: 'DSP', ownershipPpm: 734_694, joiner: false },
        { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', ownershipPpm: 183_673, joiner: false },
        { mspId: 'Vsp2MSP', group: 'J2', role: 'VSP', ownershipPpm: 81_633, joiner: true },
      ],
      groups: [{ group: 'D', ownershipPpm: 734_694 }, { group: 'J1', ownershipPpm: 183_673 }, { group: 'J2', ownershipPpm: 81_633 }],
      dspOwnershipPpm: 734_694,
      dspMarginPpm: 551_021,
      largestOwner: 'DspMSP',
    });
  });

  it('a proposed β of 0.4 gives the joiner 600000 ppm: warned as the largest owner, and D (320000) loses its lead by 280000', () => {
    const a = adviseJoinBeta('d', 1, [dsp, vsp1], ['Vsp2MSP'], 400_000);
    expect(a.proposed).toMatchObject({ betaPpm: 400_000, dspOwnershipPpm: 320_000, dspMarginPpm: -280_000, largestOwner: 'Vsp2MSP' });
    expect(a.proposed?.members.map((m) => m.ownershipPpm)).toEqual([320_000, 80_000, 600_000]);
    expect(a.warnings.map((w) => [w.code, w.which])).toEqual([
      ['JOINER_LARGEST_OWNER', 'proposed'],
      ['DSP_NOT_LARGEST', 'proposed'],
    ]);
  });

  it('a joiner tying the largest earlier member is warned too (D 0.6, J1 0.4, β 0.625: D 375000, J1 250000, joiner 375000; margin 0)', () => {
    const a = adviseJoinBeta('d', 1, [{ ...dsp, ownershipPpm: 600_000 }, { ...vsp1, ownershipPpm: 400_000 }], ['Vsp2MSP'], 625_000);
    expect(a.proposed?.members.map((m) => m.ownershipPpm)).toEqual([375_000, 250_000, 375_000]);
    expect(a.proposed?.dspMarginPpm).toBe(0);
    expect(a.warnings.filter((w) => w.which === 'proposed').map((w) => w.code)).toEqual(['JOINER_LARGEST_OWNER', 'DSP_NOT_LARGEST']);
  });

  it('two joiners share 1 − β equally (the first gets the remainder): 81633 → 40817 + 40816', () => {
    const a = adviseJoinBeta('d', 1, [dsp, vsp1], ['Vsp2MSP', 'Vsp3MSP']);
    expect(a.advised.members.filter((m) => m.joiner).map((m) => [m.mspId, m.ownershipPpm])).toEqual([
      ['Vsp2MSP', 40_817],
      ['Vsp3MSP', 40_816],
    ]);
  });

  it('shares growing with the level (D 0.4, J1 0.6): no decreasing curve, the 80/20 shape; β = 795976 and D stays behind J1', () => {
    // γ = ln4/ln5 = 0.861353; C = exp((ln0.4 + ln0.6)/2 + γ·ln2/2) = 0.660317; f(3) = C·3^(−γ) = 0.256320; β = 1/1.256320 = 0.795976
    const a = adviseJoinBeta('d', 1, [{ ...dsp, ownershipPpm: 400_000 }, { ...vsp1, ownershipPpm: 600_000 }], ['Vsp2MSP']);
    expect(a.fit.source).toBe('default');
    expect(a.advised.betaPpm).toBe(795_976);
    expect(a.advised.members.map((m) => m.ownershipPpm)).toEqual([318_391, 477_585, 204_024]);
    expect(a.advised.dspMarginPpm).toBe(318_391 - 477_585);
    expect(a.warnings.map((w) => [w.code, w.which])).toEqual([
      ['CURVE_NOT_FITTED', 'fit'],
      ['DSP_NOT_LARGEST', 'advised'],
    ]);
  });
});
