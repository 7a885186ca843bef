import { InvalidArgumentError, MpcError, PrecisionUnknownError, ProtocolViolationError } from '../errors';
import type { MascotOfflinePhase } from '../offline/mascot';
import { createParty } from '../online/party';
import type { Transport } from '../transport/transport';
import { DEFAULT_PRECISION, PRECISIONS, assertRangeAt, encodeAt, isPrecision, limbsOf, type Precision } from './fixed-point';
import {
  inputFixed, secureCovariance, secureDotProduct, secureLinearRegression, secureMean, secureSum, secureVariance, type FixedShared,
} from './statistics';
import { roundShiftTriples } from './truncate';

/**
 * The catalogue as jobs an MPC node runs on request: a named program over columns of one owner's
 * dataset, with the results opened to named recipients only. Every node runs the same job over the
 * same transport; the owner alone holds the columns. Preprocessing comes from the nodes' MASCOT
 * store: whatever a job needs beyond the stock is made first, the same amount at every node.
 */
export const CATALOGUE = ['sum', 'mean', 'variance', 'covariance', 'dot-product', 'linear-regression'] as const;
export type CatalogueProgram = (typeof CATALOGUE)[number];

export interface CatalogueJob {
  readonly program: CatalogueProgram;
  /** Party index of the dataset's owner. */
  readonly owner: number;
  readonly recipients: readonly number[];
  /** How many columns the program takes (regression: features then y). */
  readonly columns: number;
  /** f: bits per limb; with two limbs ('fxp32') inputs and results carry 2f fractional bits, with one f. */
  readonly fractionalBits: number;
  /** 'fxp32' (two limbs, the default) or 'fxp16' (one limb: faster, coarser); see PRECISIONS. */
  readonly precision?: Precision;
}

/** The job's precision (the default when it names none). */
export function jobPrecision(job: CatalogueJob): Precision {
  return job.precision ?? DEFAULT_PRECISION;
}

/** Only at recipients: the program's figures (numbers only; never the inputs). */
export type CatalogueResult = Readonly<Record<string, number | readonly number[]>>;

export interface CatalogueRun {
  readonly party: number;
  readonly rows: number;
  readonly result?: CatalogueResult;
  readonly made: { readonly triples: number; readonly masks: number };
  readonly onlineMs: number;
}

/** Columns a program accepts, as [min, max]. */
export function columnRange(program: CatalogueProgram): readonly [number, number] {
  switch (program) {
    case 'sum':
    case 'mean':
    case 'variance':
      return [1, 1];
    case 'covariance':
    case 'dot-product':
      return [2, 2];
    case 'linear-regression':
      return [2, 5];
  }
}

/** Output values per recipient (each needs one of its masks per value). */
function outputs(job: CatalogueJob): number {
  const c = job.columns;
  switch (job.program) {
    case 'sum':
    case 'mean':
    case 'dot-product':
      return 1;
    case 'variance':
      return 2;
    case 'covariance':
      return 3;
    case 'linear-regression':
      return c + (c * (c + 1)) / 2;
  }
}

/** Sums of products a program forms (two limbs: three dot products of limbs and two rounding divisions each; one limb: one dot product). */
function productSums(job: CatalogueJob): number {
  const c = job.columns;
  switch (job.program) {
    case 'sum':
    case 'mean':
      return 0;
    case 'variance':
    case 'covariance':
    case 'dot-product':
      return 1;
    case 'linear-regression':
      return (c * (c + 1)) / 2;
  }
}

/** Preprocessing one job consumes for `rows` rows (an input mask per limb of every value). */
export function jobRequirement(job: CatalogueJob, rows: number): { triples: number; ownerMasks: number; recipientMasks: number } {
  const k = productSums(job);
  const limbs = limbsOf(jobPrecision(job));
  const triples = k === 0 ? 0 : limbs === 2 ? 3 * rows * k + roundShiftTriples(2 * k) : rows * k;
  return { triples, ownerMasks: limbs * rows * job.columns, recipientMasks: outputs(job) };
}

export function checkCatalogueJob(job: CatalogueJob, parties: number): void {
  if (!CATALOGUE.includes(job.program)) throw new InvalidArgumentError(`unknown program ${String(job.program)}`);
  if (job.precision !== undefined && !isPrecision(job.precision)) {
    throw new PrecisionUnknownError(`unknown precision ${JSON.stringify(job.precision)}: one of ${PRECISIONS.join(', ')}`);
  }
  const [lo, hi] = columnRange(job.program);
  if (!Number.isInteger(job.columns) || job.columns < lo || job.columns > hi) {
    throw new InvalidArgumentError(`${job.program} takes ${lo === hi ? lo : `${lo} to ${hi}`} columns`);
  }
  const party = (j: number) => Number.isInteger(j) && j >= 0 && j < parties;
  if (!party(job.owner) || job.recipients.length === 0 || !job.recipients.every(party) || new Set(job.recipients).size !== job.recipients.length) {
    throw new InvalidArgumentError('owner and recipients must be distinct party indices');
  }
  if (!Number.isInteger(job.fractionalBits) || job.fractionalBits < 0 || job.fractionalBits > 24) {
    throw new InvalidArgumentError('fractionalBits must be an integer from 0 to 24');
  }
}

