/**
 * MPC benchmarks (issue 6). Run with `./dev bench mpc [--json] [--quick] [--no-mpyc]` or
 *   node -r @swc-node/register bench/src/mpc.bench.ts [--json]
 *
 * By default all parties run in this one thread over in-memory channels (no parallelism: a
 * conservative figure); with --workers each party runs in its own worker thread with its own MASCOT
 * preprocessing, connected by MessagePorts.
 *  - online: secure multiplications per second, 3 parties, one batch of 2^20 with its MAC check;
 *  - offline: MASCOT triples per second with 2 and 3 parties (after the one-off base-OT set-up and a
 *    warm-up batch of 1,024), both in this thread and with one worker thread per party (the deployed
 *    shape, which the targets are judged on);
 *  - side by side with MPyC on the same machine: a dot product of 100,000 elements and the mean and
 *    variance of 100,000 values, inputs from party 0, result to every party, 3 parties; the catalogue's
 *    own programs at both precisions, interleaved in the same run: 'fxp32' (two limbs of 16 bits, 32
 *    fractional bits as MPyC's SecFxp(64), the default) and 'fxp16' (one limb of 16 bits), with each
 *    result's relative error against the float64 reference beside MPyC's.
 * The online figures replay a pool of MASCOT triples (mpc-replay.ts); the comparison also reports
 * our time including the offline phase at the measured triple rate.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { ensureMpyc, runMpyc, type MpycResult } from './mpc-mpyc';
import {
  PRECISIONS, createMemoryTransports, encodeAt, inputFixed, jobRequirement, limbsOf, runLocalMascot, runLocalParties, secureDotProduct, secureVariance,
  setupMascot, type MpcParty, type OtExtensionChoice, type PartyPreprocessing, type Precision,
} from '@datawell/mpc';
import { replayPreprocessing } from './mpc-replay';
import { PARTY_YOUNG_GENERATION_MB, runInWorkers } from './mpc-workers';
import type { TaskRuns } from './mpc-party.worker';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const WITH_MPYC = !args.has('--no-mpyc');
const WORKERS = args.has('--workers');

// Issue 15's targets: offline 2 parties ≥ 15,000 triples/s and 3 parties ≥ 6,000; online ≥ 3 M
// multiplications/s; against MPyC ≥ 10× online only and ≥ 0.1× including our offline phase.
const TARGET_MULTS = 3_000_000;
const TARGET_TRIPLES_2 = 15_000;
const TARGET_TRIPLES_3 = 6_000;
const TARGET_RATIO = 10;
const TARGET_RATIO_WITH_OFFLINE = 0.1;
const N = QUICK ? 10_000 : 100_000;
/** Bits per limb of the catalogue's two-limb fixed point: inputs and results carry 2·16 = 32 fractional bits. */
const LIMB_BITS = 16;
const MULTS = QUICK ? 1 << 16 : 1 << 20;
const OFFLINE_TRIPLES = QUICK ? 2_048 : 16_384;
// The OT extension under MASCOT: KOS is the reference (the library's default); SoftSpoken is measured
// beside it in the same run, interleaved, with parameter k (MPC_BENCH_SOFTSPOKEN_K, default 2: chosen
// by measurement, docs/mpc.md "SoftSpoken OT: measured").
const KOS: OtExtensionChoice = { kind: 'kos' };
const SOFTSPOKEN: OtExtensionChoice = { kind: 'softspoken', k: Number(process.env['MPC_BENCH_SOFTSPOKEN_K'] ?? '2') };

