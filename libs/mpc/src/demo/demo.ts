import { InvalidArgumentError } from '../errors';
import { runLocalMascot } from '../offline/local';
import { runLocalParties } from '../online/local-run';
import { assertSecondMomentRange, encodeFixed } from '../programs/fixed-point';
import { secureLinearRegression, secureVariance } from '../programs/statistics';
import type { Transport } from '../transport/transport';
import { createParty } from '../online/party';
import type { PartyPreprocessing } from '../preprocessing/store';

/**
 * The end-to-end demonstration behind `./dev mpc demo`: party 0 (the data owner) secret-shares a
 * dataset of sensor readings, the parties compute mean, variance and a least-squares line, and only
 * party 1 (the value provider) receives the results. Preprocessing is the MASCOT offline phase.
 */
export interface DemoOptions {
  readonly parties: number;
  readonly rows: number;
  readonly seed?: number;
  readonly fractionalBits?: number;
  /** Channels between the parties (default: in-memory). Index i is party i's endpoint. */
  readonly transports?: () => Promise<Transport[]>;
}

export interface DemoReport {
  readonly parties: number;
  readonly rows: number;
  readonly owner: number;
  readonly recipient: number;
  readonly transport: string;
  readonly field: string;
  readonly fractionalBits: number;
  readonly preprocessing: { source: 'mascot'; triples: number; masks: number; setupMs: number; triplesMs: number; masksMs: number };
  readonly onlineMs: number;
  readonly results: DemoFigures;
  readonly reference: DemoFigures;
  readonly maxAbsError: number;
  readonly tolerance: number;
  readonly agree: boolean;
}

export interface DemoFigures {
  readonly mean: number;
  readonly variance: number;
  readonly regression: { intercept: number; slope: number; r2: number };
}

/** A small deterministic PRNG (mulberry32) so the demo dataset is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Readings y of a sensor over time x (hours): a drifting temperature with Gaussian noise. */
export function demoDataset(rows: number, seed = 7): { x: number[]; y: number[] } {
  const rand = prng(seed);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const hours = (i * 24) / rows;
    const noise = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    x.push(hours);
    y.push(18 + 0.35 * hours + 0.8 * noise);
  }
  return { x, y };
}

/** The plaintext reference, computed separately in float64. */
export function plainFigures(x: readonly number[], y: readonly number[]): DemoFigures {
  const n = y.length;
  const my = y.reduce((a, b) => a + b, 0) / n;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const variance = y.reduce((a, b) => a + (b - my) ** 2, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  const r2 = (slope * sxy) / (variance * n);
  return { mean: my, variance, regression: { intercept: my - slope * mx, slope, r2 } };
}

export async function runMpcDemo(opts: DemoOptions): Promise<DemoReport> {
  const { parties, rows } = opts;
  if (!Number.isInteger(parties) || parties < 2 || parties > 10) throw new InvalidArgumentError('parties must be an integer from 2 to 10');
  if (!Number.isInteger(rows) || rows < 3 || rows > 1_000_000) throw new InvalidArgumentError('rows must be an integer from 3 to 1,000,000');
  const f = opts.fractionalBits ?? 16;
  const owner = 0;
  const recipient = 1;
  const { x, y } = demoDataset(rows, opts.seed);
  assertSecondMomentRange(x, f);
  assertSecondMomentRange(y, f);
  // Triples: y·y for the variance, then x·x, x·y, y·y for the regression.
  const triples = 4 * rows;
  const masks = Array.from({ length: parties }, (_, i) => (i === owner ? 2 * rows : i === recipient ? 16 : 0));
  const pre = await runLocalMascot({ parties, triples, masks });
  const o = { recipients: [recipient], fractionalBits: f };
  const start = performance.now();
  const program = async (p: ReturnType<typeof createParty>) => {
    const xs = await p.input(owner, p.id === owner ? encodeFixed(x, f) : rows);
    const ys = await p.input(owner, p.id === owner ? encodeFixed(y, f) : rows);
    const v = await secureVariance(p, ys, o);
    const r = await secureLinearRegression(p, [xs], ys, o);
    return v && r ? { v, r } : undefined;
  };
  const outs = opts.transports
    ? await runOver(await opts.transports(), pre.preprocessing, program)
    : await runLocalParties(pre.preprocessing, program);
  const onlineMs = performance.now() - start;
  const got = outs[recipient];
  if (!got || outs.some((o2, i) => i !== recipient && o2 !== undefined)) {
    throw new InvalidArgumentError('results reached a party other than the recipient');
  }
  const results: DemoFigures = {
    mean: got.v.mean,
    variance: got.v.variance,
    regression: { intercept: got.r.coefficients[0]!, slope: got.r.coefficients[1]!, r2: got.r.r2 },
  };
  const reference = plainFigures(x, y);
  const errors = [
    results.mean - reference.mean,
    results.variance - reference.variance,
    results.regression.intercept - reference.regression.intercept,
    results.regression.slope - reference.regression.slope,
  ].map(Math.abs);
  const maxAbsError = Math.max(...errors);
  // Inputs are quantised to 2^-(f+1); every figure here is a smooth function of averages of them.
  const tolerance = 2 ** -(f - 4);
  return {
    parties,
    rows,
    owner,
    recipient,
    transport: opts.transports ? 'tls' : 'in-memory',
    field: 'GF(2^61 - 1)',
    fractionalBits: f,
    preprocessing: {
      source: 'mascot',
      triples,
      masks: masks.reduce((a, b) => a + b, 0),
      setupMs: Math.round(pre.setupMs),
      triplesMs: Math.round(pre.triplesMs),
      masksMs: Math.round(pre.masksMs),
    },
    onlineMs: Math.round(onlineMs),
    results,
    reference,
    maxAbsError,
    tolerance,
    agree: maxAbsError <= tolerance,
  };
}

async function runOver<T>(
  transports: Transport[],
  pre: readonly PartyPreprocessing[],
  program: (p: ReturnType<typeof createParty>) => Promise<T>,
): Promise<T[]> {
  const ps = pre.map((s, i) => createParty(transports[i]!, s));
  try {
    return await Promise.all(ps.map(program));
  } finally {
    await Promise.all(ps.map((p) => p.close()));
  }
}