const MAX_ROWS = 1_000_000;

/**
 * Runs one catalogue job at this node. The owner passes its columns (equal lengths); the others
 * pass undefined. The owner first tells every party the row count (0 when it cannot serve the
 * dataset, so nobody waits for inputs that will not come); a party that was told different counts
 * fails at the MAC check of the inputs.
 */
export async function runCatalogueJob(
  transport: Transport,
  mascot: MascotOfflinePhase,
  job: CatalogueJob,
  columns?: readonly (readonly number[])[],
): Promise<CatalogueRun> {
  checkCatalogueJob(job, transport.parties);
  const self = transport.self;
  let rows: number;
  const precision = jobPrecision(job);
  let encoded: ReturnType<typeof encodeAt>[] | undefined;
  if (self === job.owner) {
    let problem: Error | undefined;
    try {
      if (!columns || columns.length !== job.columns) throw new InvalidArgumentError(`the owner needs ${job.columns} columns`);
      const n = columns[0]!.length;
      if (columns.some((c) => c.length !== n)) throw new InvalidArgumentError('columns of different lengths');
      if (n < 2 || n > MAX_ROWS) throw new InvalidArgumentError(`a dataset needs 2 to ${MAX_ROWS} rows`);
      for (const c of columns) assertRangeAt(c, job.fractionalBits, precision, job.program !== 'sum' && job.program !== 'mean');
      encoded = columns.map((c) => encodeAt(c, job.fractionalBits, precision));
    } catch (err) {
      problem = err as Error;
    }
    rows = problem ? 0 : columns![0]!.length;
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, rows);
    transport.broadcast(header);
    if (problem) throw problem;
  } else {
    const header = await transport.receive(job.owner);
    if (header.length !== 4) throw new ProtocolViolationError(`bad row count from the owner ${job.owner}`, job.owner);
    rows = new DataView(header.buffer, header.byteOffset, 4).getUint32(0);
    if (rows === 0) throw new MpcError('INVALID_ARGUMENT', `the owner (party ${job.owner}) could not serve the dataset`, job.owner);
    if (rows > MAX_ROWS) throw new ProtocolViolationError(`row count ${rows} from the owner is out of range`, job.owner);
  }

  // Top up to exactly what this job needs; every node holds the same stock, so all make the same amounts.
  const need = jobRequirement(job, rows);
  const pre = mascot.preprocessing;
  const triples = Math.max(0, need.triples - pre.availableTriples());
  if (triples > 0) await mascot.generateTriples(triples);
  let masks = Math.max(0, need.ownerMasks - pre.availableMasks(job.owner));
  if (masks > 0) await mascot.generateMasks(job.owner, masks);
  for (const r of job.recipients) {
    // The owner's input masks and a recipient's output masks come from the same queue when they coincide.
    const want = need.recipientMasks + (r === job.owner ? need.ownerMasks : 0);
    const more = Math.max(0, want - pre.availableMasks(r));
    if (more > 0) await mascot.generateMasks(r, more);
    masks += more;
  }

  const t0 = performance.now();
  const p = createParty(transport, pre);
  const inputs: FixedShared[] = [];
  for (let c = 0; c < job.columns; c++) inputs.push(await inputFixed(p, job.owner, encoded?.[c] ?? rows, precision));
  const o = { recipients: job.recipients, fractionalBits: job.fractionalBits };
  let result: CatalogueResult | undefined;
  switch (job.program) {
    case 'sum': {
      const s = await secureSum(p, inputs[0]!, o);
      if (s !== undefined) result = { n: rows, sum: s };
      break;
    }
    case 'mean': {
      const m = await secureMean(p, inputs[0]!, o);
      if (m !== undefined) result = { n: rows, mean: m };
      break;
    }
    case 'variance': {
      const v = await secureVariance(p, inputs[0]!, o);
      if (v) result = { n: v.n, mean: v.mean, variance: v.variance, sampleVariance: v.sampleVariance };
      break;
    }
    case 'covariance': {
      const v = await secureCovariance(p, inputs[0]!, inputs[1]!, o);
      if (v) result = { n: v.n, meanX: v.meanX, meanY: v.meanY, covariance: v.covariance };
      break;
    }
    case 'dot-product': {
      const v = await secureDotProduct(p, inputs[0]!, inputs[1]!, o);
      if (v !== undefined) result = { n: rows, dotProduct: v };
      break;
    }
    case 'linear-regression': {
      const v = await secureLinearRegression(p, inputs.slice(0, -1), inputs[inputs.length - 1]!, o);
      if (v) result = { n: v.n, coefficients: v.coefficients, r2: v.r2 };
      break;
    }
  }
  return { party: self, rows, ...(result ? { result } : {}), made: { triples, masks }, onlineMs: performance.now() - t0 };
}
