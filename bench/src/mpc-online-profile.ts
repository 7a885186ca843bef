/**
 * Where an online multiplication's time goes (issue 15, docs/mpc.md "Online phase (issue 15, sixth
 * session)"). Run with
 *   node -r @swc-node/register bench/src/mpc-online-profile.ts [--mults 1048576] [--rounds 3] [--profile]
 * The bench's online figure exactly (mpc.bench.ts onlineInProcess): 3 parties in this one thread over
 * in-memory channels, replayed MASCOT triples, x·y for two random vectors of `mults` elements in one
 * batch, then the sum opened with its MAC check over every opened value. After one warm-up run, each
 * round prints wall time, CPU seconds of the process (multiplications per CPU second) and the share
 * of the wall time spent collecting garbage; with --profile, V8's sampling profiler (200 µs) over the
 * timed rounds, self time per function, largest first.
 */
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { runLocalMascot, runLocalParties, type PartyPreprocessing } from '@datawell/mpc';
import { replayPreprocessing } from './mpc-replay';
import { arg, selfTimes, startProfiler, stopProfiler } from './cpu-profile';

async function once(pre: PartyPreprocessing[], mults: number): Promise<void> {
  await runLocalParties(pre, async (p) => {
    const x = p.random(mults);
    const y = p.random(mults);
    const z = await p.mul(x, y);
    await p.open(p.sum(z));
    return 0;
  });
}

async function main(): Promise<void> {
  const mults = Number(arg('mults', String(1 << 20)));
  const rounds = Number(arg('rounds', '3'));
  const profiling = process.argv.includes('--profile');
  const triples = 8192;
  const masks = [64, 64, 64];
  const r = await runLocalMascot({ parties: 3, triples, masks });
  const pre = r.preprocessing.map((p) => replayPreprocessing(p, triples, masks, mults));
  await once(pre, mults); // warm-up (JIT, linear memory grown)
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const s = profiling ? await startProfiler() : undefined;
  for (let i = 0; i < rounds; i++) {
    const load = loadavg()[0]!;
    await new Promise((done) => setTimeout(done, 50)); // the previous round's GC entries
    gcMs = 0;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await once(pre, mults);
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu);
    await new Promise((done) => setTimeout(done, 50));
    const cpuSeconds = (c.user + c.system) / 1e6;
    process.stdout.write(
      `round ${i + 1}: ${mults} multiplications, ${wall.toFixed(3)} s wall (${Math.round(mults / wall)}/s), ` +
        `${cpuSeconds.toFixed(3)} CPU s (user ${(c.user / 1e6).toFixed(3)}, system ${(c.system / 1e6).toFixed(3)}; ${Math.round(mults / cpuSeconds)} per CPU s), GC ${(100 * gcMs / 1000 / wall).toFixed(1)}% of the wall time, load ${load.toFixed(2)}\n`,
    );
  }
  gc.disconnect();
  if (!s) return;
  for (const line of selfTimes(await stopProfiler(s), 30)) process.stdout.write(`${line}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
