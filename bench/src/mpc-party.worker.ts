/**
 * One party of the MPC benchmarks in its own worker thread (bench/src/mpc.bench.ts starts one per
 * party): its own MASCOT preprocessing over MessagePort channels, then the timed task. Every timed
 * run starts after a barrier; the main thread takes the slowest party's time.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  createParty, createPortTransport, encodeAt, inputFixed, secureDotProduct, secureVariance, setupMascot, type MpcParty,
  type OtExtensionChoice, type Precision, type Transport,
} from '@datawell/mpc';
import { replayPreprocessing } from './mpc-replay';

export type WorkerTask =
  | { kind: 'offline'; triples: number; otExtension?: OtExtensionChoice; workers?: number }
  | { kind: 'online'; multiplications: number; runs: number }
  | { kind: 'tasks'; n: number; runs: number; precisions: readonly Precision[]; data: { x: number[]; y: number[]; z: number[] } };

/** One precision's timed runs of the comparison tasks in one party (the first run warms up). */
export interface TaskRuns {
  dotSeconds: number[];
  meanVarianceSeconds: number[];
  /** CPU seconds of the whole process (every party's thread) over this party's window of each run. */
  dotCpuSeconds: number[];
  meanVarianceCpuSeconds: number[];
  dot: number;
  mean: number;
  variance: number;
}

interface Input {
  self: number;
  parties: number;
  ports: Array<[number, MessagePort]>;
  task: WorkerTask;
}

async function barrier(t: Transport): Promise<void> {
  t.broadcast(new Uint8Array([1]));
  for (let j = 0; j < t.parties; j++) if (j !== t.self) await t.receive(j);
}

async function timeRuns(t: Transport, runs: number, body: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    await barrier(t);
    const start = performance.now();
    await body();
    out.push((performance.now() - start) / 1000);
  }
  return out;
}

/** One timed run after a barrier: wall and process CPU seconds. */
async function timeOne(t: Transport, body: () => Promise<void>): Promise<{ seconds: number; cpuSeconds: number }> {
  await barrier(t);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await body();
  const c = process.cpuUsage(cpu);
  return { seconds: (performance.now() - start) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

async function main(): Promise<unknown> {
  const { self, parties, ports, task } = workerData as Input;
  const t = createPortTransport(self, parties, new Map(ports));
  const s0 = performance.now();
  const mascot = await setupMascot(t, task.kind === 'offline' ? { otExtension: task.otExtension, workers: task.workers } : {});
  const setupSeconds = (performance.now() - s0) / 1000;
  if (task.kind === 'offline') {
    await mascot.generateTriples(1024); // warm-up
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage(); // the whole process's (every party's thread and pool)
    const [seconds] = await timeRuns(t, 1, () => mascot.generateTriples(task.triples));
    const c = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(elu).utilization;
    await t.close();
    return { setupSeconds, seconds, processCpuSeconds: (c.user + c.system) / 1e6, busy };
  }
  const poolTriples = 4096;
  const poolMasks = Array.from({ length: parties }, (_, i) => (i === 0 ? 4096 : 64));
  await mascot.generateTriples(poolTriples);
  await mascot.generateSquares(poolTriples);
  for (let owner = 0; owner < parties; owner++) await mascot.generateMasks(owner, poolMasks[owner]!);
  const maxBatch = task.kind === 'online' ? task.multiplications : 2 * task.n; // an input of two limbs is 2n values
  const p: MpcParty = createParty(t, replayPreprocessing(mascot.preprocessing, poolTriples, poolMasks, maxBatch, poolTriples));
  if (task.kind === 'online') {
    const M = task.multiplications;
    const seconds = await timeRuns(t, task.runs, async () => {
      const z = await p.mul(p.random(M), p.random(M));
      await p.open(p.sum(z)); // includes the MAC check
    });
    await t.close();
    return { seconds };
  }
  // The catalogue at each precision, 16 bits a limb, interleaved run by run as in mpc.bench.ts.
  const f = 16;
  const everyone = Array.from({ length: parties }, (_, i) => i);
  const { x: xs, y: ys, z: zs } = task.data;
  const state = task.precisions.map((precision) => ({
    precision,
    encoded: self === 0 ? [xs, ys, zs].map((v) => encodeAt(v, f, precision)) : undefined,
    runs: { dotSeconds: [], meanVarianceSeconds: [], dotCpuSeconds: [], meanVarianceCpuSeconds: [], dot: 0, mean: 0, variance: 0 } as TaskRuns,
  }));
  for (let i = 0; i < task.runs; i++) {
    for (const { precision, encoded, runs } of state) {
      const d = await timeOne(t, async () => {
        const x = await inputFixed(p, 0, encoded?.[0] ?? task.n, precision);
        const y = await inputFixed(p, 0, encoded?.[1] ?? task.n, precision);
        runs.dot = (await secureDotProduct(p, x, y, { recipients: everyone, fractionalBits: f }))!;
      });
      runs.dotSeconds.push(d.seconds);
      runs.dotCpuSeconds.push(d.cpuSeconds);
      const mv = await timeOne(t, async () => {
        const z = await inputFixed(p, 0, encoded?.[2] ?? task.n, precision);
        const r = (await secureVariance(p, z, { recipients: everyone, fractionalBits: f }))!;
        runs.mean = r.mean;
        runs.variance = r.variance;
      });
      runs.meanVarianceSeconds.push(mv.seconds);
      runs.meanVarianceCpuSeconds.push(mv.cpuSeconds);
    }
  }
  await t.close();
  return Object.fromEntries(state.map((s) => [s.precision, s.runs]));
}

main().then(
  (r) => parentPort!.postMessage({ ok: r }),
  (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}` : String(err) }),
);
