import type { Kafka } from 'kafkajs';

/**
 * Creates the topics a service publishes to or consumes from when they are missing (the broker
 * does not create topics on first use). Safe to call from several services at once.
 */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], numPartitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
    } catch (error) {
      // Another service may have created it between the listing and the creation.
      if (!/already exists/i.test(String((error as Error).message))) throw error;
    }
  } finally {
    await admin.disconnect();
  }
}
