import { continueGrid, periodGridOf } from './period-grid';
import type { Terms } from './proposal.schema';

const base = { durationDays: 30, heartbeatIntervalSeconds: 60, abandonAfterSeconds: 600, exitNoticeSeconds: 0, computations: [] };
const subscription = (perPeriod: Record<string, unknown>) => ({ ...base, businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '9900', ...perPeriod } } }) as unknown as Terms;

describe('the grid of subscription periods in negotiation', () => {
  it('reads a version\'s grid from its terms, its origin from the terms or else its creation', () => {
    expect(periodGridOf(subscription({ periodSeconds: 60 }), 1_000)).toEqual({ periodSeconds: 60, originMs: 1_000 });
    expect(periodGridOf(subscription({ periodSeconds: 60, originMs: 5 }), 1_000)).toEqual({ periodSeconds: 60, originMs: 5 });
    expect(periodGridOf(subscription({ periodSeconds: 60 }))).toEqual({ periodSeconds: 60 });
    expect(periodGridOf({ ...base, businessModel: 'pay-per-use', price: { currency: 'EUR', perComputation: '5' } }, 1_000)).toBeUndefined();
    expect(periodGridOf({ ...base, businessModel: 'subscription' }, 1_000)).toBeUndefined();
  });

  it("fills a join's origin from the top version's, and refuses another length or origin with its code", () => {
    expect(continueGrid(subscription({ periodSeconds: 60 }), { periodSeconds: 60, originMs: 1_000 }, 2).price?.perPeriod).toEqual({ amount: '9900', periodSeconds: 60, originMs: 1_000 });
    expect(continueGrid(subscription({ periodSeconds: 60, originMs: 1_000 }), { periodSeconds: 60, originMs: 1_000 }, 2).price?.perPeriod?.originMs).toBe(1_000);
    expect(() => continueGrid(subscription({ periodSeconds: 120 }), { periodSeconds: 60, originMs: 1_000 }, 2)).toThrow(
      expect.objectContaining({ code: 'INVALID_PROPOSAL', message: "terms.price.perPeriod.periodSeconds: 120 does not continue version 1's periods of 60 s" }),
    );
    expect(() => continueGrid(subscription({ periodSeconds: 60, originMs: 7 }), { periodSeconds: 60, originMs: 1_000 }, 3)).toThrow(expect.objectContaining({ code: 'INVALID_PROPOSAL', message: expect.stringMatching(/^terms\.price\.perPeriod\.originMs: 7 is not the DAO's origin of periods \(1000\)/) }));
  });

  it('asks for the origin when the top version\'s creation is unknown here, and takes a named one', () => {
    expect(() => continueGrid(subscription({ periodSeconds: 60 }), { periodSeconds: 60 }, 2)).toThrow(expect.objectContaining({ code: 'PERIODS_UNKNOWN', kind: 'conflict' }));
    expect(continueGrid(subscription({ periodSeconds: 60, originMs: 42 }), { periodSeconds: 60 }, 2).price?.perPeriod?.originMs).toBe(42);
  });

  it('leaves terms with no grid to continue as they are', () => {
    const perUse = { ...base, businessModel: 'pay-per-use', price: { currency: 'EUR', perComputation: '5' } } as unknown as Terms;
    expect(continueGrid(perUse, { periodSeconds: 60, originMs: 1_000 }, 2)).toBe(perUse);
    const fresh = subscription({ periodSeconds: 60 });
    expect(continueGrid(fresh, undefined, 2)).toBe(fresh);
  });
});
