import fc from 'fast-check';
import { split } from '@datawell/domain';
import { allocateLump } from './allocation';
import type { MemberState } from './state';

const member = (mspId: string, level: number, weight: number): MemberState => ({ mspId, group: level === 0 ? 'D' : `J${level}`, level, role: level === 0 ? 'DSP' : 'VSP', weight, ownershipPpm: 0, status: 'active' });

describe('allocateLump (one channel, its own β only)', () => {
  it('chained from CH_n down to CH_1, pays exactly what the economics library splits, and sums to the revenue', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.array(fc.record({ beta: fc.integer({ min: 1, max: 999_999 }), weights: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 3 }),
        (total, levels, dspWeights) => {
          const members = [
            ...dspWeights.map((w, k) => member(`D${k}MSP`, 0, w)),
            ...levels.flatMap((l, i) => l.weights.map((w, k) => member(`J${i + 1}x${k}MSP`, i + 1, w))),
          ];
          const reference = split(total, { dspWeights, levels: levels.map((l) => ({ betaPpm: l.beta, weights: l.weights })) });
          let lump = total;
          let paid = 0n;
          for (let i = levels.length; i >= 1; i--) {
            const visible = members.filter((m) => m.level <= i); // CH_i = D ∪ J_1 … J_i
            const a = allocateLump(lump, { daoId: 'x', version: i, betaPpm: levels[i - 1]!.beta }, visible);
            const joining = a.payouts.filter((p) => p.mspId.startsWith(`J${i}x`)).map((p) => BigInt(p.amount));
            expect(joining).toEqual(reference.vspMembers[i - 1]);
            if (i === 1) expect(a.payouts.filter((p) => p.mspId.startsWith('D')).map((p) => BigInt(p.amount))).toEqual(reference.dspMembers);
            else expect(a.restTo).toEqual({ channel: `dao-x-v${i - 1}` });
            paid += a.payouts.reduce((s, p) => s + BigInt(p.amount), 0n);
            lump = a.rest;
          }
          expect(paid).toBe(total);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('passes an ended level wholly inward and leaves ended members of a group out of its split', () => {
    const members = [member('DMSP', 0, 1), member('AMSP', 1, 1), member('BMSP', 1, 3)];
    const ended = members.map((m) => (m.level === 1 ? { ...m, status: 'abandoned' as const } : m));
    expect(allocateLump(100n, { daoId: 'x', version: 1, betaPpm: 500_000 }, ended)).toMatchObject({ betaPpm: 1_000_000, levelEnded: true, joiningShare: 0n, rest: 100n, payouts: [{ mspId: 'DMSP', amount: '100' }] });
    const partly = members.map((m) => (m.mspId === 'BMSP' ? { ...m, status: 'exited' as const } : m));
    expect(allocateLump(100n, { daoId: 'x', version: 1, betaPpm: 500_000 }, partly).payouts).toEqual([
      { mspId: 'AMSP', amount: '50' },
      { mspId: 'DMSP', amount: '50' },
    ]);
  });
});
