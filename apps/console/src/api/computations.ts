import { computationParametersText, computationRequestSigningText } from '@datawell/domain/computation-request-signing';
import { signWith } from '../auth/keyring';
import { sha256Hex } from '../negotiation/agreement-check';
import { ApiError, coordinator, member, unwrap, type Computation, type ComputationRequestBody } from './client';

/*
 * Computations as a member sees them: it asks the operator's MPC coordinator (which only schedules)
 * for a computation its DAO's terms allow and follows its progress there; a result addressed to it
 * is opened only at its own node, which hands it to its own domain's bridge, where it is read here.
 */

/** A result kept by the member's own bridge, without its values (GET …/computations). */
export interface ResultSummary {
  jobId: string;
  computation: string;
  /** The mesh's members, in party order. */
  members: string[];
  resultDigest: string;
  /** The transaction of its ComputationCompleted, recorded by this member. */
  txId: string;
  recordedAtMs: number;
  version: number;
}

/** A kept result with its values (GET …/computations/:jobId/result). */
export interface ResultValues extends ResultSummary {
  result: Record<string, number | number[]>;
}

const unexpected = (what: string) => new ApiError(502, 'UNEXPECTED_ANSWER', what);

function summary(answer: unknown): ResultSummary {
  const o = (answer ?? {}) as Record<string, unknown>;
  const { jobId, computation, members, resultDigest, txId, recordedAtMs, version } = o;
  if (typeof jobId !== 'string' || typeof computation !== 'string' || typeof resultDigest !== 'string' || typeof txId !== 'string' || typeof recordedAtMs !== 'number' || typeof version !== 'number') {
    throw unexpected('a kept result lacks jobId, computation, resultDigest, txId, recordedAtMs or version');
  }
  if (!Array.isArray(members) || !members.every((m): m is string => typeof m === 'string')) throw unexpected('a kept result has no list of members');
  return { jobId, computation, members, resultDigest, txId, recordedAtMs, version };
}

/** The bridge's list of kept results, checked (its answer is documented without a schema). */
export function parseResults(answer: unknown): ResultSummary[] {
  if (!Array.isArray(answer)) throw unexpected('the kept results are not a list');
  return answer.map(summary);
}

