import { E2E_CONSOLE_DOMAINS, E2E_POOL, POOL_HOLDER_ENV, tierKeepsDomain, tierKeepsOperatorServices } from './pool';

describe("what the e2e tier keeps from one file to the next", () => {
  const saved = process.env[POOL_HOLDER_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[POOL_HOLDER_ENV];
    else process.env[POOL_HOLDER_ENV] = saved;
  });

  it("keeps nothing outside the tier: a file run alone stops the operator's services and the domains it started", () => {
    delete process.env[POOL_HOLDER_ENV];
    expect(tierKeepsOperatorServices()).toBe(false);
    expect(tierKeepsDomain(E2E_POOL.dsp)).toBe(false);
    expect(tierKeepsDomain(E2E_CONSOLE_DOMAINS[0])).toBe(false);
  });

  it("keeps, within the tier, the operator's services and the domains it holds (the pool, the console's), no other", () => {
    process.env[POOL_HOLDER_ENV] = '4242:e2e pool';
    expect(tierKeepsOperatorServices()).toBe(true);
    for (const name of [E2E_POOL.dsp, ...E2E_POOL.vsps, ...E2E_CONSOLE_DOMAINS]) expect(tierKeepsDomain(name)).toBe(true);
    expect(tierKeepsDomain('SbeDspMSP')).toBe(false);
    expect(tierKeepsDomain('CqDspMSP')).toBe(false);
  });
});
