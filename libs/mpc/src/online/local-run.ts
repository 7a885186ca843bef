import type { PartyPreprocessing } from '../preprocessing/store';
import { createMemoryTransports, type MessageInterceptor } from '../transport/transport';
import { createParty, type MpcParty } from './party';

/**
 * Runs one program on every party in this process over in-memory channels and returns each
 * party's result (tests, the demo, the benchmarks). Rejects with the first party's error.
 */
export async function runLocalParties<T>(
  preprocessing: readonly PartyPreprocessing[],
  program: (party: MpcParty) => Promise<T>,
  intercept?: MessageInterceptor,
): Promise<T[]> {
  const transports = createMemoryTransports(preprocessing.length, intercept);
  const parties = preprocessing.map((pre, i) => createParty(transports[i]!, pre));
  const results = await Promise.allSettled(parties.map((p) => program(p)));
  await Promise.all(parties.map((p) => p.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Like runLocalParties but keeps every party's outcome (tamper tests check each honest party aborts). */
export async function runLocalPartiesSettled<T>(
  preprocessing: readonly PartyPreprocessing[],
  program: (party: MpcParty) => Promise<T>,
  intercept?: MessageInterceptor,
): Promise<PromiseSettledResult<T>[]> {
  const transports = createMemoryTransports(preprocessing.length, intercept);
  const parties = preprocessing.map((pre, i) => createParty(transports[i]!, pre));
  const results = await Promise.allSettled(parties.map((p) => program(p)));
  await Promise.all(parties.map((p) => p.close()));
  return results;
}
