import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startHeartbeats, type HeartbeatLoop } from './heartbeats';

/** A self-hosted workload's key pair: the private key signs its heartbeats, the public key is registered on the ledger. */
export interface WorkloadKey {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly file: string;
  /** Whether this call made the key (first use). */
  readonly created: boolean;
}

/**
 * The workload's ECDSA P-256 key, read from `file` (PKCS#8 PEM), or made there on first use (mode
 * 0600, its folder 0700): it stays on the member's machine; only its public key is registered.
 */
export function workloadKey(file: string): WorkloadKey {
  let created = false;
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, flag: 'wx' });
    created = true;
  }
  const privateKeyPem = readFileSync(file, 'utf8');
  const publicKeyPem = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKeyPem, publicKeyPem, file, created };
}

/** Where a member's self-hosted workload heartbeats, and with which of the member domain's credentials. */
export interface SelfHostedAgentOptions {
  /** The member that runs the workload (its MSP id): the heartbeats go to its own topic, which only its telemetry reads. */
  readonly mspId: string;
  readonly daoId: string;
  readonly version: number;
  readonly workloadId: string;
  readonly privateKeyPem: string;
  /** The member's heartbeats topic (memberHeartbeatsTopic of @datawell/contracts). */
  readonly topic: string;
  readonly brokers: readonly string[];
  /** The member domain's Kafka credentials file. */
  readonly credentialsFile?: string;
  /** The member domain's traffic key file, which seals the heartbeats on the broker. */
  readonly trafficKeyFile: string;
  readonly intervalMs: number;
  readonly log: (message: string, extra?: Record<string, unknown>) => void;
  readonly onSent?: (heartbeat: { readonly seq: number; readonly timestamp: number }) => void;
  /** Integer gauges sent with each beat; by default the agent's uptime and resident memory. */
  readonly metrics?: () => Record<string, number>;
}

/**
 * The small agent of a self-hosted workload (issue "self-hosted workloads"): the same signed
 * heartbeats as a provisioned workload's ({workloadId, seq, timestamp, metrics} signed with the
 * workload's key, a CloudEvent keyed by workload id), sent with the member domain's own Kafka
 * principal to the member's heartbeats topic, sealed with its domain's key. The member's telemetry
 * folds them into RecordTelemetry snapshots that its own bridge submits.
 */
export function startSelfHostedAgent(options: SelfHostedAgentOptions): Promise<HeartbeatLoop> {
  const started = Date.now();
  return startHeartbeats(
    {
      workloadId: options.workloadId,
      daoId: options.daoId,
      version: options.version,
      owner: options.mspId,
      topic: options.topic,
      intervalMs: options.intervalMs,
      brokers: options.brokers,
      ...(options.credentialsFile ? { credentialsFile: options.credentialsFile } : {}),
      trafficKeyFile: options.trafficKeyFile,
    },
    {
      privateKey: options.privateKeyPem,
      clientId: `datawell-agent-${options.workloadId}`,
      metrics: options.metrics ?? (() => ({ uptimeSeconds: Math.floor((Date.now() - started) / 1000), rssBytes: process.memoryUsage.rss() })),
      log: options.log,
      ...(options.onSent ? { onSent: options.onSent } : {}),
    },
  );
}
