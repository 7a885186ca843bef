import { randomBytes } from 'node:crypto';
import { stackKafka } from '@datawell/testing';
import { ensureTopics } from '../../src';

/**
 * Two services ensuring overlapping topics at once: one of them gets "already exists" for a topic
 * the other created, while the broker still creates the rest of its batch. Both must return only
 * once every topic has a leader, so that a consumer can subscribe at once (a CI failure: "This
 * server does not host this topic-partition").
 */
describe('ensureTopics against Kafka', () => {
  const kafka = stackKafka('it-topics');

  it('returns, for every caller of a racing pair, only when each topic has a leader', async () => {
    for (let round = 0; round < 3; round++) {
      const run = randomBytes(4).toString('hex');
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((t) => `it-topics-${run}-${t}`) as [string, string, string, string];
      const first = ensureTopics(kafka, [c, a, b], 1);
      const second = ensureTopics(kafka, [c, d], 1);
      await first;
      const admin = kafka.admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [a, b, c] });
        expect(topics.map((t) => [t.name, t.partitions.every((p) => p.leader >= 0)]).sort()).toEqual([
          [a, true],
          [b, true],
          [c, true],
        ]);
        await second;
        const after = await admin.fetchTopicMetadata({ topics: [c, d] });
        expect(after.topics.every((t) => t.partitions.length === 1 && t.partitions[0]!.leader >= 0)).toBe(true);
      } finally {
        await admin.disconnect();
      }
    }
  }, 120_000);

  it('is a no-op for topics that exist', async () => {
    const topic = `it-topics-${randomBytes(4).toString('hex')}`;
    await ensureTopics(kafka, [topic], 1);
    await expect(ensureTopics(kafka, [topic, topic], 1)).resolves.toBeUndefined();
  }, 60_000);
});
