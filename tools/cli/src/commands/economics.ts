import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { TopLevelSpec } from 'vega-lite';
import {
  DEFAULT_PARETO_ALPHA,
  EconomicsError,
  MAX_SIMULATED_VSPS,
  MAX_TRIALS,
  PPM,
  type SimulationParams,
  type SimulationResult,
  betasFor,
  formatPpm,
  ownershipGrowth,
  parseAmount,
  parseBetas,
  parseInteger,
  parseLevels,
  parsePositiveReal,
  parsePpm,
  parseShares,
  simulate,
  split,
  uniformThreshold,
} from '@datawell/domain';
import { UsageError } from '../usage-error';

// Parsing and validation live in @datawell/domain; this file only maps flags to calls, domain
// errors to UsageError (exit 2), and results to JSON or a table.

/** A number token written into JSON as is, so β's keep their six decimals (`0.800000`). */
class RawNumber {
  constructor(readonly text: string) {}
}

type Json = null | boolean | number | string | bigint | RawNumber | readonly Json[] | { readonly [key: string]: Json };

/** JSON with integers as numbers while they are safe, as strings above 2^53. */
function toJson(value: Json): string {
  if (value instanceof RawNumber) return value.text;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? value.toString() : `"${value}"`;
  }
  if (Array.isArray(value)) return `[${value.map((v: Json) => toJson(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as { [key: string]: Json })
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function printJson(value: Json): void {
  process.stdout.write(`${toJson(value)}\n`);
}

function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ').trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

/** A ratio for prose: 990000 → `0.99`. */
const decimal = (ppm: number): string => formatPpm(ppm).replace(/\.?0+$/, '');
const grouped = (n: bigint): string => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const percent = (x: number): string => `${(x * 100).toFixed(2)}%`;
const memberName = (i: number): string => (i === 0 ? 'DSP' : `VSP_${i}`);

/** Runs an action, turning the domain's input errors into one-line usage errors. */
function usage<A extends unknown[]>(action: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      if (err instanceof EconomicsError) throw new UsageError(err.message, { cause: err });
      throw err;
    }
  };
}

interface SplitOpts {
  total: string;
  betas: string;
  ended?: string;
  json?: boolean;
}

interface BetasOpts {
  shares: string;
  json?: boolean;
}

interface SimulateOpts {
  mode: 'uniform' | 'pareto';
  vsps: string;
  low?: string;
  high?: string;
  alpha?: string;
  trials: string;
  seed: string;
  chart?: string;
  json?: boolean;
}

interface ThresholdOpts {
  vsps: string;
  target: string;
  high: string;
  trials: string;
  seed: string;
  json?: boolean;
}

export function registerEconomicsCommands(program: Command): void {
  const economics = program
    .command('economics')
    .description('the money rules: split revenue down the DAO, ownership, β from target shares, simulations');

  economics
    .command('split')
    .description('split one revenue event level by level (exact integers; payouts sum to the total)')
    .requiredOption('--total <amount>', 'revenue recorded in the top channel, in minor units')
    .requiredOption('--betas <list>', 'β_1,…,β_n as decimals in (0, 1), at most 6 places')
    .option('--ended <levels>', 'VSP levels (1-based) whose contract ended: they get nothing')
    .option('--json', 'print one JSON object')
    .action(
      usage((opts: SplitOpts) => {
        const total = parseAmount(opts.total, '--total');
        const betas = parseBetas(opts.betas, '--betas');
        const ended = opts.ended === undefined ? [] : parseLevels(opts.ended, '--ended');
        const r = split(total, betas, { ended });
        if (opts.json) {
          printJson({ dsp: r.dsp, vsps: r.vsps, lumps: r.lumps });
          return;
        }
        const endedSet = new Set(ended);
        printTable(
          ['member', 'β', 'lump L_i', 'payout'],
          [
            ['DSP', '', '', grouped(r.dsp)],
            ...betas.map((b, i) => [
              `VSP_${i + 1}${endedSet.has(i + 1) ? ' (ended)' : ''}`,
              formatPpm(b),
              grouped(r.lumps[i] as bigint),
              grouped(r.vsps[i] as bigint),
            ]),
            ['total', '', '', grouped(r.total)],
          ],
        );
      }),
    );

  economics
    .command('betas')
    .description('β_1…β_n that give a target ownership vector (DSP first); rounded to the nearest ppm')
    .requiredOption('--shares <list>', 'shares of DSP, VSP_1, …, VSP_n as decimals summing to 1')
    .option('--json', 'print one JSON object')
    .action(
      usage((opts: BetasOpts) => {
        const shares = parseShares(opts.shares, '--shares');
        const betas = betasFor(shares);
        if (opts.json) {
          printJson({ betas: betas.map((b) => new RawNumber(formatPpm(b))) });
          return;
        }
        printTable(
          ['member', 'share', 'β'],
          shares.map((s, i) => [memberName(i), formatPpm(s), i === 0 ? '' : formatPpm(betas[i - 1] as number)]),
        );
      }),
    );

  economics
    .command('simulate')
    .description("the second paper's simulations: ownership under uniform or Pareto β's")
    .addOption(new Option('--mode <mode>', 'how β is chosen').choices(['uniform', 'pareto']).makeOptionMandatory())
    .option('--vsps <n>', 'number of VSPs', '7')
    .option('--low <ratio>', 'uniform: lowest β (default 0.7)')
    .option('--high <ratio>', 'uniform: highest β (default 0.99)')
    .option('--alpha <shape>', `pareto: shape α (default log 5 / log 4 ≈ ${DEFAULT_PARETO_ALPHA.toFixed(3)})`)
    .option('--trials <n>', 'number of trials', '20000')
    .option('--seed <n>', 'random seed', '1')
    .option('--chart <file.svg>', 'write an SVG chart of ownership per member as the DAO grows')
    .option('--json', 'print one JSON object')
    .action(
      usage(async (opts: SimulateOpts) => {
        const params = simulationParams(opts);
        const result = simulate(params);
        if (opts.chart !== undefined) await writeFile(opts.chart, await growthChartSvg(result));
        if (opts.json) {
          printJson({ dspTopProbability: result.dspTopProbability, meanOwnership: result.meanOwnership, gini: result.gini });
          return;
        }
        printTable(
          ['member', 'mean ownership'],
          result.meanOwnership.map((x, i) => [memberName(i), percent(x)]),
        );
        process.stdout.write(
          `${describeSimulation(result)}\nP(DSP holds the largest share) = ${result.dspTopProbability.toFixed(4)}; mean Gini = ${result.gini.toFixed(4)}\n`,
        );
        if (opts.chart !== undefined) process.stdout.write(`chart written to ${opts.chart}\n`);
      }),
    );

  economics
    .command('threshold')
    .description('smallest uniform low (to 0.01) that keeps the DSP on top with the target probability')
    .option('--vsps <n>', 'number of VSPs', '7')
    .option('--target <probability>', 'required probability that the DSP holds the largest share', '0.95')
    .option('--high <ratio>', 'highest β', '0.99')
    .option('--trials <n>', 'number of trials', '20000')
    .option('--seed <n>', 'random seed', '1')
    .option('--json', 'print one JSON object')
    .action(
      usage((opts: ThresholdOpts) => {
        const vsps = parseInteger(opts.vsps, '--vsps', 1, MAX_SIMULATED_VSPS);
        const targetPpm = parsePpm(opts.target, '--target', { allowOne: true });
        const highPpm = parsePpm(opts.high, '--high');
        const trials = parseInteger(opts.trials, '--trials', 1, MAX_TRIALS);
        const seed = parseInteger(opts.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
        const r = uniformThreshold({ vsps, targetPpm, highPpm, trials, seed });
        // The grid is 0.01, so two places are exact.
        const low = r.lowPpm === null ? null : (r.lowPpm / PPM).toFixed(2);
        if (opts.json) {
          printJson({
            low: low === null ? null : new RawNumber(low),
            dspTopProbability: r.dspTopProbability,
            target: targetPpm / PPM,
            high: highPpm / PPM,
            vsps,
            trials,
            seed,
          });
          return;
        }
        process.stdout.write(
          r.lowPpm === null
            ? `no low up to high = ${decimal(highPpm)} keeps the DSP on top with probability ${decimal(targetPpm)} (${vsps} VSPs; at low = high: ${r.dspTopProbability.toFixed(4)})\n`
            : `low = ${low}: with β_i uniform in [${low}, ${decimal(highPpm)}] and ${vsps} VSPs the DSP holds the largest share in ${percent(r.dspTopProbability)} of ${trials} trials (target ${percent(targetPpm / PPM)})\n`,
        );
      }),
    );
}

function simulationParams(opts: SimulateOpts): SimulationParams {
  const vsps = parseInteger(opts.vsps, '--vsps', 1, MAX_SIMULATED_VSPS);
  const trials = parseInteger(opts.trials, '--trials', 1, MAX_TRIALS);
  const seed = parseInteger(opts.seed, '--seed', 0, Number.MAX_SAFE_INTEGER);
  if (opts.mode === 'uniform') {
    if (opts.alpha !== undefined) throw new UsageError('--alpha applies only to --mode pareto');
    const lowPpm = parsePpm(opts.low ?? '0.7', '--low');
    const highPpm = parsePpm(opts.high ?? '0.99', '--high');
    return { mode: 'uniform', vsps, lowPpm, highPpm, trials, seed };
  }
  if (opts.low !== undefined || opts.high !== undefined) throw new UsageError('--low and --high apply only to --mode uniform');
  const alpha = opts.alpha === undefined ? DEFAULT_PARETO_ALPHA : parsePositiveReal(opts.alpha, '--alpha');
  return { mode: 'pareto', vsps, alpha, trials, seed };
}

function describeSimulation(result: SimulationResult): string {
  const p = result.params;
  const method =
    p.mode === 'uniform'
      ? `β_i uniform in [${decimal(p.lowPpm)}, ${decimal(p.highPpm)}], sorted ascending`
      : `Pareto shares, α = ${(p.alpha ?? DEFAULT_PARETO_ALPHA).toFixed(3)}`;
  return `${method}; ${p.vsps} VSPs, ${result.trials} trials, seed ${p.seed}`;
}

/**
 * Fig. 4 / Fig. 5 of the paper: mean ownership of each member (one line each) as VSPs join, from
 * version 1 (DSP and VSP_1) to version n. Rendered by Vega-Lite → Vega → SVG, headless.
 */
export async function growthChartSvg(result: SimulationResult): Promise<string> {
  const growth = ownershipGrowth(result);
  const members = Array.from({ length: result.members }, (_, i) => memberName(i));
  const values = growth.flatMap((row, v) => row.map((share, i) => ({ version: v + 1, member: memberName(i), share })));
  const p = result.params;
  const subtitle =
    p.mode === 'uniform'
      ? `β_i uniform in [${(p.lowPpm / PPM).toFixed(2)}, ${(p.highPpm / PPM).toFixed(2)}], sorted ascending`
      : `Pareto(α = ${(p.alpha ?? DEFAULT_PARETO_ALPHA).toFixed(3)}) shares, largest to the DSP`;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Mean ownership as the DAO grows (${p.mode})`,
      subtitle: `${subtitle}; mean of ${result.trials.toLocaleString('en-US')} trials, seed ${p.seed}`,
    },
    width: 520,
    height: 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'version',
        type: 'quantitative',
        title: 'VSPs in the DAO (version i)',
        scale: { domain: [1, growth.length] },
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: { field: 'share', type: 'quantitative', title: 'share of total profit', axis: { format: '.0%' } },
      color: { field: 'member', type: 'nominal', title: 'member', sort: members, scale: { scheme: 'category10' } },
    },
  };
  // Loaded on demand: Vega is large, and every `./dev` command would otherwise pay for it at start-up.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
