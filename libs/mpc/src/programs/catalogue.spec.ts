import { setupMascot, type MascotOfflinePhase } from '../offline/mascot';
import { createMemoryTransports, type Transport } from '../transport/transport';
import { checkCatalogueJob, runCatalogueJob, jobRequirement, type CatalogueJob } from './catalogue';
import { roundShiftTriples } from './truncate';

jest.setTimeout(60_000);

const x = [1.5, 2.25, -3, 4.125, 5, 6.5, 7, 8.75];
const y = x.map((v, i) => 2 * v + 1 + (i % 2 ? 0.125 : -0.125));

/**
 * The parties' MASCOT, set up once per party count (base OTs with every peer: most of a job's CPU
 * here) and shared by the jobs below, as a node's serves its jobs one after another.
 */
interface Mesh {
  readonly ts: Transport[];
  readonly mascots: MascotOfflinePhase[];
}
const meshes = new Map<number, Promise<Mesh>>();

function mesh(parties: number): Promise<Mesh> {
  let m = meshes.get(parties);
  if (!m) {
    const ts = createMemoryTransports(parties);
    m = Promise.all(ts.map((t) => setupMascot(t))).then((mascots) => ({ ts, mascots }));
    meshes.set(parties, m);
  }
  return m;
}

afterAll(async () => {
  for (const m of meshes.values()) {
    const { ts, mascots } = await m;
    await Promise.all(ts.map((t) => t.close()));
    await Promise.all(mascots.map((x) => x.close()));
  }
});

/**
 * The mesh with nothing left in its stores, as after a fresh set-up: a job makes what it lacks, and
 * the tests below count what it made. (A job may leave material: its requirement is an upper bound.)
 */
async function emptied(parties: number): Promise<Mesh> {
  const m = await mesh(parties);
  for (const { preprocessing: p } of m.mascots) {
    if (p.availableTriples() > 0) p.takeTriples(p.availableTriples());
    if (p.availableSquares() > 0) p.takeSquares(p.availableSquares());
    for (let owner = 0; owner < parties; owner++) if (p.availableMasks(owner) > 0) p.takeMasks(owner, p.availableMasks(owner));
  }
  return m;
}

async function run(job: CatalogueJob, columns: number[][], parties = 3) {
  const { ts, mascots } = await emptied(parties);
  return Promise.all(ts.map((t, i) => runCatalogueJob(t, mascots[i]!, job, i === job.owner ? columns : undefined)));
}

describe('catalogue jobs', () => {
  it('computes a mean and a variance for the recipient only, making the preprocessing it lacks', async () => {
    const runs = await run({ program: 'variance', owner: 0, recipients: [2], columns: 1, fractionalBits: 16 }, [x]);
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    expect(runs[2]!.result!['mean']).toBeCloseTo(mean, 6);
    expect(runs[2]!.result!['variance']).toBeCloseTo(variance, 6);
    expect(runs[0]!.result).toBeUndefined();
    expect(runs[1]!.result).toBeUndefined();
    expect(runs.map((r) => r.rows)).toEqual([8, 8, 8]);
    // Three dot products of limbs over 8 rows and the two rounding divisions of Σx².
    expect(runs.every((r) => r.made.triples === 3 * 8 + roundShiftTriples(2))).toBe(true);
  });

  it('runs at the job\'s precision: fxp16 makes one triple per row and no rounding, and gives the one-limb result', async () => {
    const runs = await run({ program: 'dot-product', owner: 0, recipients: [1], columns: 2, fractionalBits: 16, precision: 'fxp16' }, [x, y]);
    const q = (v: number) => BigInt(Math.round(v * 2 ** 16));
    const want = Number(x.reduce((s, v, i) => s + q(v) * q(y[i]!), 0n)) / 2 ** 32;
    expect(runs[1]!.result!['dotProduct']).toBe(want);
    expect(runs.every((r) => r.made.triples === 8)).toBe(true);
  });

  it('refuses an unknown precision with a stable code', () => {
    const job = { program: 'mean', owner: 0, recipients: [1], columns: 1, fractionalBits: 16, precision: 'fxp64' } as unknown as CatalogueJob;
    expect(() => checkCatalogueJob(job, 2)).toThrow(expect.objectContaining({ code: 'PRECISION_UNKNOWN' }));
    expect(() => checkCatalogueJob({ ...job, precision: 'fxp16' }, 2)).not.toThrow();
  });

  it('fits a line for two recipients, one of them the owner', async () => {
    const runs = await run({ program: 'linear-regression', owner: 0, recipients: [0, 1], columns: 2, fractionalBits: 16 }, [x, y], 2);
    for (const r of runs) {
      const [b0, b1] = r.result!['coefficients'] as number[];
      expect(b1).toBeCloseTo(2, 1);
      expect(b0).toBeCloseTo(1, 0);
    }
  });

  it('fails at every party when the owner cannot serve the dataset', async () => {
    const { ts, mascots } = await emptied(2);
    const job: CatalogueJob = { program: 'mean', owner: 1, recipients: [0], columns: 1, fractionalBits: 16 };
    const results = await Promise.allSettled([runCatalogueJob(ts[0]!, mascots[0]!, job), runCatalogueJob(ts[1]!, mascots[1]!, job, [[1]])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(results[0]).toMatchObject({ reason: { code: 'INVALID_ARGUMENT' } });
  });

  it('states the preprocessing a job consumes', () => {
    expect(jobRequirement({ program: 'linear-regression', owner: 0, recipients: [1], columns: 3, fractionalBits: 16 }, 10)).toEqual({
      // Six sums of products (pairs of 3 columns), three dot products of limbs each, two roundings each.
      triples: 6 * 3 * 10 + roundShiftTriples(12),
      ownerMasks: 60,
      recipientMasks: 9,
    });
    expect(jobRequirement({ program: 'mean', owner: 0, recipients: [1], columns: 1, fractionalBits: 16 }, 10).triples).toBe(0);
    // One limb: one triple per row and sum of products, no rounding; one mask per value.
    expect(jobRequirement({ program: 'linear-regression', owner: 0, recipients: [1], columns: 3, fractionalBits: 16, precision: 'fxp16' }, 10)).toEqual({
      triples: 6 * 10,
      ownerMasks: 30,
      recipientMasks: 9,
    });
  });
});
