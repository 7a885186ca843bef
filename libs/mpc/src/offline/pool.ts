import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { JobKind, JobOf, ResultOf } from './parallel';

/**
 * Worker threads for a party's triple arithmetic (issue 15: use every core inside one party). The
 * party's thread keeps the protocol — every message, in the same order — and hands the chunks of
 * each heavy step (OT extension with Gilboa, COPE) to the pool, waiting for all of them before it
 * goes on; inputs and outputs are SharedArrayBuffers, so nothing large is copied between threads.
 * One pool per thread is shared by every party in it (tests and benchmarks run several) and ends
 * when the last of them releases it. Idle workers do not keep the process alive.
 *
 * Memory (docs/mpc.md, "Memory of a node at rest"): each worker is a V8 isolate with its own heap and
 * its own WebAssembly memories, grown to a batch's size, tens of MB each, and wasm memory never
 * shrinks. So workers start on the first job, not with the pool, and all of them end once the pool
 * has had no job for `idleMs`; the next job starts them again (tens of ms, against seconds per batch).
 */
interface Task {
  kind: JobKind;
  job: unknown;
  resolve: (r: unknown) => void;
  reject: (e: Error) => void;
}

/** How long a pool keeps its workers without a job. */
export const POOL_IDLE_MS = 5_000;

export class KernelPool {
  readonly #workers = new Set<Worker>();
  readonly #idle: Worker[] = [];
  readonly #queue: Task[] = [];
  readonly #running = new Map<Worker, Task>();
  readonly #file: string;
  readonly #execArgv: string[];
  #failed: Error | undefined;
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly size: number,
    readonly idleMs = POOL_IDLE_MS,
  ) {
    // Sources run through @swc-node/register (tests, ./dev, benchmarks); the build has .js beside .js.
    const ext = extname(__filename);
    this.#file = join(__dirname, `pool.worker${ext}`);
    this.#execArgv = ext === '.ts' ? ['-r', '@swc-node/register'] : [];
  }

  /** Worker threads alive now (0 before the first job and after `idleMs` without one). */
  get liveWorkers(): number {
    return this.#workers.size;
  }

  #spawn(): Worker {
    const w = new Worker(this.#file, { execArgv: this.#execArgv });
    w.unref();
    w.on('message', (m: { result?: unknown; error?: string }) => {
      const task = this.#running.get(w);
      if (!task) return; // the pool failed or closed meanwhile
      this.#running.delete(w);
      if (m.error !== undefined) task.reject(new Error(`kernel pool: ${m.error}`));
      else task.resolve(m.result);
      this.#next(w);
    });
    w.on('error', (err) => this.#fail(err));
    w.on('exit', (code) => {
      // A worker ended by the pool (idle, or closed) is already out of #workers.
      if (this.#workers.delete(w) && !this.#failed) this.#fail(new Error(`kernel pool: a worker exited (code ${code})`));
    });
    this.#workers.add(w);
    return w;
  }

  /** Runs one job per element of `jobs` on the pool; resolves with their results in order. */
  run<K extends JobKind>(kind: K, jobs: ReadonlyArray<JobOf<K>>): Promise<Array<ResultOf<K>>> {
    return Promise.all(
      jobs.map(
        (job) =>
          new Promise<ResultOf<K>>((resolve, reject) => {
            if (this.#failed) return reject(this.#failed);
            this.#queue.push({ kind, job, resolve: resolve as (r: unknown) => void, reject });
            clearTimeout(this.#idleTimer);
            const w = this.#idle.pop() ?? (this.#workers.size < this.size ? this.#spawn() : undefined);
            if (w) this.#next(w);
          }),
      ),
    );
  }

  #next(w: Worker): void {
    const task = this.#queue.shift();
    if (!task) {
      this.#idle.push(w);
      w.unref();
      clearTimeout(this.#idleTimer);
      if (this.#running.size === 0) this.#idleTimer = setTimeout(() => this.#endIdle(), this.idleMs).unref();
      return;
    }
    this.#running.set(w, task);
    w.ref(); // a party awaiting a result must keep the process alive
    w.postMessage({ id: 0, kind: task.kind, job: task.job });
  }

  /** Ends every worker: the pool has had no job for idleMs. */
  #endIdle(): void {
    if (this.#running.size > 0 || this.#queue.length > 0) return;
    for (const w of this.#idle.splice(0)) {
      this.#workers.delete(w);
      void w.terminate();
    }
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const t of this.#running.values()) t.reject(err);
    this.#running.clear();
    for (const t of this.#queue.splice(0)) t.reject(err);
  }

  async close(): Promise<void> {
    this.#fail(new Error('kernel pool closed'));
    clearTimeout(this.#idleTimer);
    const workers = [...this.#workers];
    this.#workers.clear();
    this.#idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

let shared: { pool: KernelPool; users: number } | undefined;

/** The number of workers when none is configured: every core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * This thread's pool of `size` workers, shared with the other parties in the thread; undefined for
 * fewer than 2 (the arithmetic then runs in the party's thread, as before). Release it with
 * releaseKernelPool.
 */
export function acquireKernelPool(size: number): KernelPool | undefined {
  if (size < 2) return undefined;
  if (!shared || shared.pool.size !== size) {
    if (shared && shared.users > 0) throw new RangeError(`a kernel pool of ${shared.pool.size} workers is in use in this thread`);
    shared = { pool: new KernelPool(size), users: 0 };
  }
  shared.users++;
  return shared.pool;
}

export async function releaseKernelPool(pool: KernelPool | undefined): Promise<void> {
  if (!pool || !shared || shared.pool !== pool) return;
  if (--shared.users > 0) return;
  shared = undefined;
  await pool.close();
}
