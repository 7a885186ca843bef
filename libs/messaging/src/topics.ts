import type { Admin, Kafka } from 'kafkajs';

/**
 * Creates the topics a service publishes to or consumes from when they are missing (the broker
 * does not create topics on first use), and returns once every one of them has a leader for each
 * partition. Safe to call from several services at once.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], numPartitions = 3, timeoutMs = 30_000): Promise<void> {
  const wanted = [...new Set(topics)];
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    try {
      // kafkajs's own wait for leaders retries only LEADER_NOT_AVAILABLE, and a broker that has not
      // loaded a just-created topic answers UNKNOWN_TOPIC_OR_PARTITION ("does not host this
      // topic-partition"), which failed a CI run: the wait below rides that out.
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: false });
    } catch (error) {
      // Another service may have created one between the listing and the creation; the broker
      // still created the others of the batch.
      if (!/already exists/i.test(String((error as Error).message))) throw error;
    }
    await waitForLeaders(admin, missing, timeoutMs);
  } finally {
    await admin.disconnect();
  }
}

/** Polls the topics' metadata until every partition has a leader (a consumer's subscribe needs it). */
async function waitForLeaders(admin: Admin, topics: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      // The broker may not host a just-created topic yet: that is what is waited for.
      if (!/does not host this topic-partition|UNKNOWN_TOPIC/i.test(String((error as Error).message))) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
