import { randomBytes } from 'node:crypto';
import { stackKafka } from '@datawell/testing';
import { ensureTopics, startTopicConsumer, type TopicConsumer } from '../../src';

jest.setTimeout(120_000);

const logger = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const until = async (what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/**
 * A consumer's backlog: the messages on its topics when it joined, past its group's committed
 * offsets. Telemetry asks about no member's silence before its heartbeats' backlog is read.
 */
describe('a topic consumer’s backlog against Kafka', () => {
  const kafka = stackKafka('it-consumer');
  const topic = `it.backlog.${randomBytes(4).toString('hex')}`;
  const groupId = `it-backlog-${randomBytes(4).toString('hex')}`;
  const consumers: TopicConsumer[] = [];
  const produce = async (from: number, count: number) => {
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Spread over the partitions, so each has its own end offset to reach.
      await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: String(from + i) })) });
    } finally {
      await producer.disconnect();
    }
  };

  beforeAll(async () => {
    await ensureTopics(kafka, [topic], 3);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
  });

  it('is caught up only once every message queued before it joined is handled, and again at once after a restart with nothing queued', async () => {
    await produce(0, 30);
    const handled = new Set<string>();
    // A consumer whose handler holds every message until released: its backlog cannot be read
    // before, whatever the timing.
    const held = async () => {
      let open = false;
      const consumer = startTopicConsumer({
        kafka,
        logger,
        groupId,
        topics: [topic],
        trackBacklog: true,
        handle: async (m) => {
          while (!open) await new Promise((r) => setTimeout(r, 50));
          handled.add(m.value!.toString());
        },
      });
      consumers.push(consumer);
      await new Promise((r) => setTimeout(r, 3000));
      expect(consumer.caughtUp()).toBe(false);
      open = true;
      return consumer;
    };
    const first = await held();
    await until('the queued messages handled', () => handled.size === 30);
    await until('caught up', () => first.caughtUp());
    expect([...handled].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    await first.stop();

    // Restarted with nothing new queued: the committed offsets are the end, so no backlog.
    const second = startTopicConsumer({ kafka, logger, groupId, topics: [topic], trackBacklog: true, handle: async (m) => void handled.add(m.value!.toString()) });
    consumers.push(second);
    await until('caught up after the restart', () => second.caughtUp());
    await second.stop();

    // Messages that arrive while it is down are its next backlog.
    await produce(30, 12);
    const third = await held();
    await until('caught up with what came while it was down', () => third.caughtUp());
    expect(handled.size).toBe(42);
  });
});
