/**
 * Where a MASCOT triple's time goes (issue 15, docs/mpc.md "Preprocessing profile"). Run with
 *   node -r @swc-node/register bench/src/mpc-profile.ts [--parties 2] [--triples 16384] [--ot kos|softspoken] [--k 4]
 * All parties in this one thread with `workers: 0` (the pool's threads are invisible to this
 * thread's profiler, and the chunks call the same kernels), after the base-OT set-up and a warm-up
 * batch; V8's sampling profiler (node:inspector, 200 µs); prints self time per function, largest first.
 *
 * With `--sweep 1,2,3,4,5,6,8 [--workers 0] [--rounds 2]` it profiles nothing and measures instead:
 * MASCOT triples/s, per CPU second and the share of the wall time this thread spent collecting
 * garbage (PerformanceObserver 'gc') for KOS and SoftSpoken at each k, interleaved round after round
 * (to choose SoftSpoken's k on this machine); `--sweep 0` measures KOS alone.
 */
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { createMemoryTransports, setupMascot, type OtExtensionChoice } from '@datawell/mpc';
import { arg, selfTimes, startProfiler, stopProfiler } from './cpu-profile';


async function rate(parties: number, triples: number, workers: number | undefined, otExtension: OtExtensionChoice) {
  const transports = createMemoryTransports(parties);
  const phases = await Promise.all(transports.map((t) => setupMascot(t, { workers, otExtension })));
  await Promise.all(phases.map((p) => p.generateTriples(2048)));
  // Garbage collection in this thread (the pool's workers collect their own, not seen here).
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(phases.map((p) => p.generateTriples(triples)));
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu);
  await new Promise((done) => setTimeout(done, 200)); // the observer's last entries (delivered from the event loop)
  gc.disconnect();
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(phases.map((p) => p.close()));
  const cpuSeconds = (c.user + c.system) / 1e6;
  return { perSecond: Math.round(triples / seconds), perCpuSecond: Math.round(triples / cpuSeconds), gcShare: gcMs / 1000 / seconds };
}

async function sweep(ks: number[]): Promise<void> {
  const parties = Number(arg('parties', '2'));
  const triples = Number(arg('triples', '16384'));
  const workersArg = arg('workers', '');
  const workers = workersArg === '' ? undefined : Number(workersArg);
  const rounds = Number(arg('rounds', '2'));
  const choices: OtExtensionChoice[] = [{ kind: 'kos' }, ...ks.filter((k) => k > 0).map((k) => ({ kind: 'softspoken', k }) as const)];
  process.stdout.write(`${parties} parties, ${triples} triples, workers ${workersArg || 'default'}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  for (let r = 0; r < rounds; r++) {
    for (const ot of choices) {
      const x = await rate(parties, triples, workers, ot);
      const label = ot.kind === 'kos' ? 'KOS' : `SoftSpoken k=${ot.k}`;
      process.stdout.write(
        `round ${r + 1} ${label.padEnd(14)} ${String(x.perSecond).padStart(6)} triples/s ${String(x.perCpuSecond).padStart(6)} per CPU s  GC ${(100 * x.gcShare).toFixed(1)}% of the wall time in this thread  (load ${loadavg()[0]!.toFixed(2)})\n`,
      );
    }
  }
}

async function main(): Promise<void> {
  const ks = arg('sweep', '');
  if (ks) return sweep(ks.split(',').map(Number));
  const parties = Number(arg('parties', '2'));
  const triples = Number(arg('triples', '16384'));
  const ot: OtExtensionChoice = arg('ot', 'kos') === 'softspoken' ? { kind: 'softspoken', k: Number(arg('k', '4')) } : { kind: 'kos' };
  const transports = createMemoryTransports(parties);
  const phases = await Promise.all(transports.map((t) => setupMascot(t, { workers: 0, otExtension: ot })));
  await Promise.all(phases.map((p) => p.generateTriples(8192)));
  const s = await startProfiler();
  const load = loadavg();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(phases.map((p) => p.generateTriples(triples)));
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu);
  const profile = await stopProfiler(s);
  await Promise.all(transports.map((t) => t.close()));
  await Promise.all(phases.map((p) => p.close()));
  const cpuSeconds = (c.user + c.system) / 1e6;
  process.stdout.write(
    `${parties} parties, ${triples} triples, ${JSON.stringify(ot)}: ${wall.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} CPU s ` +
      `(${Math.round(triples / cpuSeconds)} triples per CPU s), load average ${load.map((x) => x.toFixed(2)).join(' ')}\n`,
  );
  for (const line of selfTimes(profile, 40)) process.stdout.write(`${line}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
