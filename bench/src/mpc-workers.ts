import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { join } from 'node:path';
import { KERNEL_YOUNG_GENERATION_MB } from '@datawell/mpc';
import type { WorkerTask } from './mpc-party.worker';

/**
 * Young generation of each party's thread, in MB: the kernel pool's setting (the party's thread makes
 * the same short-lived buffers when it runs the kernels itself); MPC_BENCH_YOUNG_MB overrides it, 0
 * for V8's default (docs/mpc.md, fifth session).
 */
export const PARTY_YOUNG_GENERATION_MB = Number(process.env['MPC_BENCH_YOUNG_MB'] ?? KERNEL_YOUNG_GENERATION_MB);

/** Runs `task` with one worker thread per party connected by MessagePorts; resolves with every party's report. */
export function runInWorkers<T>(parties: number, task: WorkerTask): Promise<T[]> {
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
            resourceLimits: PARTY_YOUNG_GENERATION_MB > 0 ? { maxYoungGenerationSizeMb: PARTY_YOUNG_GENERATION_MB } : undefined,
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
