import { fmul, fadd } from '../field/reference';
import type { FieldVec } from '../field/vector';
import { fieldMemoryBytes, fromBigInts, vadd } from '../field/vector';
import { createMemoryTransports, type MessageInterceptor, type Transport } from '../transport/transport';
import { runLocalParties } from '../online/local-run';
import type { PartyPreprocessing } from '../preprocessing/store';
import { gf2MemoryBytes } from './gf2';
import { runLocalMascot } from './local';
import { KEEP_KERNEL_MEMORY, setupMascot, type MascotOfflinePhase } from './mascot';
import type { OtExtensionChoice } from './ot-extension';
import { defaultWorkers } from './pool';

const SS: OtExtensionChoice = { kind: 'softspoken', k: 4 };

/**
 * Set-up (base OTs over ristretto255, OT extensions and COPE with every peer) is nearly all of a
 * small run's CPU, so the tests of one configuration share its parties: set up on first use, kept
 * for the next test of that configuration, closed after all. A tamper test ends them (an abort
 * leaves them unusable): it runs on the configuration's shared parties when there are some, which
 * it then closes, and otherwise on fresh ones, as runLocalMascot sets them up. Each test checks
 * only the material it makes. Workers are keyed as setupMascot resolves them (none given: every core).
 */
class Parties {
  /** The tamper test's interceptor, once it takes the parties. */
  tamper: MessageInterceptor | undefined;
  readonly transports: Transport[];
  phases: MascotOfflinePhase[] = [];

  constructor(n: number) {
    this.transports = createMemoryTransports(n, (from, to, data) => (this.tamper ? this.tamper(from, to, data) : data));
  }
}

const shared = new Map<string, { readonly workers: number; readonly parties: Promise<Parties> }>();
const configKey = (n: number, workers: number | undefined, otExtension: OtExtensionChoice | undefined) =>
  JSON.stringify([n, workers ?? defaultWorkers(), otExtension ?? null]);

function sharedParties(n: number, workers: number | undefined, otExtension: OtExtensionChoice | undefined): Promise<Parties> {
  const key = configKey(n, workers, otExtension);
  const found = shared.get(key);
  if (found) return found.parties;
  const size = workers ?? defaultWorkers();
  // A thread has one kernel pool at a time (acquireKernelPool): shared parties on a pool of another size are closed first.
  const other = [...shared].filter(([, s]) => size >= 2 && s.workers >= 2 && s.workers !== size);
  for (const [k] of other) shared.delete(k);
  const parties = (async () => {
    for (const [, s] of other) await closeParties(await s.parties);
    const p = new Parties(n);
    p.phases = await Promise.all(p.transports.map((t) => setupMascot(t, { workers, otExtension })));
    return p;
  })();
  shared.set(key, { workers: size, parties });
  return parties;
}

async function closeParties(p: Parties): Promise<void> {
  await Promise.all(p.transports.map((t) => t.close()));
  await Promise.all(p.phases.map((x) => x.close()));
}

afterAll(async () => {
  const left = [...shared.values()];
  shared.clear();
  for (const s of left) await closeParties(await s.parties);
});

/** What runLocalMascot makes, on the configuration's shared parties, after dropping what earlier tests left. */
async function sharedMaterial(n: number, workers: number | undefined, otExtension: OtExtensionChoice | undefined, triples: number, masks: number, squares: number): Promise<PartyPreprocessing[]> {
  const { phases } = await sharedParties(n, workers, otExtension);
  const preprocessing = phases.map((p) => p.preprocessing);
  for (const p of preprocessing) {
    if (p.availableTriples() > 0) p.takeTriples(p.availableTriples());
    if (p.availableSquares() > 0) p.takeSquares(p.availableSquares());
    for (let owner = 0; owner < n; owner++) if (p.availableMasks(owner) > 0) p.takeMasks(owner, p.availableMasks(owner));
  }
  await Promise.all(phases.map((p) => p.generateTriples(triples)));
  await Promise.all(phases.map((p) => p.generateSquares(squares)));
  for (let owner = 0; owner < n; owner++) await Promise.all(phases.map((p) => p.generateMasks(owner, masks)));
  return preprocessing;
}