/** One kept result with its values: named numbers or lists of numbers. */
export function parseResult(answer: unknown): ResultValues {
  const base = summary(answer);
  const result = (answer as { result?: unknown }).result;
  if (!result || typeof result !== 'object' || Array.isArray(result)) throw unexpected('a kept result has no values');
  const values = Object.entries(result as Record<string, unknown>);
  const ok = values.every(([, v]) => typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number')));
  if (!ok) throw unexpected('a result value is not a number or a list of numbers');
  return { ...base, result: Object.fromEntries(values) as Record<string, number | number[]> };
}

/**
 * A dataset of a version: named in the version's infrastructure, where the workload of its owner
 * (the owner's MPC node) lists the datasets it serves in its `datasets` parameter, keyed by name.
 */
export interface OwnedDataset {
  owner: string;
  name: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The datasets a version's infrastructure (GetVersion's `infrastructure`) names, once each, by owner
 * then name; none when it names none or is not an infrastructure spec.
 */
export function datasetsOf(infrastructure: unknown): OwnedDataset[] {
  const workloads = isObject(infrastructure) ? infrastructure['workloads'] : undefined;
  if (!Array.isArray(workloads)) return [];
  const found = new Map<string, OwnedDataset>();
  for (const w of workloads) {
    if (!isObject(w) || typeof w['owner'] !== 'string' || !isObject(w['parameters'])) continue;
    const datasets = w['parameters']['datasets'];
    if (!isObject(datasets)) continue;
    for (const name of Object.keys(datasets)) found.set(JSON.stringify([w['owner'], name]), { owner: w['owner'], name });
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...found.values()].sort((a, b) => order(a.owner, b.owner) || order(a.name, b.name));
}

/**
 * The dataset choice of the request form: the names of `owner`'s datasets, and the one asked for —
 * the one picked while it is still among them, else the first (undefined when the owner has none).
 */
export function datasetChoice(datasets: readonly OwnedDataset[], owner: string | undefined, picked: string): { names: string[]; chosen: string | undefined } {
  const names = datasets.filter((d) => d.owner === owner).map((d) => d.name);
  return { names, chosen: names.includes(picked) ? picked : names[0] };
}

/** What a person fills in to ask for a computation. */
export interface ComputationAsk {
  daoId: string;
  version: number;
  computation: string;
  dataset: string;
  /** The dataset's owner (a DSP of the version): signed, so always named. */
  owner: string;
  /** Column names, comma-separated as typed. */
  columns: string;
  recipients: string[];
  /** Idempotency key: a second click on the same form names the same computation. */
  requestId: string;
  /** The catalogue's precision (sent as `parameters.precision` and signed with the parameters). */
  precision: Precision;
}

/** The catalogue's precision as the coordinator's request names it (docs/mpc.md, "Precision: two limbs"). */
export type Precision = NonNullable<ComputationRequestBody['parameters']['precision']>;

/** What a computation runs at when its request names no precision (the coordinator's and the catalogue's default). */
export const DEFAULT_PRECISION: Precision = 'fxp32';

/** The precisions the form offers, the default first, with what the choice means to the person asking. */
export const PRECISION_CHOICES: ReadonlyArray<{ readonly value: Precision; readonly label: string }> = [
  { value: 'fxp32', label: 'fxp32: about 10 significant digits, ~3× slower (default)' },
  { value: 'fxp16', label: 'fxp16: MPyC’s precision, faster' },
];

/** A precision as the form's select hands it back: one of the choices, else the default. */
export function precisionOf(chosen: string | undefined): Precision {
  return PRECISION_CHOICES.find((c) => c.value === chosen)?.value ?? DEFAULT_PRECISION;
}

/** The precision a computation runs at, as the coordinator reports its parameters (absent: the default). */
export function computationPrecision(c: Pick<Computation, 'parameters'>): Precision {
  return precisionOf(c.parameters.precision);
}

/** Who signs a request: the signed-in identity's key, its certificate and its organisation (the requester). */
export interface RequestSigner {
  readonly key: CryptoKey;
  readonly certificatePem: string;
  readonly mspId: string;
}

/**
 * The fixed-point fractional bits the page asks for: the coordinator's default (DEFAULT_FRACTIONAL_BITS
 * of libs/mpc), sent and signed explicitly, since the signature binds the parameters.
 */
export const FRACTIONAL_BITS = 16;

/** What the page signs of a request: the form's fields, the columns parsed. */
export type SignedAsk = Pick<ComputationAsk, 'daoId' | 'version' | 'computation' | 'dataset' | 'owner' | 'recipients' | 'requestId' | 'precision'> & { columns: string[] };

/** The parameters the page sends and signs: the columns, the fractional bits and the precision. */
export function requestParameters(ask: Pick<SignedAsk, 'columns' | 'precision'>): ComputationRequestBody['parameters'] & { fractionalBits: number } {
  return { columns: ask.columns, fractionalBits: FRACTIONAL_BITS, precision: ask.precision };
}

/**
 * The request's signature (issue 12): the page writes computationRequestSigningText of libs/domain
 * itself — v2, with the dataset's owner and the parameters' digest (SHA-256 of
 * computationParametersText, as parametersDigest of libs/contracts, here with WebCrypto) — and signs
 * it with the signed-in identity's key (ECDSA-SHA256, DER base64), so each member's MPC node can
 * check who asked, for what, on whose dataset, to whom, against its own ledger (docs/mpc.md).
 */
export async function requestSignature(signer: RequestSigner, ask: SignedAsk, issuedAtMs = Date.now()) {
  // The default precision leaves the text (and so the digest) as it was before precision was a choice.
  const parametersDigest = await sha256Hex(computationParametersText(requestParameters(ask)));
  const text = computationRequestSigningText({
    requestId: ask.requestId,
    daoId: ask.daoId,
    version: ask.version,
    computation: ask.computation,
    dataset: ask.dataset.trim(),
    owner: ask.owner,
    parametersDigest,
    recipients: ask.recipients,
    requester: signer.mspId,
    issuedAtMs,
  });
  return { issuedAtMs, certificatePem: signer.certificatePem, signature: await signWith(signer.key, text) };
}

/** The body of `POST /computations`: the ask, its parsed columns and its signature. */
export function requestBody(ask: ComputationAsk, columns: string[], signed: Awaited<ReturnType<typeof requestSignature>>): ComputationRequestBody {
  return {
    ...signed,
    daoId: ask.daoId,
    version: ask.version,
    computation: ask.computation,
    parameters: requestParameters({ columns, precision: ask.precision }),
    dataset: { name: ask.dataset.trim(), owner: ask.owner },
    recipients: ask.recipients,
    requestId: ask.requestId,
  };
}

/** The columns as typed: trimmed, empty ones dropped; an INVALID_REQUEST without any. */
export function columnsOf(typed: string): string[] {
  const columns = typed
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  if (columns.length === 0) throw new ApiError(400, 'INVALID_REQUEST', 'name at least one column of the dataset');
  return columns;
}

/** The terminal states of a computation at the coordinator. */
export const finished = (status: string) => status === 'completed' || status === 'failed';

export const computationsApi = {
  /** The results this member's bridge keeps for one version. */
  results: async (daoId: string, version: number): Promise<ResultSummary[]> =>
    parseResults(unwrap(await member.GET('/daos/{daoId}/versions/{version}/computations', { params: { path: { daoId, version: String(version) } } }))),
  result: async (daoId: string, version: number, jobId: string): Promise<ResultValues> =>
    parseResult(unwrap(await member.GET('/daos/{daoId}/versions/{version}/computations/{jobId}/result', { params: { path: { daoId, version: String(version), jobId } } }))),
  /** Asks the coordinator; 202 queued, or 200 with the computation a repeated request id names. */
  request: async (ask: ComputationAsk, signer: RequestSigner): Promise<Computation> => {
    const columns = columnsOf(ask.columns);
    if (!ask.owner) throw new ApiError(400, 'INVALID_REQUEST', 'the version has no active data owner (DSP) whose dataset to compute on');
    const signed = await requestSignature(signer, { ...ask, columns });
    return unwrap(await coordinator.POST('/computations', { body: requestBody(ask, columns, signed) }));
  },
  status: async (id: string): Promise<Computation> => unwrap(await coordinator.GET('/computations/{id}', { params: { path: { id } } })),
};
