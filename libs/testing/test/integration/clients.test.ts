import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { createTopicsLed } from '@datawell/stack';
import { stackConnection, stackKafka, until } from '../../src';

const unique = () => randomBytes(4).toString('hex');

describe('Kafka (KRaft, native) with kafkajs', () => {
  it('round-trips keyed messages on a fresh topic, in order per partition', async () => {
    const kafka = stackKafka('it-roundtrip');
    const topic = `it.roundtrip.${unique()}`;
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsLed(admin, [{ topic, numPartitions: 3 }]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: `it-${unique()}` });
    try {
      await producer.connect();
      const sent = Array.from({ length: 20 }, (_, i) => ({ key: `dao-${i % 4}`, value: `reading-${i}` }));
      await producer.send({ topic, messages: sent });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received: { key: string; value: string }[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`received ${received.length} of ${sent.length}`)), 60000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            received.push({ key: String(message.key), value: String(message.value) });
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      expect([...received].sort((a, b) => a.value.localeCompare(b.value))).toEqual([...sent].sort((a, b) => a.value.localeCompare(b.value)));
      // Messages with one key share a partition, so their order is kept.
      for (const key of ['dao-0', 'dao-1', 'dao-2', 'dao-3']) {
        expect(received.filter((m) => m.key === key).map((m) => m.value)).toEqual(sent.filter((m) => m.key === key).map((m) => m.value));
      }
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    }
  });
});

describe('BullMQ on the native Redis', () => {
  it('runs a job with progress through a worker and keeps its result', async () => {
    const { host, port } = stackConnection().redis;
    const connection = { host, port, maxRetriesPerRequest: null };
    const name = `it-queue-${unique()}`;
    const queue = new Queue(name, { connection });
    // From the start of the queue's event stream: by default a QueueEvents reads from the last event
    // when its first XREAD runs, which can come after a fast job's events (a CI rehearsal saw no
    // progress event at all, while waitUntilFinished found the finished job in Redis).
    const events = new QueueEvents(name, { connection, lastEventId: '0-0' });
    const progress: number[] = [];
    const worker = new Worker(
      name,
      async (job) => {
        await job.updateProgress(50);
        return { sum: (job.data as { values: number[] }).values.reduce((a, b) => a + b, 0) };
      },
      { connection },
    );
    try {
      await events.waitUntilReady();
      events.on('progress', ({ data }) => progress.push(Number(data)));
      const job = await queue.add('sum', { values: [1, 2, 3, 4] }, { jobId: `sum-${unique()}` });
      const result = await job.waitUntilFinished(events, 30000);
      expect(result).toEqual({ sum: 10 });
      // waitUntilFinished may answer from the job's state before the stream's events are read: the progress event comes.
      await until('the job\'s progress event', async () => (progress.includes(50) ? true : undefined), 30_000, 100);
      expect(progress).toEqual([50]);
      // A second add with the same job id is deduplicated, not run again.
      const again = await queue.add('sum', { values: [100] }, { jobId: job.id });
      expect(again.id).toBe(job.id);
      expect(await queue.getJobCounts('completed')).toEqual({ completed: 1 });
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
