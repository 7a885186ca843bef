import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { heartbeatCloudEvent, signHeartbeat } from '@datawell/contracts';
import { filePath } from './files';
import { nodeEnvironment } from './mpc-node-env';
import type { WorkloadConfig } from '../provisioning/tofu-config';

/**
 * A workload. An MPC node of a mesh (`mpc` in its config) runs Datawell's SPDZ node program, which
 * heartbeats itself, as its child. Anything else is a placeholder of an MPC node or service: it heartbeats. Every `heartbeatIntervalSeconds` it signs
 * `{workloadId, seq, timestamp, metrics}` with its own key and publishes the heartbeat to the
 * telemetry topic, keyed by workload id. It exits when its supervisor goes away.
 */
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: workload.main.ts <workload dir>\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(filePath(dir, 'config'), 'utf8')) as WorkloadConfig;
const privateKey = readFileSync(config.keyFile, 'utf8');
const log = (message: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, workloadId: config.workloadId, message, ...extra })}\n`);

// The supervisor's IPC channel closes when it dies, however it dies.
process.on('disconnect', () => {
  log('supervisor gone; exiting');
  process.exit(0);
});
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
  void producer?.disconnect().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});

/** The last sequence number survives restarts, so a restarted workload never reuses one. */
function nextSeq(): number {
  const path = filePath(dir!, 'seq');
  const last = existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) || 0 : 0;
  const seq = last + 1;
  writeFileSync(path, `${seq}\n`);
  return seq;
}

let producer: Producer | undefined;

async function beat(): Promise<void> {
  if (!producer) {
    const kafka = new Kafka({ clientId: `workload-${config.workloadId}`, brokers: [...config.kafkaBrokers], logLevel: logLevel.ERROR });
    const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    await p.connect();
    producer = p;
  }
  const heartbeat = signHeartbeat(
    {
      workloadId: config.workloadId,
      seq: nextSeq(),
      timestamp: Date.now(),
      metrics: {
        uptimeSeconds: Math.floor(process.uptime()),
        rssMb: Math.round(process.memoryUsage().rss / (1024 * 1024)),
        ...(typeof config.parameters['memoryMb'] === 'number' ? { memoryMb: config.parameters['memoryMb'] } : {}),
      },
    },
    privateKey,
  );
  const event = heartbeatCloudEvent({ daoId: config.daoId, version: config.version, owner: config.owner, heartbeat });
  await producer.send({ topic: config.telemetryTopic, messages: [{ key: config.workloadId, value: JSON.stringify(event), headers: { ce_id: event.id } }] });
}

async function loop(): Promise<void> {
  log('started', { kind: config.kind, intervalSeconds: config.heartbeatIntervalSeconds });
  while (!stopping) {
    try {
      await beat();
    } catch (error) {
      log('heartbeat not sent', { error: String(error) });
      await producer?.disconnect().catch(() => undefined);
      producer = undefined;
    }
    await new Promise((r) => setTimeout(r, config.heartbeatIntervalSeconds * 1000));
  }
}

/** Runs the SPDZ node as a child, ends it with this process, and exits as it does. */
function runMpcNode(mpc: NonNullable<WorkloadConfig['mpc']>): void {
  log('starting the MPC node', { partyIndex: mpc.partyIndex, parties: mpc.names.length, controlPort: mpc.controlPort });
  const node = spawn(process.execPath, ['-r', '@swc-node/register', mpc.entry], {
    env: { ...process.env, ...nodeEnvironment({ ...config, mpc }) },
    // The IPC channel ends the node with this process, even if this one is SIGKILLed.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const end = () => {
    stopping = true;
    node.kill('SIGTERM');
    setTimeout(() => node.kill('SIGKILL'), 5000).unref();
  };
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('disconnect');
  process.on('SIGTERM', end);
  process.on('disconnect', end);
  node.on('exit', (code, signal) => {
    log('MPC node exited', { code, signal });
    process.exit(stopping ? 0 : (code ?? 1));
  });
}

if (config.mpc) runMpcNode(config.mpc);
else void loop();
