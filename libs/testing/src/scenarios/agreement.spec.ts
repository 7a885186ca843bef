import { agreementFor, ownershipPpm } from './agreement';

describe('scenario agreements', () => {
  it('ownership in ppm follows formulas (2) and (3) and sums to exactly 10^6', () => {
    // β = 0.8, 0.75, 0.9: VSP_3 = 0.1, VSP_2 = 0.25·0.9 = 0.225, VSP_1 = 0.2·0.75·0.9 = 0.135, DSP = 0.54.
    expect(ownershipPpm([800_000, 750_000, 900_000])).toEqual([540_000, 135_000, 225_000, 100_000]);
    for (const betas of [[333_333], [123_457, 987_653], [500_001, 499_999, 700_003, 999_999]]) {
      expect(ownershipPpm(betas).reduce((a, b) => a + b, 0)).toBe(1_000_000);
    }
  });

  it('version i has exactly D and J_1…J_i, with β_i and a digest of the rest', () => {
    const plan = { daoId: 'acme', dsp: 'DspMSP', vsps: ['AMSP', 'BMSP', 'CMSP'], betasPpm: [800_000, 750_000, 900_000] };
    const v2 = agreementFor(plan, 2) as { members: { mspId: string; group: string; role: string }[]; betaPpm: number; version: number; documentDigest: string };
    expect(v2.members.map((m) => [m.mspId, m.group, m.role])).toEqual([
      ['DspMSP', 'D', 'DSP'],
      ['AMSP', 'J1', 'VSP'],
      ['BMSP', 'J2', 'VSP'],
    ]);
    expect(v2.betaPpm).toBe(750_000);
    expect(v2.version).toBe(2);
    expect(v2.documentDigest).toMatch(/^[0-9a-f]{64}$/);
    expect((agreementFor(plan, 3) as { documentDigest: string }).documentDigest).not.toBe(v2.documentDigest);
  });
});
