import { chownSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { DAO_ID_PATTERN, memberHeartbeatsTopic, MSP_ID_PATTERN } from '@datawell/contracts';
import { enrollClientIdentity, domainPaths, domainTrafficKeys, findDomain, kafkaBrokers, memberServiceUrl, osUser, type StackContext } from '@datawell/stack';
import { startSelfHostedAgent, workloadKey, type HeartbeatLoop } from '@datawell/workload-runtime';
import { stackContext } from '../context';
import { UsageError } from '../usage-error';

/** A self-hosted workload of a member: which DAO version it serves and where its key lives. */
export interface SelfHostedWorkload {
  readonly mspId: string;
  readonly daoId: string;
  readonly version: number;
  readonly workloadId: string;
  /** The workload's private key (PKCS#8 PEM); by default in the member domain's folder, made on first use. */
  readonly keyFile?: string;
}

export interface RegisteredWorkload {
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly workloadId: string;
  readonly owner: string;
  readonly txId: string;
  readonly keyFile: string;
}

/** The member's bridge refused the registration: its status and stable code. */
export class WorkloadRegistrationError extends Error {
  override readonly name = 'WorkloadRegistrationError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const WORKLOAD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The key file of a member's self-hosted workload in its domain's folder (0700, the domain's user). */
export function defaultWorkloadKeyFile(ctx: StackContext, mspId: string, workloadId: string): string {
  return join(domainPaths(ctx.settings, findDomain(ctx, mspId).name).secrets, 'workloads', `${workloadId}.key`);
}

function checked(w: SelfHostedWorkload): SelfHostedWorkload {
  if (!MSP_ID_PATTERN.test(w.mspId)) throw new UsageError(`<MSPID> must be an MSP id (letters and digits ending in "MSP"), got "${w.mspId}"`);
  if (!DAO_ID_PATTERN.test(w.daoId)) throw new UsageError(`--dao must be a DAO id, got "${w.daoId}"`);
  if (!Number.isInteger(w.version) || w.version < 1 || w.version > 9999) throw new UsageError(`--version must be a whole number 1-9999, got "${w.version}"`);
  if (!WORKLOAD_ID.test(w.workloadId)) throw new UsageError(`--workload must be 1-128 letters, digits, ".", "_", ":" or "-", got "${w.workloadId}"`);
  return w;
}

/** The workload's key, made on first use and left to the domain's user when it is in the domain's folder. */
function keyOf(ctx: StackContext, w: SelfHostedWorkload) {
  const file = w.keyFile ?? defaultWorkloadKeyFile(ctx, w.mspId, w.workloadId);
  const fresh = !existsSync(file);
  const key = workloadKey(file);
  if (fresh && !w.keyFile) {
    const { uid, gid } = osUser(findDomain(ctx, w.mspId).osUser);
    for (const f of [dirname(file), file]) chownSync(f, uid, gid);
  }
  return key;
}

/**
 * Registers the public key of a workload the member runs itself, through the member's own bridge
 * (POST /daos/:id/versions/:n/workloads, RegisterWorkload signed by the member in its domain), as a
 * person of the organisation enrolled at its own CA.
 */
export async function registerSelfHostedWorkload(ctx: StackContext, input: SelfHostedWorkload): Promise<RegisteredWorkload> {
  const w = checked(input);
  const d = findDomain(ctx, w.mspId);
  const key = keyOf(ctx, w);
  const person = await enrollClientIdentity(ctx, w.mspId, 'owner');
  const bridge = memberServiceUrl(ctx.settings, d, 'ledger-bridge');
  const { login } = await import('../services/testing-lazy'); // loaded here only: see member-bridge.ts
  const token = await login(bridge, person);
  const response = await fetch(`${bridge}/daos/${w.daoId}/versions/${w.version}/workloads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ workloadId: w.workloadId, publicKeyPem: key.publicKeyPem }),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new WorkloadRegistrationError(response.status, String(body['code'] ?? response.status), `${w.mspId}'s bridge refused the workload: ${response.status} ${String(body['code'])} ${String(body['message'])}`);
  return { ...(body as unknown as Omit<RegisteredWorkload, 'keyFile'>), keyFile: key.file };
}

export interface AgentRun extends SelfHostedWorkload {
  readonly intervalMs: number;
  readonly onSent?: (heartbeat: { readonly seq: number; readonly timestamp: number }) => void;
  readonly log?: (message: string, extra?: Record<string, unknown>) => void;
}

/**
 * The agent of a member's self-hosted workload: signed heartbeats every interval to the member's
 * own heartbeats topic, with the member domain's Kafka credentials and sealed with its traffic key.
 */
export async function startWorkloadAgent(ctx: StackContext, run: AgentRun): Promise<HeartbeatLoop> {
  const w = checked(run);
  if (!Number.isInteger(run.intervalMs) || run.intervalMs < 100 || run.intervalMs > 3_600_000) throw new UsageError(`--interval-ms must be 100-3600000, got "${run.intervalMs}"`);
  const d = findDomain(ctx, w.mspId);
  if (d.role === 'operator') throw new UsageError("the operator's domain runs no workloads of a member");
  const key = keyOf(ctx, w);
  const credentialsFile = join(domainPaths(ctx.settings, d.name).secrets, 'kafka.json');
  return startSelfHostedAgent({
    mspId: w.mspId,
    daoId: w.daoId,
    version: w.version,
    workloadId: w.workloadId,
    privateKeyPem: key.privateKeyPem,
    topic: memberHeartbeatsTopic(w.mspId),
    brokers: kafkaBrokers(ctx),
    ...(existsSync(credentialsFile) ? { credentialsFile } : {}),
    trafficKeyFile: domainTrafficKeys(ctx, d).current.file,
    intervalMs: run.intervalMs,
    log: run.log ?? ((message, extra) => ctx.progress.step('workload', `${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`)),
    ...(run.onSent ? { onSent: run.onSent } : {}),
  });
}

function whole(text: string, what: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`${what} must be a whole number, got "${text}"`);
  return Number(text);
}

export function registerWorkloadCommands(program: Command): void {
  const workload = program.command('workload').description("a member's self-hosted workloads: register a workload's key through the member's own bridge, run its heartbeat agent");
  const common = (c: Command) =>
    c
      .argument('<MSPID>', 'the member that runs the workload (a member domain of this stack)')
      .requiredOption('--dao <daoId>', 'the DAO')
      .requiredOption('--version <n>', 'the DAO version (channel) the workload serves')
      .requiredOption('--workload <id>', 'the workload id')
      .option('--key-file <file>', "the workload's private key (PKCS#8 PEM), made on first use; default: in the member domain's secrets folder");
  const parse = (mspId: string, o: { dao: string; version: string; workload: string; keyFile?: string }): SelfHostedWorkload => ({
    mspId,
    daoId: o.dao,
    version: whole(o.version, '--version'),
    workloadId: o.workload,
    ...(o.keyFile ? { keyFile: o.keyFile } : {}),
  });

  common(workload.command('register').description("register the workload's public key on the version's channel, signed by the member through its own bridge"))
    .option('--json', 'one JSON object on stdout')
    .action(async (mspId: string, o: { dao: string; version: string; workload: string; keyFile?: string; json?: boolean }) => {
      const ctx = stackContext();
      const done = await registerSelfHostedWorkload(ctx, parse(mspId, o));
      if (o.json) return void process.stdout.write(`${JSON.stringify(done)}\n`);
      process.stdout.write(`workload ${done.workloadId} of ${done.owner} registered on ${done.channel} (tx ${done.txId}); key ${done.keyFile}\n`);
    });

  common(workload.command('agent').description("send the workload's signed heartbeats to the member's own heartbeats topic (the member's Kafka principal, sealed with its domain's key) until stopped"))
    .option('--interval-ms <ms>', 'time between heartbeats', '30000')
    .option('--beats <n>', 'stop after this many heartbeats (default: run until interrupted)')
    .option('--register', 'register the workload first (a workload registered before is fine)')
    .action(async (mspId: string, o: { dao: string; version: string; workload: string; keyFile?: string; intervalMs: string; beats?: string; register?: boolean }) => {
      const ctx = stackContext();
      const w = parse(mspId, o);
      const beats = o.beats === undefined ? undefined : whole(o.beats, '--beats');
      if (o.register) {
        try {
          await registerSelfHostedWorkload(ctx, w);
        } catch (error) {
          if (!(error instanceof WorkloadRegistrationError && error.code === 'WORKLOAD_EXISTS')) throw error;
        }
      }
      let sent = 0;
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const loop = await startWorkloadAgent(ctx, {
        ...w,
        intervalMs: whole(o.intervalMs, '--interval-ms'),
        onSent: (hb) => {
          sent += 1;
          process.stdout.write(`${JSON.stringify({ workloadId: w.workloadId, seq: hb.seq, timestamp: hb.timestamp })}\n`);
          if (beats !== undefined && sent >= beats) finish();
        },
      });
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      await finished;
      await loop.stop();
    });
}
