import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { join } from 'node:path';
import type { WorkerTask } from './mpc-party.worker';

/**
 * Young generation of each party's thread, in MB (V8's new space: two semi-spaces and the new
 * large-object space, about 3 × the semi-space; V8's default is about 48 MB). A party that runs the
 * kernels in its own thread (no pool: MascotOptions.workers < 2) makes megabytes of short-lived
 * buffers per batch, chiefly the fresh outputs of Node's Cipher.update, and with the default the
 * scavenges follow each other: 96 MB (as `node --max-semi-space-size=32`) cost 11–20% less CPU per
 * triple there in interleaved runs; with a pool it measured the same or less, and there it stays at
 * V8's default. MPC_BENCH_YOUNG_MB overrides it, 0 for V8's default (docs/mpc.md, fifth session).
 */
export const PARTY_YOUNG_GENERATION_MB = Number(process.env['MPC_BENCH_YOUNG_MB'] ?? '96');

/** Runs `task` with one worker thread per party connected by MessagePorts; resolves with every party's report. */
export function runInWorkers<T>(parties: number, task: WorkerTask): Promise<T[]> {
  // Only a party that runs its triple kernels itself gets the larger young generation.
  const ownKernels = task.kind === 'offline' && task.workers !== undefined && task.workers < 2;
  const ports: Array<Array<[number, MessagePort]>> = Array.from({ length: parties }, () => []);
  for (let i = 0; i < parties; i++)
    for (let j = i + 1; j < parties; j++) {
      const ch = new MessageChannel();
      ports[i]!.push([j, ch.port1]);
      ports[j]!.push([i, ch.port2]);
    }
  return Promise.all(
    ports.map(
      (mine, self) =>
        new Promise<T>((done, fail) => {
          const w = new Worker(join(__dirname, 'mpc-party.worker.ts'), {
            workerData: { self, parties, ports: mine, task },
            transferList: mine.map(([, p]) => p),
            execArgv: ['-r', '@swc-node/register'],
            resourceLimits: ownKernels && PARTY_YOUNG_GENERATION_MB > 0 ? { maxYoungGenerationSizeMb: PARTY_YOUNG_GENERATION_MB } : undefined,
          });
          w.once('message', (m: { ok?: T; error?: string }) => {
            void w.terminate();
            if (m.error !== undefined) fail(new Error(`party ${self}: ${m.error}`));
            else done(m.ok as T);
          });
          w.once('error', fail);
        }),
    ),
  );
}
