import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { ConnectionLogger } from '@datawell/messaging';
import type { JobData } from './spec';
import type { JobQueue, RunningJob } from './provisioning.service';

export interface BullJobQueueOptions {
  readonly redisUrl: string;
  readonly name: string;
  readonly attempts: number;
  readonly logger: ConnectionLogger;
}

/**
 * The provisioning queue on BullMQ. Job ids dedupe (a second add of an id is a no-op while the job is
 * kept, and completed and failed jobs are kept); failed attempts retry with backoff; one job at a time
 * per process. A job left active by a crashed process is picked up again as stalled.
 */
export class BullJobQueue implements JobQueue {
  readonly queue: Queue<JobData>;
  #worker: Worker<JobData> | undefined;
  readonly #connections: Redis[] = [];

  constructor(private readonly options: BullJobQueueOptions) {
    this.queue = new Queue<JobData>(options.name, { connection: this.#connection() });
  }

  #connection(): Redis {
    const redis = new Redis(this.options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    redis.on('error', (error) => this.options.logger.warn({ message: 'provisioner queue redis error', error: String(error) }));
    this.#connections.push(redis);
    return redis;
  }

  async add(id: string, data: JobData): Promise<void> {
    await this.queue.add(data.kind, data, {
      jobId: id,
      attempts: this.options.attempts,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  /** Starts the worker with `processor`. */
  process(processor: (job: RunningJob) => Promise<void>): void {
    this.#worker = new Worker<JobData>(
      this.options.name,
      async (job: Job<JobData>) =>
        processor({
          id: job.id ?? '',
          data: job.data,
          attemptsMade: job.attemptsMade,
          maxAttempts: job.opts.attempts ?? 1,
          updateProgress: async (p) => job.updateProgress(p),
        }),
      { connection: this.#connection(), concurrency: 1, lockDuration: 60_000 },
    );
    this.#worker.on('error', (error) => this.options.logger.warn({ message: 'provisioner worker error', error: String(error) }));
  }

  async state(id: string): Promise<{ state: string; progress: unknown; failedReason?: string } | undefined> {
    const job = await this.queue.getJob(id);
    if (!job) return undefined;
    return { state: await job.getState(), progress: job.progress, ...(job.failedReason ? { failedReason: job.failedReason } : {}) };
  }

  async close(): Promise<void> {
    await this.#worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    for (const c of this.#connections) c.disconnect();
  }
}