function log(line: string): void {
  if (!JSON_OUT) process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * n doubles uniform on [−10, 10) with all 53 bits of a double (two LCG steps each), as MPyC's numpy
 * data: one 32-bit step alone would put every value on a 2^-30 grid, which 32 fractional bits
 * encode exactly, and hide the quantisation error that the precision comparison is about.
 */
function uniform(n: number, seed: number): number[] {
  let a = seed >>> 0;
  const next = () => (a = (Math.imul(a, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: n }, () => {
    const hi = next() >>> 6; // 26 bits
    const lo = next() >>> 5; // 27 bits
    return ((hi * 2 ** 27 + lo) / 2 ** 53) * 20 - 10;
  });
}

/** Per timed run, the slowest party's time; the first run is a warm-up and is dropped. */
function slowest(perParty: number[][]): number[] {
  return perParty[0]!.map((_, i) => Math.max(...perParty.map((r) => r[i]!))).slice(1);
}

/**
 * Kernel-pool workers of each party when every party has its own thread on this one machine: the
 * default (every core) unless the parties outnumber the cores, when the parties' threads alone keep
 * every core busy and a pool per party only adds threads and hand-offs (3 parties on 2 CPUs: 9
 * threads, about 30% more CPU per triple; docs/mpc.md, fifth session). Deployed, each party has its
 * own machine and the default.
 */
function partyPoolWorkers(parties: number): number | undefined {
  return parties > availableParallelism() ? 0 : undefined;
}

async function offlineInWorkers(parties: number, otExtension: OtExtensionChoice = KOS) {
  const workers = partyPoolWorkers(parties);
  const r = await runInWorkers<{ setupSeconds: number; seconds: number; processCpuSeconds: number }>(parties, {
    kind: 'offline',
    triples: OFFLINE_TRIPLES,
    otExtension,
    workers,
  });
  const seconds = Math.max(...r.map((x) => x.seconds));
  // Each party measures the whole process's CPU over its own timed window (the windows start at a
  // barrier and end with the last triple): the largest is the run's.
  const cpuSeconds = Math.max(...r.map((x) => x.processCpuSeconds));
  return {
    parties,
    kernelPoolWorkers: workers ?? availableParallelism(),
    youngGenerationMb: workers === 0 ? PARTY_YOUNG_GENERATION_MB : 'default',
    triples: OFFLINE_TRIPLES,
    setupSeconds: Math.max(...r.map((x) => x.setupSeconds)),
    seconds,
    triplesPerSecond: Math.round(OFFLINE_TRIPLES / seconds),
    cpuSeconds,
    triplesPerCpuSecond: Math.round(OFFLINE_TRIPLES / cpuSeconds),
  };
}

async function onlineInWorkers() {
  const r = await runInWorkers<{ seconds: number[] }>(3, { kind: 'online', multiplications: MULTS, runs: 4 });
  const seconds = median(slowest(r.map((x) => x.seconds)));
  return { parties: 3, multiplications: MULTS, seconds, multiplicationsPerSecond: Math.round(MULTS / seconds) };
}

/** The comparison tasks at both precisions with one worker thread per party, interleaved run by run as in tasksInProcess. */
async function tasksInWorkers() {
  const data = { x: uniform(N, 1), y: uniform(N, 2), z: uniform(N, 3) };
  const r = await runInWorkers<Record<Precision, TaskRuns>>(3, { kind: 'tasks', n: N, runs: 4, precisions: PRECISIONS, data });
  const want = reference(data.x, data.y, data.z);
  // Per timed run the process's CPU over the longest party window (every party counts every thread).
  const cpu = (runs: number[][]) => median(slowest(runs));
  const of = (precision: Precision) => ({
    precision,
    fractionalBits: limbsOf(precision) * LIMB_BITS,
    n: N,
    dotSeconds: median(slowest(r.map((p) => p[precision].dotSeconds))),
    meanVarianceSeconds: median(slowest(r.map((p) => p[precision].meanVarianceSeconds))),
    dotCpuSeconds: cpu(r.map((p) => p[precision].dotCpuSeconds)),
    meanVarianceCpuSeconds: cpu(r.map((p) => p[precision].meanVarianceCpuSeconds)),
    ...errors(r[0]![precision], want),
  });
  return { fxp32: of('fxp32'), fxp16: of('fxp16') };
}

type Figures = { dot: number; mean: number; variance: number };

/** The plaintext figures (float64) the results are compared with. */
function reference(xs: readonly number[], ys: readonly number[], zs: readonly number[]): Figures {
  const n = zs.length;
  const mean = zs.reduce((a, b) => a + b, 0) / n;
  return { dot: xs.reduce((s, x, k) => s + x * ys[k]!, 0), mean, variance: zs.reduce((a, b) => a + (b - mean) ** 2, 0) / n };
}

/** Absolute and relative errors of our results against the plaintext reference (float64). */
function errors(got: Figures, want: Figures) {
  const abs = (k: keyof Figures) => Math.abs(got[k] - want[k]);
  return {
    dotError: abs('dot'),
    meanError: abs('mean'),
    varianceError: abs('variance'),
    dotRelativeError: abs('dot') / Math.abs(want.dot),
    meanRelativeError: abs('mean') / Math.abs(want.mean),
    varianceRelativeError: abs('variance') / Math.abs(want.variance),
  };
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
}

async function offlineInProcess(parties: number, otExtension: OtExtensionChoice = KOS) {
  const transports = createMemoryTransports(parties);
  const t0 = performance.now();
  const phases = await Promise.all(transports.map((t) => setupMascot(t, { otExtension })));
  const setupSeconds = (performance.now() - t0) / 1000;
  // Warm-up as in the worker mode: a node is long-lived, so the figure is the steady state (JIT
  // and WebAssembly tiered up, linear memory grown), not the first batch.
  await Promise.all(phases.map((p) => p.generateTriples(1024)));
  const cpu = process.cpuUsage();
  const t1 = performance.now();
  await Promise.all(phases.map((p) => p.generateTriples(OFFLINE_TRIPLES)));
  const seconds = (performance.now() - t1) / 1000;
  const cpuUsed = cpuSeconds(cpu);
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(phases.map((p) => p.close()));
  return {
    parties,
    triples: OFFLINE_TRIPLES,
    setupSeconds,
    seconds,
    triplesPerSecond: Math.round(OFFLINE_TRIPLES / seconds),
    // All parties share this one thread; on a busy machine wall time overstates the cost.
    cpuSeconds: cpuUsed,
    triplesPerCpuSecond: Math.round(OFFLINE_TRIPLES / cpuUsed),
  };
}

async function pool(): Promise<PartyPreprocessing[]> {
  const triples = 8192;
  const masks = [8192, 64, 64];
  const squares = 4096;
  const r = await runLocalMascot({ parties: 3, triples, masks, squares });
  return r.preprocessing.map((p) => replayPreprocessing(p, triples, masks, Math.max(MULTS, 2 * N), squares)); // two-limb inputs: 2N values
}

async function timed<T>(pre: PartyPreprocessing[], program: (p: MpcParty) => Promise<T>): Promise<{ seconds: number; cpuSeconds: number; result: T }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const outs = await runLocalParties(pre, program);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: cpuSeconds(cpu), result: outs[0]! };
}

