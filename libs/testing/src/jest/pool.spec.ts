import { E2E_CONSOLE_DOMAINS, E2E_POOL, integrationPool, POOL_HOLDER_ENV, tierKeepsDomain, tierKeepsOperatorServices } from './pool';

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

describe("the integration tier's pool of member domains, one per jest worker", () => {
  it('names a DSP and three VSPs after the worker, so two workers never share a domain', () => {
    expect(integrationPool('1')).toEqual({ dsp: 'W1DspMSP', vsps: ['W1Vsp1MSP', 'W1Vsp2MSP', 'W1Vsp3MSP'] });
    const second = integrationPool('2');
    expect([second.dsp, ...second.vsps]).toEqual(['W2DspMSP', 'W2Vsp1MSP', 'W2Vsp2MSP', 'W2Vsp3MSP']);
    expect(integrationPool('12').dsp).toBe('W12DspMSP');
  });

  it("uses worker 1's outside a worker or for an id that is not a worker number", () => {
    for (const id of ['', '0', 'x', '-1']) expect(integrationPool(id).dsp).toBe('W1DspMSP');
    const saved = process.env['JEST_WORKER_ID'];
    try {
      delete process.env['JEST_WORKER_ID'];
      expect(integrationPool().dsp).toBe('W1DspMSP');
      process.env['JEST_WORKER_ID'] = '2';
      expect(integrationPool().dsp).toBe('W2DspMSP');
    } finally {
      if (saved === undefined) delete process.env['JEST_WORKER_ID'];
      else process.env['JEST_WORKER_ID'] = saved;
    }
  });

  it('gives MSP ids the stack tooling takes (letters and digits ending in MSP, not the e2e pool)', () => {
    for (const name of [integrationPool('3').dsp, ...integrationPool('3').vsps]) {
      expect(name).toMatch(/^[A-Za-z][A-Za-z0-9]*MSP$/);
      expect(tierKeepsDomain(name)).toBe(false);
    }
  });
});
