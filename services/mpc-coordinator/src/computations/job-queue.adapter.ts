import { Queue, Worker, type Job } from 'bullmq';
import { bullConnection, quietAfterClose, type ConnectionLogger } from '@datawell/messaging';

export type CoordinatorJob = { readonly kind: 'compute'; readonly computationId: string } | { readonly kind: 'top-up' };

export interface RunningJob {
  readonly id: string;
  readonly data: CoordinatorJob;
  updateProgress(progress: number): Promise<void>;
}

/**
 * The coordinator's BullMQ queue: computations (job id = computation id, so a second add is a
 * no-op) and the repeatable preprocessing top-up. One job at a time: a mesh of nodes runs one
 * operation at a time, in the same order at every node. Failed jobs are kept.
 */
export class CoordinatorQueue {
  readonly queue: Queue<CoordinatorJob>;
  #worker: Worker<CoordinatorJob> | undefined;

  constructor(
    private readonly redisUrl: string,
    private readonly name: string,
    private readonly logger: ConnectionLogger,
  ) {
    // Clients BullMQ owns and closes; quiet once closed (quietAfterClose says why).
    this.queue = quietAfterClose(new Queue<CoordinatorJob>(name, { connection: bullConnection(redisUrl) }));
    // The queue re-emits its connection's errors: without a listener, Redis going away would crash the process.
    this.queue.on('error', (error) => this.logger.warn({ message: 'coordinator queue error', error: String(error) }));
  }

  async addComputation(computationId: string): Promise<void> {
    await this.queue.add('compute', { kind: 'compute', computationId }, { jobId: computationId, attempts: 1, removeOnComplete: false, removeOnFail: false });
  }

  async addTopUp(): Promise<void> {
    await this.queue.add('top-up', { kind: 'top-up' }, { removeOnComplete: 100, removeOnFail: 100 });
  }

  /** The repeatable top-up ahead of demand; 0 removes it. */
  async scheduleTopUp(everyMs: number): Promise<void> {
    if (everyMs > 0) await this.queue.upsertJobScheduler('top-up', { every: everyMs }, { name: 'top-up', data: { kind: 'top-up' }, opts: { removeOnComplete: 100, removeOnFail: 100 } });
    else await this.queue.removeJobScheduler('top-up');
  }

  process(processor: (job: RunningJob) => Promise<void>): void {
    this.#worker = quietAfterClose(
      new Worker<CoordinatorJob>(
        this.name,
        async (job: Job<CoordinatorJob>) => processor({ id: job.id ?? '', data: job.data, updateProgress: async (p) => job.updateProgress(p) }),
        { connection: bullConnection(this.redisUrl), concurrency: 1, lockDuration: 120_000 },
      ),
    );
    this.#worker.on('error', (error) => this.logger.warn({ message: 'coordinator worker error', error: String(error) }));
  }

  async close(): Promise<void> {
    await this.#worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }
}
