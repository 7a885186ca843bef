import { InvalidArgumentError } from '../errors';
import type { FieldVec } from '../field/vector';
import { setupMascot, type MascotOptions } from '../offline/mascot';
import { assertLimbRange, encodeFixedLimbs } from '../programs/fixed-point';
import { inputFixed, secureLinearRegression, secureVariance } from '../programs/statistics';
import { roundShiftTriples } from '../programs/truncate';
import { createMemoryTransports, type Transport } from '../transport/transport';
import { createParty } from '../online/party';

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
  /** A label for the report when `transports` is given (default 'tls'). */
  readonly transportName?: string;
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

/** What one node runs for the demo: its own MASCOT preprocessing, then the program. */
export interface DemoJob {
  readonly rows: number;
  readonly seed: number;
  readonly owner: number;
  readonly recipient: number;
  readonly fractionalBits: number;
}

export interface DemoNodeResult {
  readonly party: number;
  /** Present only at the recipient. */
  readonly figures?: DemoFigures;
  readonly setupMs: number;
  readonly triplesMs: number;
  readonly masksMs: number;
  readonly onlineMs: number;
}

export function demoTriples(rows: number): number {
  // y·y for the variance; x·x, x·y, y·y for the regression: three dot products of limbs each, and
  // two rounding divisions each.
  return 4 * 3 * rows + roundShiftTriples(8);
}

/**
 * One node's side of the demo over any transport: MASCOT set-up with every peer, triples and masks,
 * then inputs (the owner), the statistics and the output to the recipient only.
 */
export async function runDemoNode(transport: Transport, job: DemoJob, options: MascotOptions = {}): Promise<DemoNodeResult> {
  const self = transport.self;
  const t0 = performance.now();
  const mascot = await setupMascot(transport, options);
  const t1 = performance.now();
  await mascot.generateTriples(demoTriples(job.rows));
  const t2 = performance.now();
  await mascot.generateMasks(job.owner, 4 * job.rows);
  await mascot.generateMasks(job.recipient, 16);
  await mascot.close(); // its worker threads; the material stays
  const t3 = performance.now();
  const p = createParty(transport, mascot.preprocessing);
  const f = job.fractionalBits;
  let x: FieldVec | undefined;
  let y: FieldVec | undefined;
  if (self === job.owner) {
    const data = demoDataset(job.rows, job.seed);
    assertLimbRange(data.x, f);
    assertLimbRange(data.y, f);
    x = encodeFixedLimbs(data.x, f);
    y = encodeFixedLimbs(data.y, f);
  }
  const o = { recipients: [job.recipient], fractionalBits: f };
  const xs = await inputFixed(p, job.owner, x ?? job.rows);
  const ys = await inputFixed(p, job.owner, y ?? job.rows);
  const v = await secureVariance(p, ys, o);
  const r = await secureLinearRegression(p, [xs], ys, o);
  const t4 = performance.now();
  const figures: DemoFigures | undefined =
    v && r ? { mean: v.mean, variance: v.variance, regression: { intercept: r.coefficients[0]!, slope: r.coefficients[1]!, r2: r.r2 } } : undefined;
  return { party: self, ...(figures ? { figures } : {}), setupMs: t1 - t0, triplesMs: t2 - t1, masksMs: t3 - t2, onlineMs: t4 - t3 };
}

/** Compares the recipient's figures with the plaintext reference and builds the report. */
export function demoReport(parties: number, job: DemoJob, transport: string, results: readonly DemoNodeResult[]): DemoReport {
  const got = results.find((r) => r.party === job.recipient)?.figures;
  if (!got || results.some((r) => r.party !== job.recipient && r.figures !== undefined)) {
    throw new InvalidArgumentError('results reached a party other than the recipient');
  }
  const { x, y } = demoDataset(job.rows, job.seed);
  const reference = plainFigures(x, y);
  const maxAbsError = Math.max(
    ...[
      got.mean - reference.mean,
      got.variance - reference.variance,
      got.regression.intercept - reference.regression.intercept,
      got.regression.slope - reference.regression.slope,
    ].map(Math.abs),
  );
  // Inputs are quantised to 2^-(2f+1) (two limbs); every figure here is a smooth function of averages
  // of them. The tolerance is the one-limb one, kept loose: the demo shows agreement, the unit tests
  // bound the error.
  const tolerance = 2 ** -(job.fractionalBits - 4);
  const slowest = (k: 'setupMs' | 'triplesMs' | 'masksMs' | 'onlineMs') => Math.round(Math.max(...results.map((r) => r[k])));
  return {
    parties,
    rows: job.rows,
    owner: job.owner,
    recipient: job.recipient,
    transport,
    field: 'GF(2^61 - 1)',
    fractionalBits: job.fractionalBits,
    preprocessing: {
      source: 'mascot',
      triples: demoTriples(job.rows),
      masks: 4 * job.rows + 16,
      setupMs: slowest('setupMs'),
      triplesMs: slowest('triplesMs'),
      masksMs: slowest('masksMs'),
    },
    onlineMs: slowest('onlineMs'),
    results: got,
    reference,
    maxAbsError,
    tolerance,
    agree: maxAbsError <= tolerance,
  };
}

export function demoJob(opts: DemoOptions): DemoJob {
  const { parties, rows } = opts;
  if (!Number.isInteger(parties) || parties < 2 || parties > 10) throw new InvalidArgumentError('parties must be an integer from 2 to 10');
  if (!Number.isInteger(rows) || rows < 3 || rows > 1_000_000) throw new InvalidArgumentError('rows must be an integer from 3 to 1,000,000');
  return { rows, seed: opts.seed ?? 7, owner: 0, recipient: 1, fractionalBits: opts.fractionalBits ?? 16 };
}

/** All parties in this process, over in-memory channels or TLS on loopback. */
export async function runMpcDemo(opts: DemoOptions): Promise<DemoReport> {
  const job = demoJob(opts);
  const transports = opts.transports ? await opts.transports() : createMemoryTransports(opts.parties);
  try {
    const results = await Promise.all(transports.map((t) => runDemoNode(t, job)));
    return demoReport(opts.parties, job, opts.transports ? (opts.transportName ?? 'tls') : 'in-memory', results);
  } finally {
    await Promise.all(transports.map((t) => t.close()));
  }
}