/** 2 parties make T triples with `intercept` changing messages in flight: rejects as the first party that aborts. */
async function tamperedTriples(workers: number | undefined, otExtension: OtExtensionChoice | undefined, T: number, intercept: MessageInterceptor): Promise<void> {
  const key = configKey(2, workers, otExtension);
  const taken = shared.get(key);
  if (!taken) {
    await runLocalMascot({ parties: 2, triples: T, masks: 0, workers, otExtension, intercept });
    return;
  }
  shared.delete(key);
  const parties = await taken.parties;
  parties.tamper = intercept;
  try {
    await Promise.all(parties.phases.map((p) => p.generateTriples(T)));
  } finally {
    await closeParties(parties);
  }
}

function sumVecs(vs: FieldVec[]): FieldVec {
  return vs.reduce((a, b) => vadd(a, b));
}

function alphaOf(pre: PartyPreprocessing[]): bigint {
  return pre.reduce((s, p) => fadd(s, p.macKeyShare), 0n);
}

describe('MASCOT offline phase', () => {
  // Memory at rest (docs/mpc.md): a batch of 2,048 triples grows the buffers and the kernels' linear memory to MBs.
  it.each([[0], [2]])('keeps no batch buffers and no grown kernel memory once its calls end (workers: %i)', async (workers) => {
    const { phases } = await sharedParties(2, workers, undefined);
    const before = phases.map((p) => p.preprocessing.availableTriples());
    await Promise.all(phases.map((p) => p.generateTriples(2048)));
    await Promise.all(phases.map((p) => p.generateMasks(0, 2048)));
    expect(phases.map((p) => p.heldBytes)).toEqual([0, 0]);
    expect(fieldMemoryBytes()).toBeLessThanOrEqual(KEEP_KERNEL_MEMORY);
    expect(gf2MemoryBytes()).toBeLessThanOrEqual(KEEP_KERNEL_MEMORY);
    expect(phases.map((p) => p.preprocessing.availableTriples())).toEqual(before.map((b) => b + 2048));
  }, 120_000);

  // workers: the default kernel pool (every core), and 0 for the single-threaded path.
  // otExtension: KOS (the default) and SoftSpoken.
  it.each([
    [2, undefined, undefined],
    [3, undefined, undefined],
    [2, 0, undefined],
    [2, undefined, SS],
    [3, undefined, SS],
    [2, 0, SS],
    [2, 0, { kind: 'softspoken', k: 3 } as OtExtensionChoice],
  ])('produces valid authenticated triples and masks with %i parties (workers: %s, OT extension %j), which feed the online phase', async (n, workers, otExtension) => {
    const preprocessing = await sharedMaterial(n, workers, otExtension, 310, 24, 50);
    const alpha = alphaOf(preprocessing);
    const triples = preprocessing.map((p) => p.takeTriples(300));
    const a = sumVecs(triples.map((t) => t.a.value));
    const b = sumVecs(triples.map((t) => t.b.value));
    const c = sumVecs(triples.map((t) => t.c.value));
    for (let i = 0; i < 300; i++) expect(c[i]).toBe(fmul(a[i]!, b[i]!));
    for (const k of ['a', 'b', 'c'] as const) {
      const v = sumVecs(triples.map((t) => t[k].value));
      const m = sumVecs(triples.map((t) => t[k].mac));
      for (let i = 0; i < 300; i += 37) expect(m[i]).toBe(fmul(alpha, v[i]!));
    }
    for (let owner = 0; owner < n; owner++) {
      const masks = preprocessing.map((p) => p.takeMasks(owner, 20));
      const v = sumVecs(masks.map((m) => m.mask.value));
      const m = sumVecs(masks.map((x) => x.mask.mac));
      expect(Array.from(v)).toEqual(Array.from(masks[owner]!.clear!));
      expect(masks.filter((x) => x.clear).length).toBe(1);
      for (let i = 0; i < 20; i++) expect(m[i]).toBe(fmul(alpha, v[i]!));
    }
    const squares = preprocessing.map((p) => p.takeSquares(50));
    const sa = sumVecs(squares.map((q) => q.a.value));
    const saa = sumVecs(squares.map((q) => q.aa.value));
    const saaMac = sumVecs(squares.map((q) => q.aa.mac));
    for (let i = 0; i < 50; i++) {
      expect(saa[i]).toBe(fmul(sa[i]!, sa[i]!));
      expect(saaMac[i]).toBe(fmul(alpha, saa[i]!));
    }
    // The rest of the material runs a computation.
    const outs = await runLocalParties(preprocessing, async (p) => {
      const x = await p.input(n - 1, p.id === n - 1 ? fromBigInts([3n, 4n]) : 2);
      return p.open(await p.mul(x, x));
    });
    expect(Array.from(outs[0]!)).toEqual([9n, 16n]);
  }, 300_000); // a guard, not a timing: 3 parties under a CI load of 15+ took over 30 s, and once 128 s

  it.each([
    [undefined, undefined],
    [0, undefined],
    [undefined, SS],
    [0, SS],
  ])('aborts with SACRIFICE_FAILED when a party corrupts its Gilboa corrections (wrong c; workers: %s, %j)', async (workers, otExtension) => {
    const T = 40;
    const gilboaBytes = T * 61 * 4 * 8;
    await expect(
      tamperedTriples(workers, otExtension, T, (from, _to, data) => {
        if (from === 1 && data.length === gilboaBytes) {
          const w = new BigUint64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
          for (let i = 0; i < w.length; i++) w[i] = (w[i]! + 1n) % ((1n << 61n) - 1n);
          return new Uint8Array(w.buffer);
        }
        return data;
      }),
    ).rejects.toMatchObject({ code: 'SACRIFICE_FAILED' });
  }, 300_000); // a guard, not a timing (as above): the tamper runs set up MASCOT in full

  it.each([
    [undefined, undefined],
    [0, undefined],
    [undefined, SS],
    [0, SS],
  ])('aborts with MAC_CHECK_FAILED when a party corrupts its COPE corrections (bad authentication; workers: %s, %j)', async (workers, otExtension) => {
    const T = 40;
    const copeBytes = 61 * (5 * T + 1) * 8;
    await expect(
      tamperedTriples(workers, otExtension, T, (from, _to, data) => {
        if (from === 0 && data.length === copeBytes) {
          const w = new BigUint64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
          // Element 7 in every bit layer: the Δ-party uses the layers where its α bit is 1.
          const n = 5 * T + 1;
          for (let l = 0; l < 61; l++) w[l * n + 7] = (w[l * n + 7]! + 1n) % ((1n << 61n) - 1n);
          return new Uint8Array(w.buffer);
        }
        return data;
      }),
    ).rejects.toMatchObject({ code: 'MAC_CHECK_FAILED' });
  }, 300_000); // a guard: one run of the four took over 30 s at a load of 28 (a rehearsal beside two stacks)
});

describe('MASCOT over SoftSpoken: a cheating OT-extension receiver', () => {
  it.each([undefined, 0])('aborts with OT_CHECK_FAILED when a party uses inconsistent choice bits in its Gilboa extension (workers: %s)', async (workers) => {
    const T = 40;
    const M = Math.ceil((T * 61 + 128) / 64) * 64;
    const matrixBytes = 32 * (M / 8) + 32;
    await expect(
      tamperedTriples(workers, SS, T, (from, _to, data) => {
        if (from === 1 && data.length === matrixBytes) {
          const d = new Uint8Array(data);
          // Row 34 chosen differently in blocks 3..18 and as before in the others. One flipped block
          // alone is invisible when that block's 4 bits of Δ are zero (1 in 16: the guess KOS allows,
          // so CI once saw it pass); sixteen are all invisible with probability 2^-64.
          for (let b = 3; b < 19; b++) d[b * (M / 8) + 4] = d[b * (M / 8) + 4]! ^ 0x02;
          return d;
        }
        return data;
      }),
    ).rejects.toMatchObject({ code: 'OT_CHECK_FAILED' });
  }, 300_000); // a guard, not a timing
});