async function onlineInProcess(pre: PartyPreprocessing[]) {
  const runs: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await timed(pre, async (p) => {
      const x = p.random(MULTS);
      const y = p.random(MULTS);
      const z = await p.mul(x, y);
      await p.open(p.sum(z)); // includes the MAC check over every opened value
      return 0;
    });
    if (i === 0) continue; // warm-up (JIT, memory growth)
    runs.push(r.seconds);
    cpus.push(r.cpuSeconds);
  }
  const seconds = median(runs);
  const cpu = median(cpus);
  return {
    parties: 3,
    multiplications: MULTS,
    seconds,
    multiplicationsPerSecond: Math.round(MULTS / seconds),
    cpuSeconds: cpu,
    multiplicationsPerCpuSecond: Math.round(MULTS / cpu),
  };
}

/**
 * The comparison tasks at both precisions, interleaved run by run so both meet the same load: 'fxp32'
 * (two limbs of LIMB_BITS, the catalogue's default, MPyC's 32 fractional bits) and 'fxp16' (one limb).
 */
async function tasksInProcess(pre: PartyPreprocessing[]) {
  const f = LIMB_BITS;
  const xs = uniform(N, 1);
  const ys = uniform(N, 2);
  const zs = uniform(N, 3);
  const everyone = [0, 1, 2];
  const want = reference(xs, ys, zs);
  const state = PRECISIONS.map((precision) => ({
    precision,
    encoded: [xs, ys, zs].map((v) => encodeAt(v, f, precision)),
    dots: [] as number[],
    mvs: [] as number[],
    dotCpu: [] as number[],
    mvCpu: [] as number[],
    got: { dot: 0, mean: 0, variance: 0 } as Figures,
  }));
  for (let i = 0; i < 4; i++) {
    for (const s of state) {
      const [ex, ey, ez] = s.encoded;
      const d = await timed(pre, async (p) => {
        const x = await inputFixed(p, 0, p.id === 0 ? ex! : N, s.precision);
        const y = await inputFixed(p, 0, p.id === 0 ? ey! : N, s.precision);
        return secureDotProduct(p, x, y, { recipients: everyone, fractionalBits: f });
      });
      if (i > 0) {
        s.dots.push(d.seconds); // the first run warms up
        s.dotCpu.push(d.cpuSeconds);
      }
      s.got.dot = d.result!;
      const mv = await timed(pre, async (p) => {
        const z = await inputFixed(p, 0, p.id === 0 ? ez! : N, s.precision);
        return secureVariance(p, z, { recipients: everyone, fractionalBits: f });
      });
      if (i > 0) {
        s.mvs.push(mv.seconds);
        s.mvCpu.push(mv.cpuSeconds);
      }
      s.got.mean = mv.result!.mean;
      s.got.variance = mv.result!.variance;
    }
  }
  const out = state.map((s) => ({
    precision: s.precision,
    fractionalBits: limbsOf(s.precision) * f,
    n: N,
    dotSeconds: median(s.dots),
    meanVarianceSeconds: median(s.mvs),
    dotCpuSeconds: median(s.dotCpu),
    meanVarianceCpuSeconds: median(s.mvCpu),
    ...errors(s.got, want),
  }));
  return { fxp32: out.find((o) => o.precision === 'fxp32')!, fxp16: out.find((o) => o.precision === 'fxp16')! };
}

