import { createMemoryTransports, type MessageInterceptor } from '../transport/transport';
import type { PartyPreprocessing } from '../preprocessing/store';
import { setupMascot } from './mascot';
import type { OtExtensionChoice } from './ot-extension';

export interface LocalMascotOptions {
  readonly parties: number;
  readonly triples: number;
  /** Input masks per owner: one count for every owner, or one count per owner. */
  readonly masks: number | readonly number[];
  readonly squares?: number;
  readonly intercept?: MessageInterceptor;
  /** Worker threads of the kernel pool (MascotOptions.workers). */
  readonly workers?: number;
  /** MascotOptions.otExtension. */
  readonly otExtension?: OtExtensionChoice;
}

export interface LocalMascotResult {
  readonly preprocessing: PartyPreprocessing[];
  readonly setupMs: number;
  readonly triplesMs: number;
  readonly masksMs: number;
}

/** Runs the MASCOT offline phase for all parties in this process (tests, demo, benchmarks). */
export async function runLocalMascot(opts: LocalMascotOptions): Promise<LocalMascotResult> {
  const transports = createMemoryTransports(opts.parties, opts.intercept);
  const t0 = performance.now();
  const phases = await Promise.all(transports.map((t) => setupMascot(t, { workers: opts.workers, otExtension: opts.otExtension })));
  const t1 = performance.now();
  await Promise.all(phases.map((p) => p.generateTriples(opts.triples)));
  const t2 = performance.now();
  if ((opts.squares ?? 0) > 0) await Promise.all(phases.map((p) => p.generateSquares(opts.squares!)));
  for (let owner = 0; owner < opts.parties; owner++) {
    const count = typeof opts.masks === 'number' ? opts.masks : (opts.masks[owner] ?? 0);
    if (count > 0) await Promise.all(phases.map((p) => p.generateMasks(owner, count)));
  }
  const t3 = performance.now();
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(phases.map((p) => p.close()));
  return { preprocessing: phases.map((p) => p.preprocessing), setupMs: t1 - t0, triplesMs: t2 - t1, masksMs: t3 - t2 };
}
