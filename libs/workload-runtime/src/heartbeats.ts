import type { Producer } from 'kafkajs';

/** Where and as whom a workload heartbeats. */
export interface HeartbeatTarget {
  readonly workloadId: string;
  readonly daoId: string;
  readonly version: number;
  /** The member's MSP id. */
  readonly owner: string;
  readonly topic: string;
  readonly intervalMs: number;
  readonly brokers: readonly string[];
  /** The Kafka principal's credentials file; absent for a broker without SASL. */
  readonly credentialsFile?: string;
  /**
   * The member domain's traffic key file: needed to write to a topic under the member's prefix
   * (`datawell.member.<MSP>.…`), whose values are sealed with it before they reach the broker.
   */
  readonly trafficKeyFile?: string;
}

export interface HeartbeatOptions {
  /** The workload's private key, PEM. */
  readonly privateKey: string;
  /** Kafka client id (shows in the broker's logs). */
  readonly clientId: string;
  /** Integer gauges, read at each beat. */
  readonly metrics: () => Record<string, number>;
  /** The next sequence number; by default milliseconds, which a restarted process never reuses. */
  readonly nextSeq?: () => number;
  readonly log: (message: string, extra?: Record<string, unknown>) => void;
  /** Called after each heartbeat the broker acknowledged. */
  readonly onSent?: (heartbeat: { readonly seq: number; readonly timestamp: number }) => void;
}

export interface HeartbeatLoop {
  stop(): Promise<void>;
}

function millisecondSeq(): () => number {
  let seq = Date.now();
  return () => (seq = Math.max(seq + 1, Date.now()));
}

/**
 * Every workload's signed heartbeats (the placeholder workload's and the MPC node's): every interval,
 * {workloadId, seq, timestamp, metrics} signed with the workload key, published as a CloudEvent to the
 * telemetry topic keyed by workload id. A failed beat is logged and the producer made again at the next.
 */
export async function startHeartbeats(target: HeartbeatTarget, options: HeartbeatOptions): Promise<HeartbeatLoop> {
  // Loaded here, not at the top: the supervisor and launcher use this library and stay small.
  const [{ Partitioners }, { heartbeatCloudEvent, signHeartbeat }, { createKafka, readKafkaCredentialsFile, readTrafficKeyFile }] = await Promise.all([
    import('kafkajs'),
    import('@datawell/contracts'),
    import('@datawell/config'),
  ]);
  const sasl = target.credentialsFile === undefined ? undefined : readKafkaCredentialsFile(target.credentialsFile);
  const trafficKeys = target.trafficKeyFile === undefined ? [] : [readTrafficKeyFile(target.trafficKeyFile)];
  const kafka = createKafka({ clientId: options.clientId, brokers: target.brokers, ...(sasl ? { sasl } : {}), trafficKeys });
  const nextSeq = options.nextSeq ?? millisecondSeq();
  let producer: Producer | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const beat = async () => {
    if (!producer) {
      const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
      await p.connect();
      producer = p;
    }
    const heartbeat = signHeartbeat({ workloadId: target.workloadId, seq: nextSeq(), timestamp: Date.now(), metrics: options.metrics() }, options.privateKey);
    const event = heartbeatCloudEvent({ daoId: target.daoId, version: target.version, owner: target.owner, heartbeat });
    await producer.send({ topic: target.topic, messages: [{ key: target.workloadId, value: JSON.stringify(event), headers: { ce_id: event.id } }] });
    options.onSent?.({ seq: heartbeat.seq, timestamp: heartbeat.timestamp });
  };
  const loop = async () => {
    try {
      await beat();
    } catch (error) {
      options.log('heartbeat not sent', { error: String(error) });
      await producer?.disconnect().catch(() => undefined);
      producer = undefined;
    }
    if (!stopped) timer = setTimeout(() => void loop(), target.intervalMs);
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await producer?.disconnect().catch(() => undefined);
    },
  };
}
