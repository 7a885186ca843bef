import { Queue, Worker, type Job } from 'bullmq';
import { bullConnection, quietAfterClose, type ConnectionLogger } from '@datawell/messaging';
import type { JobData } from './spec';
import type { JobQueue, RunningJob } from './provisioning.service';

export interface BullJobQueueOptions {
  readonly redisUrl: string;
  readonly name: string;
  readonly attempts: number;
  /** A worker's lock on a running job; a crashed worker's job is stalled once it expires. */
  readonly lockSeconds: number;
  /** How often a worker looks for stalled jobs. */
  readonly stalledCheckSeconds: number;
  readonly logger: ConnectionLogger;
}

/**
 * How often a job may be left active by a crashed process and still be run again. One more crash
 * fails it without running the processor (BullMQ's stall limit), so a job that crashes its process
 * cannot crash-loop the provisioner; `onGivenUp` then records that failure.
 */
export const MAX_STALLED_RUNS = 1;

/**
 * The provisioning queue on BullMQ. Job ids dedupe (a second add of an id is a no-op while the job is
 * kept, and completed and failed jobs are kept); failed attempts retry with backoff; one job at a time
 * per process. A job left active by a crashed process is picked up again as stalled (once its lock has
 * expired), up to MAX_STALLED_RUNS times.
 */
export class BullJobQueue implements JobQueue {
  readonly queue: Queue<JobData>;
  #worker: Worker<JobData> | undefined;

  constructor(private readonly options: BullJobQueueOptions) {
    // Clients BullMQ owns and closes; quiet once closed (quietAfterClose says why).
    this.queue = quietAfterClose(new Queue<JobData>(options.name, { connection: bullConnection(options.redisUrl) }));
    // The queue re-emits its connection's errors: without a listener, Redis going away would crash the process.
    this.queue.on('error', (error) => this.options.logger.warn({ message: 'provisioner queue error', error: String(error) }));
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

  /**
   * Starts the worker with `processor`. `onGivenUp` hears of a job BullMQ failed without running the
   * processor (stalled more than MAX_STALLED_RUNS times), which the processor therefore never recorded.
   */
  process(processor: (job: RunningJob) => Promise<void>, onGivenUp?: (job: RunningJob, reason: string) => Promise<void>): void {
    const running = (job: Job<JobData>): RunningJob => ({
      id: job.id ?? '',
      data: job.data,
      attemptsMade: job.attemptsMade,
      maxAttempts: job.opts.attempts ?? 1,
      updateProgress: async (p) => job.updateProgress(p),
    });
    this.#worker = quietAfterClose(
      new Worker<JobData>(
        this.options.name,
        async (job: Job<JobData>) => processor(running(job)),
        {
          connection: bullConnection(this.options.redisUrl),
          concurrency: 1,
          lockDuration: this.options.lockSeconds * 1000,
          stalledInterval: this.options.stalledCheckSeconds * 1000,
          maxStalledCount: MAX_STALLED_RUNS,
        },
      ),
    );
    this.#worker.on('error', (error) => this.options.logger.warn({ message: 'provisioner worker error', error: String(error) }));
    this.#worker.on('stalled', (id) => this.options.logger.warn({ message: 'provisioning job left active by a stopped process; running it again', jobId: id }));
    this.#worker.on('failed', (job, error) => {
      // A deferred failure is BullMQ's own (the stall limit): the processor did not run this time.
      if (!job?.deferredFailure || !onGivenUp) return;
      onGivenUp(running(job), error.message).catch((e: unknown) =>
        this.options.logger.warn({ message: 'could not record a job BullMQ gave up on', jobId: job.id, error: String(e) }),
      );
    });
  }

  async state(id: string): Promise<{ state: string; progress: unknown; failedReason?: string } | undefined> {
    const job = await this.queue.getJob(id);
    if (!job) return undefined;
    return { state: await job.getState(), progress: job.progress, ...(job.failedReason ? { failedReason: job.failedReason } : {}) };
  }

  async close(): Promise<void> {
    await this.#worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }
}
