import { ownership } from '@datawell/domain';
import { suggestFormationBetas, suggestJoinBeta } from './beta';

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