async function main(): Promise<void> {
  const loadAverageAtStart = loadavg();
  log(`MPC benchmarks on ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`);
  // Offline both ways in every run: all parties in this one thread (the CPU cost of all parties
  // together), and one worker thread per party (the deployed shape: every node is its own process).
  // KOS (the reference) and SoftSpoken interleaved, so both meet the same load.
  const ss = `SoftSpoken k = ${SOFTSPOKEN.kind === 'softspoken' ? SOFTSPOKEN.k : ''}`;
  const offline = (parties: number, ot: OtExtensionChoice) => (WORKERS ? offlineInWorkers(parties, ot) : offlineInProcess(parties, ot));
  const off2 = await offline(2, KOS);
  log(`offline, 2 parties, KOS: ${off2.triplesPerSecond} triples/s (${off2.triples} in ${off2.seconds.toFixed(2)} s; set-up ${off2.setupSeconds.toFixed(2)} s)`);
  const ss2 = await offline(2, SOFTSPOKEN);
  log(`offline, 2 parties, ${ss}: ${ss2.triplesPerSecond} triples/s (${ss2.triples} in ${ss2.seconds.toFixed(2)} s; set-up ${ss2.setupSeconds.toFixed(2)} s)`);
  const off3 = await offline(3, KOS);
  log(`offline, 3 parties, KOS: ${off3.triplesPerSecond} triples/s (${off3.triples} in ${off3.seconds.toFixed(2)} s; set-up ${off3.setupSeconds.toFixed(2)} s)`);
  const ss3 = await offline(3, SOFTSPOKEN);
  log(`offline, 3 parties, ${ss}: ${ss3.triplesPerSecond} triples/s (${ss3.triples} in ${ss3.seconds.toFixed(2)} s; set-up ${ss3.setupSeconds.toFixed(2)} s)`);
  const perParty2 = WORKERS ? off2 : await offlineInWorkers(2, KOS);
  const perPartySs2 = WORKERS ? ss2 : await offlineInWorkers(2, SOFTSPOKEN);
  const perParty3 = WORKERS ? off3 : await offlineInWorkers(3, KOS);
  const perPartySs3 = WORKERS ? ss3 : await offlineInWorkers(3, SOFTSPOKEN);
  if (!WORKERS) {
    const fig = (x: { triplesPerSecond: number; triplesPerCpuSecond: number }) => `${x.triplesPerSecond} triples/s (${x.triplesPerCpuSecond} per CPU s)`;
    log(`offline, one thread per party, KOS: 2 parties ${fig(perParty2)}, 3 parties ${fig(perParty3)}`);
    log(`offline, one thread per party, ${ss}: 2 parties ${fig(perPartySs2)}, 3 parties ${fig(perPartySs3)}`);
  }
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const perCpu = (x: object): number | undefined => ('triplesPerCpuSecond' in x ? (x.triplesPerCpuSecond as number) : undefined);
  const cpuRatio = (a: object, b: object) => {
    const [x, y] = [perCpu(a), perCpu(b)];
    return x !== undefined && y !== undefined ? ratio(x, y) : undefined;
  };
  const softSpokenVsKos = {
    twoParties: ratio(ss2.triplesPerSecond, off2.triplesPerSecond),
    threeParties: ratio(ss3.triplesPerSecond, off3.triplesPerSecond),
    twoPartiesPerCpuSecond: cpuRatio(ss2, off2),
    threePartiesPerCpuSecond: cpuRatio(ss3, off3),
    oneThreadPerParty: { twoParties: ratio(perPartySs2.triplesPerSecond, perParty2.triplesPerSecond), threeParties: ratio(perPartySs3.triplesPerSecond, perParty3.triplesPerSecond) },
  };
  log(
    `${ss} / KOS, triples/s: 2 parties ${softSpokenVsKos.twoParties}×, 3 parties ${softSpokenVsKos.threeParties}×; ` +
      `one thread per party ${softSpokenVsKos.oneThreadPerParty.twoParties}×, ${softSpokenVsKos.oneThreadPerParty.threeParties}×`,
  );
  const pre = WORKERS ? [] : await pool();
  const on = WORKERS ? await onlineInWorkers() : await onlineInProcess(pre);
  log(`online, 3 parties: ${on.multiplicationsPerSecond} multiplications/s (${on.multiplications} in ${on.seconds.toFixed(3)} s)`);
  // Both precisions, interleaved, in either mode.
  const tasks = WORKERS ? await tasksInWorkers() : await tasksInProcess(pre);
  for (const t of Object.values(tasks)) {
    log(
      `datawell ${t.precision}, n = ${N}: dot ${t.dotSeconds.toFixed(3)} s (${t.dotCpuSeconds.toFixed(3)} CPU s), ` +
        `mean+variance ${t.meanVarianceSeconds.toFixed(3)} s (${t.meanVarianceCpuSeconds.toFixed(3)} CPU s) (online)`,
    );
  }
  const ours = tasks.fxp32;
  let mpyc: MpycResult | { error: string } | undefined;
  if (WITH_MPYC) {
    try {
      mpyc = await runMpyc(ensureMpyc(log), N, 3);
      log(`mpyc ${mpyc.version} (gmpy2 ${mpyc.gmpy2}), n = ${N}: dot ${mpyc.dotSeconds.toFixed(3)} s, mean+variance ${mpyc.meanVarianceSeconds.toFixed(3)} s`);
      for (const t of Object.values(tasks)) {
        log(
          `relative errors (ours ${t.precision} / MPyC's): dot ${t.dotRelativeError.toExponential(1)} / ${mpyc.dotRelativeError.toExponential(1)}, ` +
            `mean ${t.meanRelativeError.toExponential(1)} / ${mpyc.meanRelativeError.toExponential(1)}, ` +
            `variance ${t.varianceRelativeError.toExponential(1)} / ${mpyc.varianceRelativeError.toExponential(1)}`,
        );
      }
    } catch (err) {
      mpyc = { error: (err as Error).message };
      log(`mpyc: ${mpyc.error}`);
    }
  }
  // Our offline cost at the deployed shape's rate (one thread per party), 3 parties as in the tasks:
  // the triples the catalogue job would make at each precision (two limbs: three per element and the
  // rounding; one limb: one per element).
  const withOffline = (seconds: number, triples: number) => seconds + triples / perParty3.triplesPerSecond;
  const jobTriples = (program: 'dot-product' | 'variance', columns: number, precision: Precision) =>
    jobRequirement({ program, owner: 0, recipients: [0, 1, 2], columns, fractionalBits: LIMB_BITS, precision }, N).triples;
  /** One precision's figures beside MPyC's: times, ratios, relative errors. */
  const compared = (t: (typeof tasks)['fxp32'], m: MpycResult) => {
    const dotTriples = jobTriples('dot-product', 2, t.precision);
    const varianceTriples = jobTriples('variance', 1, t.precision);
    const ratios = {
      dot: m.dotSeconds / t.dotSeconds,
      meanVariance: m.meanVarianceSeconds / t.meanVarianceSeconds,
      dotWithOffline: m.dotSeconds / withOffline(t.dotSeconds, dotTriples),
      meanVarianceWithOffline: m.meanVarianceSeconds / withOffline(t.meanVarianceSeconds, varianceTriples),
    };
    return {
      datawell: {
        ...t,
        dotTriples,
        meanVarianceTriples: varianceTriples,
        dotSecondsWithOffline: withOffline(t.dotSeconds, dotTriples),
        meanVarianceSecondsWithOffline: withOffline(t.meanVarianceSeconds, varianceTriples),
      },
      ratios,
      meetsTarget: ratios.dot >= TARGET_RATIO && ratios.meanVariance >= TARGET_RATIO,
      meetsTargetWithOffline: ratios.dotWithOffline >= TARGET_RATIO_WITH_OFFLINE && ratios.meanVarianceWithOffline >= TARGET_RATIO_WITH_OFFLINE,
      precision: {
        // Fractional bits of the inputs: ours 2·LIMB_BITS (fxp32) or LIMB_BITS (fxp16), MPyC's SecFxp(64) 32.
        fractionalBits: { datawell: t.fractionalBits, mpyc: 32 },
        dotRelativeError: { datawell: t.dotRelativeError, mpyc: m.dotRelativeError },
        meanRelativeError: { datawell: t.meanRelativeError, mpyc: m.meanRelativeError },
        varianceRelativeError: { datawell: t.varianceRelativeError, mpyc: m.varianceRelativeError },
      },
    };
  };
  let comparison: Record<string, unknown> = { mpyc, datawell: ours, byPrecision: tasks };
  if (mpyc && 'dotSeconds' in mpyc) {
    const m = mpyc;
    const byPrecision = Object.fromEntries(Object.values(tasks).map((t) => [t.precision, compared(t, m)]));
    // The top-level figures stay those of the default precision (fxp32), as in earlier reports.
    comparison = { mpyc, ...compared(ours, m), target: TARGET_RATIO, targetWithOffline: TARGET_RATIO_WITH_OFFLINE, byPrecision };
    for (const [precision, c] of Object.entries(byPrecision)) {
      log(
        `ratio ${precision} (MPyC time / ours, online): dot ${c.ratios.dot.toFixed(1)}×, mean+variance ${c.ratios.meanVariance.toFixed(1)}×; ` +
          `including our offline phase: ${c.ratios.dotWithOffline.toFixed(3)}×, ${c.ratios.meanVarianceWithOffline.toFixed(3)}×`,
      );
    }
  }
  const report = {
    // The machine may be shared: the load average at the start and at the end of the run.
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverageAtStart, loadAverage: loadavg() },
    // Worker threads of each MASCOT party's kernel pool (MascotOptions.workers, default every core);
    // in one thread all parties share one pool. CPU seconds count every thread of the process.
    kernelPoolWorkers: availableParallelism(),
    mode: WORKERS ? 'one worker thread per party (MessagePort channels)' : 'all parties in one thread (in-memory channels)',
    field: 'GF(2^61 - 1)',
    online: { ...on, target: TARGET_MULTS, meetsTarget: on.multiplicationsPerSecond >= TARGET_MULTS },
    offline: {
      protocol: 'MASCOT',
      otExtension: KOS,
      twoParties: off2,
      threeParties: off3,
      oneThreadPerParty: { twoParties: perParty2, threeParties: perParty3 },
      target: { twoParties: TARGET_TRIPLES_2, threeParties: TARGET_TRIPLES_3 },
      // Judged at the deployed shape (one thread per party); the one-thread figures are the CPU cost.
      meetsTarget: perParty2.triplesPerSecond >= TARGET_TRIPLES_2 && perParty3.triplesPerSecond >= TARGET_TRIPLES_3,
      // The same over SoftSpoken OT extension, measured interleaved with the KOS figures above, and
      // its ratios to them (> 1: SoftSpoken faster).
      softSpoken: {
        otExtension: SOFTSPOKEN,
        twoParties: ss2,
        threeParties: ss3,
        oneThreadPerParty: { twoParties: perPartySs2, threeParties: perPartySs3 },
        ratioToKos: softSpokenVsKos,
        meetsTarget: perPartySs2.triplesPerSecond >= TARGET_TRIPLES_2 && perPartySs3.triplesPerSecond >= TARGET_TRIPLES_3,
      },
    },
    comparison,
  };
  if (JSON_OUT) process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench mpc: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
