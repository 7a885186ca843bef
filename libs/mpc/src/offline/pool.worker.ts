/** A worker of the kernel pool (pool.ts): runs chunks of a triple batch's arithmetic (parallel.ts). */
import { parentPort } from 'node:worker_threads';
import { JOBS, type JobKind } from './parallel';

parentPort!.on('message', ({ id, kind, job }: { id: number; kind: JobKind; job: never }) => {
  try {
    parentPort!.postMessage({ id, result: JOBS[kind](job) });
  } catch (err) {
    parentPort!.postMessage({ id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
});
