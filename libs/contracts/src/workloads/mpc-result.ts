import { createHash } from 'node:crypto';
import { computationParametersText } from '@datawell/domain';

/**
 * A computation result's canonical JSON: keys sorted, undefined members left out, arrays in order
 * (results are reals): each number in ECMAScript's shortest round-trip form. What the result digest
 * hashes, so the node that delivers a result, the bridge that keeps it and the coordinator that
 * compares digests agree byte for byte.
 */
export function resultJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(resultJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${resultJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('a result holds a non-finite number');
  return JSON.stringify(value);
}

/** SHA-256 (hex) of a result's canonical JSON: what the ledger records as ComputationCompleted's resultDigest. */
export function resultDigest(result: unknown): string {
  return createHash('sha256').update(resultJson(result)).digest('hex');
}

/**
 * SHA-256 (hex) of the canonical JSON of a computation request's parameters (columns in order,
 * fractional bits; computationParametersText of @datawell/domain): what the usage trail records of
 * them, and what the requester signs of them (computationRequestSigningText). One function for the
 * coordinator, the nodes, the bridges they record through and the requesters that sign.
 */
export function parametersDigest(parameters: { readonly columns: readonly string[]; readonly fractionalBits: number; readonly precision?: string }): string {
  return createHash('sha256').update(computationParametersText(parameters)).digest('hex');
}
