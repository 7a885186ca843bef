import type { MpcNodeConfig } from '../provisioning/tofu-config';

/** The environment of the node program for a workload (`services/mpc-coordinator/src/node/node.config.ts`). */
export function nodeEnvironment(config: {
  readonly workloadId: string;
  readonly daoId: string;
  readonly version: number;
  readonly owner: string;
  readonly keyFile: string;
  readonly kafkaBrokers: readonly string[];
  readonly telemetryTopic: string;
  readonly heartbeatIntervalSeconds: number;
  readonly mpc: MpcNodeConfig;
}): Record<string, string> {
  const { mpc } = config;
  return {
    MPC_NODE_INDEX: String(mpc.partyIndex),
    MPC_NODE_NAMES: mpc.names.join(','),
    MPC_NODE_ENDPOINTS: mpc.endpoints.join(','),
    MPC_NODE_TLS_CERT_FILE: mpc.tls.certFile,
    MPC_NODE_TLS_KEY_FILE: mpc.tls.keyFile,
    MPC_NODE_TLS_CA_FILE: mpc.tls.caFile,
    MPC_NODE_CONTROL_PORT: String(mpc.controlPort),
    MPC_NODE_CONTROL_CLIENT_NAMES: mpc.controlClientNames.join(','),
    ...(mpc.datasets !== undefined ? { MPC_NODE_DATASETS: JSON.stringify(mpc.datasets) } : {}),
    MPC_NODE_KAFKA_BROKERS: config.kafkaBrokers.join(','),
    MPC_NODE_WORKLOAD_ID: config.workloadId,
    MPC_NODE_WORKLOAD_KEY_FILE: config.keyFile,
    MPC_NODE_DAO_ID: config.daoId,
    MPC_NODE_DAO_VERSION: String(config.version),
    MPC_NODE_OWNER: config.owner,
    MPC_NODE_HEARTBEAT_INTERVAL_MS: String(config.heartbeatIntervalSeconds * 1000),
    MPC_NODE_TELEMETRY_TOPIC: config.telemetryTopic,
  };
}
