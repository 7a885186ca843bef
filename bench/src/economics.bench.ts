/**
 * Economics benchmarks (issue 3): `split` over 10,000 levels and `simulate` with 100,000 trials of
 * 7 VSPs must each finish well under a second. Run with
 *   node -r @swc-node/register bench/src/economics.bench.ts [--json]
 * or `./dev bench economics [--json]`.
 *
 * References: both are measured against the 1 s budget. `split` is also compared with the naive
 * exact way to get the same money, formulas (2) and (3) evaluated as exact rationals for every
 * member (`ownershipExact`, then floor(total·numerator/denominator)); that costs O(n²) digits, so
 * the comparison runs at 1,000 levels, where the reference still finishes in a fraction of a second.
 */
import { ownershipExact, seededRandom, simulate, split, type SimulationParams } from '@datawell/domain';

const BUDGET_MS = 1000;

interface Timing {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function measure(work: () => unknown, runs: number, warmup: number): Timing {
  for (let i = 0; i < warmup; i++) work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    work();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    runs,
    medianMs: round(times[Math.floor(runs / 2)] as number),
    minMs: round(times[0] as number),
    maxMs: round(times[runs - 1] as number),
  };
}

const round = (x: number, places = 3): number => Number(x.toFixed(places));

/**
 * β's near 1 (0.999…0.999999) keep every lump large all the way down, so each level does real
 * big-integer work; a total of 10^40 minor units is far beyond 2^53.
 */
function stressBetas(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => 999_000 + Math.floor(random() * 999));
}

const TOTAL = 10n ** 40n;

function benchSplit() {
  const levels = 10_000;
  const betas = stressBetas(levels, 1);
  const check = split(TOTAL, betas);
  if (check.dsp + check.vsps.reduce((a, b) => a + b, 0n) !== TOTAL) throw new Error('split lost money');
  const timing = measure(() => split(TOTAL, betas), 21, 3);

  const refLevels = 1_000;
  const refBetas = stressBetas(refLevels, 2);
  const closedForm = () => {
    const { numerators, denominator } = ownershipExact(refBetas);
    return numerators.map((x) => (TOTAL * x) / denominator);
  };
  const reference = measure(closedForm, 5, 1);
  const ours = measure(() => split(TOTAL, refBetas), 21, 3);
  return {
    levels,
    total: TOTAL.toString(),
    ...timing,
    perLevelUs: round((timing.medianMs * 1000) / levels),
    budgetMs: BUDGET_MS,
    fractionOfBudget: round(timing.medianMs / BUDGET_MS, 5),
    reference: {
      what: 'formulas (2) and (3) as exact rationals per member, then floor (ownershipExact)',
      levels: refLevels,
      referenceMedianMs: reference.medianMs,
      splitMedianMs: ours.medianMs,
      speedup: round(reference.medianMs / ours.medianMs, 1),
    },
  };
}

function benchSimulate(params: SimulationParams) {
  const timing = measure(() => simulate(params), 7, 2);
  return {
    mode: params.mode,
    vsps: params.vsps,
    trials: params.trials,
    ...timing,
    perTrialUs: round((timing.medianMs * 1000) / params.trials),
    budgetMs: BUDGET_MS,
    fractionOfBudget: round(timing.medianMs / BUDGET_MS, 5),
  };
}

function main(argv: readonly string[]): void {
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`economics.bench: unknown argument ${unknown[0]}\n`);
    process.exitCode = 2;
    return;
  }
  const splitResult = benchSplit();
  const uniform = benchSimulate({ mode: 'uniform', vsps: 7, lowPpm: 700_000, highPpm: 990_000, trials: 100_000, seed: 1 });
  const pareto = benchSimulate({ mode: 'pareto', vsps: 7, trials: 100_000, seed: 1 });
  const result = { node: process.version, split: splitResult, simulate: [uniform, pareto] };
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const s = splitResult;
  const lines = [
    `economics benchmarks (Node ${process.version}; medians; budget ${BUDGET_MS} ms each)`,
    `split      ${s.levels} levels, total 10^40: ${s.medianMs} ms (${s.perLevelUs} µs/level, ${s.runs} runs), ${(s.fractionOfBudget * 100).toFixed(2)}% of budget`,
    `           vs closed-form exact rationals at ${s.reference.levels} levels: ${s.reference.referenceMedianMs} ms vs ${s.reference.splitMedianMs} ms (${s.reference.speedup}× faster)`,
    ...[uniform, pareto].map(
      (r) =>
        `simulate   ${r.mode.padEnd(7)} ${r.trials} trials × ${r.vsps} VSPs: ${r.medianMs} ms (${r.perTrialUs} µs/trial, ${r.runs} runs), ${(r.fractionOfBudget * 100).toFixed(2)}% of budget`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main(process.argv.slice(2));
