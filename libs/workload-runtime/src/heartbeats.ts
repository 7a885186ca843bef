import { readFile } from 'node:fs/promises';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { heartbeatCloudEvent, signHeartbeat } from '@datawell/contracts';
import type { HeartbeatSettings } from './node.config';

/**
 * Signed heartbeats like every workload's: every interval the node signs {workloadId, seq,
 * timestamp, metrics} with its workload key and publishes the CloudEvent to the telemetry topic,
 * keyed by workload id. `metrics` carries integer gauges only (the stock of preprocessing material).
 */
export interface HeartbeatLoop {
  stop(): Promise<void>;
}

export async function startHeartbeats(
  settings: HeartbeatSettings,
  brokers: readonly string[],
  metrics: () => Record<string, number>,
  log: (message: string, extra?: Record<string, unknown>) => void,
): Promise<HeartbeatLoop> {
  const key = await readFile(settings.keyFile, 'utf8');
  const kafka = new Kafka({ clientId: `mpc-node-${settings.workloadId}`, brokers: [...brokers], logLevel: logLevel.NOTHING });
  let producer: Producer | undefined;
  // Milliseconds make sequence numbers that a restarted node never reuses.
  let seq = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const beat = async () => {
    if (!producer) {
      const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
      await p.connect();
      producer = p;
    }
    seq = Math.max(seq + 1, Date.now());
    const heartbeat = signHeartbeat({ workloadId: settings.workloadId, seq, timestamp: Date.now(), metrics: metrics() }, key);
    const event = heartbeatCloudEvent({ daoId: settings.daoId, version: settings.version, owner: settings.owner, heartbeat });
    await producer.send({ topic: settings.topic, messages: [{ key: settings.workloadId, value: JSON.stringify(event), headers: { ce_id: event.id } }] });
  };
  const loop = async () => {
    try {
      await beat();
    } catch (error) {
      log('heartbeat not sent', { error: String(error) });
      await producer?.disconnect().catch(() => undefined);
      producer = undefined;
    }
    if (!stopped) timer = setTimeout(() => void loop(), settings.intervalMs);
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
