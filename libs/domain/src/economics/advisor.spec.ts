import { fitParetoCurve, paretoCurveAt, paretoJoinBeta } from './advisor';
import { ownership } from './ownership';
import { DEFAULT_PARETO_ALPHA } from './simulate';

/*
 * Figures computed by hand from formulas (2) and (3): a join multiplies every earlier share by β and
 * gives 1 − β to the joiners. The advisor's β is 1 / (1 + C·(m+1)^(−γ)).
 */
describe('β advisor (Pareto curve fitted to the current shares)', () => {
  it('two groups 0.8 / 0.2: γ = log2(4) = 2, C = 0.8, f(3) = 0.8/9, β = 9/9.8; the result is 36/49, 9/49, 4/49', () => {
    const fit = fitParetoCurve([0.8, 0.2]);
    expect(fit.source).toBe('fitted');
    expect(fit.exponent).toBeCloseTo(2, 12);
    expect(fit.alpha).toBeCloseTo(0.5, 12);
    expect(fit.scale).toBeCloseTo(0.8, 12);
    expect(fit.rSquared).toBeNull();
    const advice = paretoJoinBeta([0.8, 0.2]);
    expect(advice.joinerCurveShare).toBeCloseTo(0.8 / 9, 12);
    expect(advice.beta).toBeCloseTo(9 / 9.8, 12); // 0.918367…
    expect(advice.shares.map((s) => s * 49)).toEqual([expect.closeTo(36, 9), expect.closeTo(9, 9), expect.closeTo(4, 9)]);
  });

  it('three groups already on the curve 36:9:4 (γ = 2): β = 196/205, the fourth rank gets 9/205 and 144:36:16:9 holds', () => {
    const advice = paretoJoinBeta([36 / 49, 9 / 49, 4 / 49]);
    expect(advice.fit.exponent).toBeCloseTo(2, 12);
    expect(advice.fit.rSquared).toBeCloseTo(1, 12);
    // f(4) = (36/49)/16 = 9/196; β = 1/(1 + 9/196) = 196/205.
    expect(advice.beta).toBeCloseTo(196 / 205, 12);
    expect(advice.shares.map((s) => s * 205)).toEqual([144, 36, 16, 9].map((v) => expect.closeTo(v, 9)));
  });

  it('the shares are normalised: ppm of active members that sum below 10^6 give the same advice', () => {
    expect(paretoJoinBeta([400_000, 100_000]).beta).toBeCloseTo(9 / 9.8, 12);
  });

  it('shares off the curve: least squares in log–log space, worked by hand for 0.5, 0.3, 0.2', () => {
    // x = ln1, ln2, ln3 = 0, 0.693147, 1.098612; y = ln0.5, ln0.3, ln0.2 = −0.693147, −1.203973, −1.609438
    // x̄ = 0.597253, ȳ = −1.168853; Sxy = −0.508376, Sxx = 0.617268 → γ = 0.823590
    // ln C = ȳ + γ·x̄ = −0.676961 → C = 0.508159; f(4) = C·4^(−γ) = 0.162237; β = 1/1.162237 = 0.860410
    const advice = paretoJoinBeta([0.5, 0.3, 0.2]);
    expect(advice.fit.exponent).toBeCloseTo(0.82359, 5);
    expect(advice.fit.scale).toBeCloseTo(0.508159, 5);
    expect(advice.joinerCurveShare).toBeCloseTo(0.162237, 5);
    expect(advice.beta).toBeCloseTo(0.86041, 5);
    expect(advice.fit.rSquared).toBeGreaterThan(0.99);
    expect(advice.fit.rSquared).toBeLessThan(1);
  });

  it('agrees with ownership() of formulas (2)/(3): the β\'s 0.8 then the advised one give the advised shares', () => {
    const advice = paretoJoinBeta([0.8, 0.2]);
    const betaPpm = Math.round(advice.beta * 1e6); // 918367
    expect(betaPpm).toBe(918_367);
    expect(ownership([800_000, betaPpm]).map((x) => Math.round(x * 1e6))).toEqual([734_694, 183_673, 81_633]);
  });

  it('shares that grow with the level have no decreasing curve: the 80/20 shape (α = log 5 / log 4) is used, C fitted with it', () => {
    const fit = fitParetoCurve([0.4, 0.6]);
    expect(fit.source).toBe('default');
    expect(fit.alpha).toBe(DEFAULT_PARETO_ALPHA);
    // ln C = ȳ + γ·x̄ with x̄ = ln2/2, ȳ = (ln0.4 + ln0.6)/2
    const gamma = 1 / DEFAULT_PARETO_ALPHA;
    expect(fit.scale).toBeCloseTo(Math.exp((Math.log(0.4) + Math.log(0.6)) / 2 + (gamma * Math.log(2)) / 2), 12);
    expect(paretoCurveAt(fit, 3)).toBeCloseTo(fit.scale * Math.pow(3, -gamma), 12);
  });

  it('refuses fewer than two groups or a non-positive share with INVALID_PARAMETER', () => {
    expect(() => paretoJoinBeta([1])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', field: 'shares' }));
    expect(() => paretoJoinBeta([0.9, 0])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => fitParetoCurve([0.9, Number.NaN])).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
  });
});
