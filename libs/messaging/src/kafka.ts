import { withTimeout } from './timeout';

/**
 * The Kafka client factory lives in @datawell/config (below the stack tooling and the workloads, which
 * use it too), and so does the traffic sealing it applies to member topics (traffic-key.ts).
 */
export { createKafka, fixKafkaRequestQueue, kafkaLogCreator, type KafkaClientOptions } from '@datawell/config';
export { openTraffic, readTrafficKeyFile, sealTraffic, TrafficKey, TrafficSealError, type TrafficBinding } from '@datawell/config';

export interface KafkaClusterInfo {
  readonly clusterId: string;
  readonly brokers: number;
  readonly controller: number | null;
}

/** The admin surface the health check uses; kafkajs's Admin satisfies it. */
export interface KafkaAdminLike {
  connect(): Promise<void>;
  describeCluster(): Promise<{ clusterId: string; controller: number | null; brokers: readonly unknown[] }>;
  disconnect(): Promise<void>;
}

/**
 * Connects an admin client and describes the cluster. Rejects when the cluster is unreachable or has
 * no broker. A health check should pass a client made with `retries: 0`: kafkajs connects to the
 * seed broker with the client's retry policy, whatever the admin's own says.
 */
export async function checkKafka(
  kafka: { admin(): KafkaAdminLike },
  timeoutMs = 3000,
): Promise<KafkaClusterInfo> {
  const admin = kafka.admin();
  try {
    const cluster = await withTimeout(
      admin.connect().then(() => admin.describeCluster()),
      timeoutMs,
      'kafka describeCluster',
    );
    if (cluster.brokers.length === 0) throw new Error('kafka cluster has no brokers');
    return { clusterId: cluster.clusterId, brokers: cluster.brokers.length, controller: cluster.controller };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
