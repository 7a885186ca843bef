/**
 * MASCOT triples/s with one worker thread per party (the bench's shape), for several kernel-pool
 * sizes per party, interleaved round after round (issue 15, fifth session). Run with
 *   node -r @swc-node/register bench/src/mpc-threads.ts [--parties 3] [--triples 16384] [--pools d,0] [--rounds 2]
 * Prints triples/s (the slowest party's time), CPU seconds of the process and the load average.
 */
import { loadavg } from 'node:os';
import { PARTY_YOUNG_GENERATION_MB, runInWorkers } from './mpc-workers';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const parties = Number(arg('parties', '3'));
  const triples = Number(arg('triples', '16384'));
  // 'd': the library's default (every core), as the bench before the fifth session ran every party.
  const pools = arg('pools', 'd,0').split(',').map((x) => (x === 'd' ? undefined : Number(x)));
  const rounds = Number(arg('rounds', '2'));
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  process.stdout.write(`${parties} parties, ${triples} triples, one thread per party, load average ${load()}\n`);
  for (let r = 0; r < rounds; r++)
    for (const workers of pools) {
      const res = await runInWorkers<{ seconds: number; processCpuSeconds: number; busy: number }>(parties, { kind: 'offline', triples, workers });
      const seconds = Math.max(...res.map((x) => x.seconds));
      const cpu = Math.max(...res.map((x) => x.processCpuSeconds));
      process.stdout.write(
        `round ${r + 1} pool ${workers ?? 'default'}, young generation ${workers !== undefined && workers < 2 && PARTY_YOUNG_GENERATION_MB > 0 ? `${PARTY_YOUNG_GENERATION_MB} MB` : 'default'}: ${String(Math.round(triples / seconds)).padStart(6)} triples/s, ${String(Math.round(triples / cpu)).padStart(6)} per CPU s` +
          `  party threads busy ${res.map((x) => `${Math.round(100 * x.busy)}%`).join(' ')}  (load ${load()})\n`,
      );
    }
}

void main();
