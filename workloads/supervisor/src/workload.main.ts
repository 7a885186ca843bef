import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mpcNodeEnvironment, type MpcMeshMember, type WorkloadConfig } from '@datawell/contracts';
import { codeRootOf, mpcNodeProcessEnv, startHeartbeats, workloadFile as filePath, workloadProgramArgs, type HeartbeatLoop } from '@datawell/workload-runtime';

/**
 * A workload. An MPC node of a mesh (`mpc` in its config) runs Datawell's SPDZ node program
 * (workloads/mpc-node), which heartbeats itself, as its child. Anything else is a placeholder of an
 * MPC node or service: it heartbeats. Every `heartbeatIntervalSeconds` it signs
 * `{workloadId, seq, timestamp, metrics}` with its own key and publishes the heartbeat to the
 * telemetry topic, keyed by workload id. It exits when its supervisor goes away.
 */
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: workload.main <workload dir>\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(filePath(dir, 'config'), 'utf8')) as WorkloadConfig;
const log = (message: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, workloadId: config.workloadId, message, ...extra })}\n`);

// The supervisor's IPC channel closes when it dies, however it dies.
process.on('disconnect', () => {
  log('supervisor gone; exiting');
  process.exit(0);
});
let heartbeats: Promise<HeartbeatLoop> | undefined;
process.on('SIGTERM', () => {
  void (heartbeats ?? Promise.resolve(undefined)).then((h) => h?.stop()).finally(() => process.exit(0));
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

function heartbeat(): void {
  log('started', { kind: config.kind, intervalSeconds: config.heartbeatIntervalSeconds });
  const memoryMb = config.parameters['memoryMb'];
  heartbeats = startHeartbeats(
    {
      workloadId: config.workloadId,
      daoId: config.daoId,
      version: config.version,
      owner: config.owner,
      topic: config.telemetryTopic,
      intervalMs: config.heartbeatIntervalSeconds * 1000,
      brokers: config.kafkaBrokers,
      ...(config.kafkaCredentialsFile ? { credentialsFile: config.kafkaCredentialsFile } : {}),
      ...(config.trafficKeyFile ? { trafficKeyFile: config.trafficKeyFile } : {}),
    },
    {
      privateKey: readFileSync(config.keyFile, 'utf8'),
      clientId: `workload-${config.workloadId}`,
      nextSeq,
      metrics: () => ({
        uptimeSeconds: Math.floor(process.uptime()),
        rssMb: Math.round(process.memoryUsage().rss / (1024 * 1024)),
        ...(typeof memoryMb === 'number' ? { memoryMb } : {}),
      }),
      log,
    },
  );
}

/** Runs the SPDZ node as a child, from the same code root as this program; ends it with this process, and exits as it does. */
function runMpcNode(mpc: MpcMeshMember): void {
  log('starting the MPC node', { partyIndex: mpc.partyIndex, parties: mpc.names.length, controlPort: mpc.controlPort });
  const node = spawn(process.execPath, workloadProgramArgs(codeRootOf(__filename, 3), 'mpcNode'), {
    env: mpcNodeProcessEnv(process.env, mpcNodeEnvironment({ ...config, mpc })),
    // The IPC channel ends the node with this process, even if this one is SIGKILLed.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let stopping = false;
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
else heartbeat();
