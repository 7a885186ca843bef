/**
 * Where the catalogue's online time goes (issue 15, docs/mpc.md "The catalogue's online path"). Run with
 *   node -r @swc-node/register bench/src/mpc-catalogue-profile.ts [--n 100000] [--rounds 3] [--precision fxp32|fxp16|both] [--task dot|meanVariance] [--profile]
 * The bench's comparison tasks exactly (mpc.bench.ts tasksInProcess): 3 parties in this one thread
 * over in-memory channels, replayed MASCOT preprocessing, inputs from party 0, results to everyone;
 * the dot product of two n-vectors and the mean and variance of one. First one counted run (what each
 * task consumes and sends: triples, square pairs, masks, messages of party 0 to party 1 = rounds of
 * communication, words opened), then per round wall time and CPU seconds of the process; with
 * --profile V8's sampling profile (200 µs) of the timed rounds, self time per function; --task times
 * (and profiles) one task only; --precision both runs fxp32's tasks then fxp16's each round, the
 * bench's order (tasks named fxp32-dot, …, so an fxp16 task runs amid fxp32's garbage); --allocations counts per round the fresh typed-array bytes
 * (allocations.ts; its wrappers slow the rounds, so their times say little) and marks each round's
 * start for `node --trace-gc`'s lines, and after the rounds lists the largest allocation sites of the
 * last round.
 */
import { loadavg } from 'node:os';
import {
  createMemoryTransports, createParty, encodeAt, inputFixed, isPrecision, runLocalMascot, secureDotProduct, secureVariance,
  type MessageInterceptor, type MpcParty, type PartyPreprocessing, type Precision,
} from '@datawell/mpc';
import { replayPreprocessing } from './mpc-replay';
import { arg, selfTimes, startProfiler, stopProfiler } from './cpu-profile';
import { countAllocations, installAllocationCounter, type AllocationCount } from './allocations';

interface Counts {
  triples: number;
  squares: number;
  masks: number;
  messages: number;
  words: number;
}

/** Counts what party 0 takes from its preprocessing (every party takes the same). */
function counted(pre: PartyPreprocessing, c: Counts): PartyPreprocessing {
  return {
    ...pre,
    takeTriples: (n) => ((c.triples += n), pre.takeTriples(n)),
    takeSquares: (n) => ((c.squares += n), pre.takeSquares(n)),
    takeMasks: (owner, n) => ((c.masks += n), pre.takeMasks(owner, n)),
  };
}

async function run(pre: PartyPreprocessing[], program: (p: MpcParty) => Promise<unknown>, intercept?: MessageInterceptor): Promise<unknown> {
  const ts = createMemoryTransports(pre.length, intercept);
  const parties = pre.map((x, i) => createParty(ts[i]!, x));
  const out = await Promise.all(parties.map(program));
  await Promise.all(parties.map((p) => p.close()));
  return out[0]!;
}

async function main(): Promise<void> {
  const n = Number(arg('n', '100000'));
  const rounds = Number(arg('rounds', '3'));
  const precisionArg = arg('precision', 'fxp32');
  const both = precisionArg === 'both';
  if (!both && !isPrecision(precisionArg)) throw new Error(`--precision: fxp32, fxp16 or both, not ${precisionArg}`);
  const precisions: Precision[] = both ? ['fxp32', 'fxp16'] : [precisionArg as Precision];
  const profiling = process.argv.includes('--profile');
  const counting = process.argv.includes('--allocations');
  if (counting) installAllocationCounter();
  const triples = 8192;
  const masks = [8192, 64, 64];
  const r = await runLocalMascot({ parties: 3, triples, masks, squares: 4096 });
  const pre = r.preprocessing.map((p) => replayPreprocessing(p, triples, masks, 2 * n, 4096));
  let a = 1;
  const uniform = () => Array.from({ length: n }, () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 20 - 10);
  const [xs, ys, zs] = [uniform(), uniform(), uniform()];
  const everyone = [0, 1, 2];
  const o = { recipients: everyone, fractionalBits: 16 };
  const only = arg('task', '');
  const tasks: Record<string, (p: MpcParty) => Promise<unknown>> = {};
  const precisionOf: Record<string, Precision> = {};
  for (const precision of precisions) {
    const [ex, ey, ez] = [xs, ys, zs].map((v) => encodeAt(v, 16, precision));
    const ofPrecision: Record<string, (p: MpcParty) => Promise<unknown>> = {
      dot: async (p: MpcParty) => {
        const x = await inputFixed(p, 0, p.id === 0 ? ex! : n, precision);
        const y = await inputFixed(p, 0, p.id === 0 ? ey! : n, precision);
        return secureDotProduct(p, x, y, o);
      },
      meanVariance: async (p: MpcParty) => {
        const z = await inputFixed(p, 0, p.id === 0 ? ez! : n, precision);
        return secureVariance(p, z, o);
      },
    };
    if (only && !(only in ofPrecision)) throw new Error(`--task: ${Object.keys(ofPrecision).join(' or ')}, not ${only}`);
    for (const [name, task] of Object.entries(ofPrecision)) {
      if (only && name !== only) continue;
      const key = both ? `${precision}-${name}` : name;
      tasks[key] = task;
      precisionOf[key] = precision;
    }
  }
  for (const [name, task] of Object.entries(tasks)) {
    const c: Counts = { triples: 0, squares: 0, masks: 0, messages: 0, words: 0 };
    const cpre = [counted(pre[0]!, c), pre[1]!, pre[2]!];
    await run(cpre, task, (from, to, data) => {
      if (from === 0 && to === 1) {
        c.messages++;
        c.words += data.length / 8;
      }
      return data;
    });
    process.stdout.write(`${name} (${precisionOf[name]}, n = ${n}): party 0 took ${c.triples} triples, ${c.squares} square pairs, ${c.masks} masks; sent party 1 ${c.messages} messages (rounds), ${c.words} words\n`);
  }
  for (const task of Object.values(tasks)) await run(pre, task); // warm-up
  const s = profiling ? await startProfiler() : undefined;
  const lastCounts = new Map<string, AllocationCount>();
  for (let i = 0; i < rounds; i++) {
    for (const [name, task] of Object.entries(tasks)) {
      const load = loadavg()[0]!;
      if (counting) process.stdout.write(`round ${i + 1} ${name} starts\n`); // --trace-gc's lines from here on are this round's
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const a = counting ? await countAllocations(() => run(pre, task)) : (await run(pre, task), undefined);
      const wall = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(cpu);
      const allocated = a ? `; ${(a.bytes / 2 ** 20).toFixed(1)} MiB in ${a.arrays} typed arrays` : '';
      process.stdout.write(`round ${i + 1} ${name}: ${wall.toFixed(3)} s wall, ${((c.user + c.system) / 1e6).toFixed(3)} CPU s, load ${load.toFixed(2)}${allocated}\n`);
      if (a) lastCounts.set(name, a);
    }
  }
  for (const [name, a] of lastCounts) {
    process.stdout.write(`${name}, allocation sites of the last round (allocations ≥ 64 KiB):\n`);
    for (const [site, bytes] of [...a.sites].sort((x, y) => y[1] - x[1]).slice(0, 20)) {
      process.stdout.write(`  ${(bytes / 2 ** 20).toFixed(2).padStart(7)} MiB  ${site}\n`);
    }
  }
  if (!s) return;
  for (const line of selfTimes(await stopProfiler(s), 30)) process.stdout.write(`${line}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
