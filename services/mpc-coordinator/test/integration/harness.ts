import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { IdentityDirectory } from '@datawell/auth';
import { createKeyAndCsr, login, signComputationRequest, testCertificateAuthority, type ComputationRequestBody } from '@datawell/testing';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { ledgerEventCloudEvent, MARKETPLACE_CHANNEL, type DatasetSource } from '@datawell/contracts';
import { generateTestPki, type TestPki, type TlsIdentity } from '@datawell/mpc';
import { REPO_DIR, stackConnection, stackEnv, stackKafka } from '@datawell/testing';
import { ensureTopics } from '@datawell/messaging';
import { AppModule } from '../../src/app.module';
import { MPC_COORDINATOR_PROTO } from '../../src/grpc/coordinator.grpc';
import { mpcCoordinatorService } from '../../src/config';

export const hex = (n = 4) => randomBytes(n).toString('hex');

export function kafkaClient(): Kafka {
  return stackKafka(`mpc-it-${hex()}`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Member {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly token: string;
  /** The enrolled identity behind `token`, from the member's own CA: it signs the member's computation requests. */
  readonly identity: { readonly mspId: string; readonly certificatePem: string; readonly privateKeyPem: string };
  /** `body` signed by `identity` (signComputationRequest of @datawell/testing: its fields, now). */
  sign<B extends ComputationRequestBody>(body: B, options?: Parameters<typeof signComputationRequest>[2]): B & { issuedAtMs: number; certificatePem: string; signature: string };
  /** Another identity of this member, from its own CA (e.g. its MPC node's), logged in at the coordinator. */
  enrol(enrollmentId: string): Promise<{ certificatePem: string; privateKeyPem: string; token: string }>;
}

/**
 * The coordinator in-process against the real stack, with everything it writes to stdout/stderr
 * captured (for the plaintext scan), and identities of organisations logged in through its
 * /auth API (their CAs in its identity directory, as ParticipantRegistered events would put them).
 *
 * It reads its own ledger-events topic (`eventsTopic`, made here with `eventsPartitions` and deleted
 * by `close()`), unless `extraEnv` names one: on the shared topic, a coordinator running beside the
 * test (same schema, so the same inbox) could claim its events first, and a fresh consumer group
 * would first read every event the whole run put there.
 */
export async function startCoordinator(
  run: string,
  extraEnv: Record<string, string> = {},
  options: { eventsPartitions?: number } = {},
): Promise<{
  app: INestApplication;
  url: string;
  logs: string[];
  /** The ledger-events topic it reads: publish the test's events there. */
  eventsTopic: string;
  member(role: 'DSP' | 'VSP', name: string): Promise<Member>;
  close(): Promise<void>;
}> {
  const named = extraEnv['MPC_COORDINATOR_LEDGER_EVENTS_TOPIC'];
  const eventsTopic = named ?? `it.mpc.${run}`;
  const kafka = kafkaClient();
  if (named === undefined) await ensureTopics(kafka, [eventsTopic], options.eventsPartitions ?? 1);
  const logs: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array) => {
    logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  const config = loadServiceConfig(mpcCoordinatorService, {
    ...stackEnv(),
    DATAWELL_LOG_LEVEL: 'debug',
    MPC_COORDINATOR_QUEUE: `mpc-it-${run}`,
    MPC_COORDINATOR_CONSUMER_GROUP_ID: `mpc-it-${run}`,
    MPC_COORDINATOR_TOPUP_INTERVAL_MS: '0',
    MPC_COORDINATOR_STOCK_TRIPLES: '2000',
    MPC_COORDINATOR_STOCK_MASKS: '1200',
    MPC_COORDINATOR_NODE_TIMEOUT_MS: '120000',
    MPC_COORDINATOR_GRPC_PORT: '0',
    MPC_COORDINATOR_LEDGER_EVENTS_TOPIC: eventsTopic,
    ...extraEnv,
  });
  const app = await createServiceApp(config, AppModule.forConfig);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const dataSource = app.get(DataSource);
  const directory = app.get(IdentityDirectory);
  return {
    app,
    url,
    logs,
    eventsTopic,
    async member(role, name) {
      const mspId = `${name}x${run}MSP`;
      const ca = await testCertificateAuthority(`ca.${mspId}`);
      await dataSource.transaction((m) => directory.upsert(m, { mspId, role, name: mspId, status: 'active', caCertPem: ca.caCertPem }, `it:${mspId}`));
      const enrol = async (enrollmentId: string) => {
        const { privateKeyPem, csrPem } = await createKeyAndCsr(enrollmentId);
        const certificatePem = await ca.issue(csrPem);
        return { certificatePem, privateKeyPem, token: await login(url, { certificatePem, privateKeyPem }) };
      };
      const { token, certificatePem, privateKeyPem } = await enrol(`user-${hex()}`);
      const identity = { mspId, certificatePem, privateKeyPem };
      return { mspId, role, token, identity, sign: (body, options) => signComputationRequest(identity, body, options), enrol };
    },
    async close() {
      await app.close();
      process.stdout.write = out;
      process.stderr.write = err;
      if (named !== undefined) return;
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [eventsTopic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export type Rpc = (method: 'RequestComputation' | 'GetComputation' | 'GetResult', message: Record<string, unknown>, token?: string) => Promise<Record<string, unknown>>;

/** A client of datawell.mpc.v1.Coordinator on `port`; a token goes in the authorization metadata. */
/** The gRPC RequestComputation message of a signed HTTP request body of version `version` (its fields in the proto's names). */
export function grpcRequestOf(daoId: string, version: number, body: { computation: unknown; parameters?: unknown; dataset: unknown; recipients: unknown; requestId: unknown; issuedAtMs: unknown; certificatePem: unknown; signature: unknown }): Record<string, unknown> {
  return {
    dao_id: daoId,
    version,
    computation: body.computation,
    parameters: body.parameters,
    dataset: body.dataset,
    recipients: body.recipients,
    request_id: body.requestId,
    issued_at_ms: String(body.issuedAtMs),
    certificate_pem: body.certificatePem,
    signature: body.signature,
  };
}

export function coordinatorClient(port: number): { call: Rpc; close: () => void } {
  const definition = protoLoader.loadSync(MPC_COORDINATOR_PROTO, { keepCase: true, longs: Number, defaults: true, oneofs: true });
  const proto = grpc.loadPackageDefinition(definition) as unknown as { datawell: { mpc: { v1: { Coordinator: grpc.ServiceClientConstructor } } } };
  const client = new proto.datawell.mpc.v1.Coordinator(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, (r: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: Record<string, unknown>) => void) => void>;
  const call: Rpc = (method, message, token) => {
    const metadata = new grpc.Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) => client[method]!(message, metadata, (e, v) => (e ? reject(e) : resolve(v))));
  };
  return { call, close: () => client.close() };
}

/** Publishes a chaincode event as the ledger bridge relays it, to the coordinator's `topic`. */
export async function publishLedgerEvent(kafka: Kafka, channel: string, eventName: string, payload: Record<string, unknown>, topic: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const event = ledgerEventCloudEvent({
      channel,
      blockNumber: String(Date.now()),
      transactionId: `tx${hex(8)}`,
      eventIndex: 0,
      chaincodeId: channel === MARKETPLACE_CHANNEL ? 'marketplace' : 'dao',
      eventName,
      payloadEncoding: 'json',
      payload: payload as never,
      daoId: typeof payload['daoId'] === 'string' ? payload['daoId'] : null,
    });
    await producer.send({ topic, messages: [{ key: String(payload['daoId'] ?? channel), value: JSON.stringify(event), headers: { ce_id: event.id } }] });
  } finally {
    await producer.disconnect();
  }
}

export interface MeshPki {
  readonly pki: TestPki;
  /** The nodes' party names (certificate CNs), in party order. */
  readonly names: string[];
  readonly caFile: string;
  /** The coordinator's client identity, from the same CA (CN not a party's name). */
  readonly coordinator: TlsIdentity & { readonly name: string };
  /** MPC_COORDINATOR_NODE_TLS_* for startCoordinator. */
  readonly coordinatorEnv: Record<string, string>;
}

/** A throw-away CA in `dir`: one certificate per node and one for the coordinator, PEM files written. */
export async function writeMeshPki(dir: string, nodes: number): Promise<MeshPki> {
  const pki = await generateTestPki(nodes + 1);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.caCert);
  const coordinator = { ...pki.identities[nodes]!, name: pki.names[nodes]! };
  writeFileSync(join(dir, 'coordinator-cert.pem'), coordinator.cert);
  writeFileSync(join(dir, 'coordinator-key.pem'), coordinator.key);
  return {
    pki,
    names: pki.names.slice(0, nodes),
    caFile,
    coordinator,
    coordinatorEnv: {
      MPC_COORDINATOR_NODE_TLS_CA_FILE: caFile,
      MPC_COORDINATOR_NODE_TLS_CERT_FILE: join(dir, 'coordinator-cert.pem'),
      MPC_COORDINATOR_NODE_TLS_KEY_FILE: join(dir, 'coordinator-key.pem'),
    },
  };
}

export interface NodeMesh {
  readonly dir: string;
  readonly controlUrls: string[];
  readonly logFiles: string[];
  readonly publicKeys: string[];
  readonly workloadIds: string[];
  stop(): Promise<void>;
}

/**
 * Starts one MPC node process per member (as the provisioner would), mutual TLS between them and
 * to their control APIs (certificates from `mesh`), heartbeats on; `datasets[i]` is node i's
 * MPC_NODE_DATASETS. Their stdout and stderr go to files.
 */
export async function startNodes(opts: {
  daoId: string;
  version: number;
  owners: readonly string[];
  datasets: ReadonlyArray<Record<string, DatasetSource>>;
  dir: string;
  mesh: MeshPki;
}): Promise<NodeMesh> {
  const n = opts.owners.length;
  const { pki, names, caFile } = opts.mesh;
  if (names.length !== n) throw new Error(`the PKI has ${names.length} nodes, not ${n}`);
  const meshPorts = await Promise.all(opts.owners.map(() => freePort()));
  const controlPorts = await Promise.all(opts.owners.map(() => freePort()));
  const children: ChildProcess[] = [];
  const logFiles: string[] = [];
  const publicKeys: string[] = [];
  const workloadIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const nodeDir = join(opts.dir, `node-${i}`);
    mkdirSync(nodeDir, { recursive: true });
    writeFileSync(join(nodeDir, 'tls-key.pem'), pki.identities[i]!.key);
    writeFileSync(join(nodeDir, 'tls-cert.pem'), pki.identities[i]!.cert);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(nodeDir, 'workload-key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    publicKeys.push(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const workloadId = `${opts.daoId}-v${opts.version}-node${i}`;
    workloadIds.push(workloadId);
    const log = join(opts.dir, `node-${i}.log`);
    logFiles.push(log);
    const env = {
      PATH: process.env['PATH'] ?? '',
      MPC_NODE_INDEX: String(i),
      MPC_NODE_NAMES: names.join(','),
      MPC_NODE_ENDPOINTS: meshPorts.map((p) => `127.0.0.1:${p}`).join(','),
      MPC_NODE_TLS_KEY_FILE: join(nodeDir, 'tls-key.pem'),
      MPC_NODE_TLS_CERT_FILE: join(nodeDir, 'tls-cert.pem'),
      MPC_NODE_TLS_CA_FILE: caFile,
      MPC_NODE_CONTROL_PORT: String(controlPorts[i]),
      MPC_NODE_DATASETS: JSON.stringify(opts.datasets[i] ?? {}),
      MPC_NODE_KAFKA_BROKERS: stackConnection().kafka.brokers.join(','),
      // The node reads its Kafka datasets and publishes heartbeats as the stack's principal, as a provisioned node does.
      ...(stackConnection().kafka.credentialsFile ? { MPC_NODE_KAFKA_CREDENTIALS_FILE: stackConnection().kafka.credentialsFile! } : {}),
      MPC_NODE_WORKLOAD_ID: workloadId,
      MPC_NODE_WORKLOAD_KEY_FILE: join(nodeDir, 'workload-key.pem'),
      MPC_NODE_DAO_ID: opts.daoId,
      MPC_NODE_DAO_VERSION: String(opts.version),
      MPC_NODE_OWNER: opts.owners[i]!,
      MPC_NODE_HEARTBEAT_INTERVAL_MS: '1000',
      // As the provisioner does for nodes sharing one machine: the cores divided among them.
      MPC_NODE_KERNEL_WORKERS: String(Math.floor(availableParallelism() / names.length)),
    };
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'workloads/mpc-node/src/main.ts'], {
      cwd: REPO_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stream = createWriteStream(log);
    child.stdout!.pipe(stream, { end: false });
    child.stderr!.pipe(stream, { end: false });
    child.once('close', () => stream.end());
    children.push(child);
  }
  return {
    dir: opts.dir,
    controlUrls: controlPorts.map((p) => `https://127.0.0.1:${p}`),
    logFiles,
    publicKeys,
    workloadIds,
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
              setTimeout(() => c.kill('SIGKILL'), 5000).unref();
            }),
        ),
      );
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Every message of the topics, from the beginning up to their current ends. */
export async function readTopics(kafka: Kafka, topics: readonly string[]): Promise<Array<{ topic: string; message: KafkaMessage }>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, Map<number, bigint>>();
  try {
    for (const t of topics) ends.set(t, new Map((await admin.fetchTopicOffsets(t)).filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)])));
  } finally {
    await admin.disconnect();
  }
  const pending = new Set([...ends].flatMap(([t, m]) => [...m.keys()].map((p) => `${t}:${p}`)));
  const out: Array<{ topic: string; message: KafkaMessage }> = [];
  if (pending.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `mpc-it-scan-${hex()}` });
  await consumer.connect();
  try {
    for (const t of topics) if ((ends.get(t)?.size ?? 0) > 0) await consumer.subscribe({ topic: t, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out reading ${[...pending].join(', ')}`)), 120_000);
      void consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const end = ends.get(topic)?.get(partition);
            if (end === undefined) return;
            if (BigInt(message.offset) < end) out.push({ topic, message });
            if (BigInt(message.offset) + 1n >= end) pending.delete(`${topic}:${partition}`);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

export interface ScanHits {
  readonly kafka: string[];
  readonly postgres: string[];
  readonly logs: string[];
}

/**
 * Looks for `needles` everywhere a plaintext could leak: every message (key, value, headers) of
 * every datawell.* topic, every text-like column of every table in every schema of PostgreSQL,
 * and the given log texts and files.
 */
export async function scanForPlaintext(kafka: Kafka, needles: readonly string[], logTexts: readonly string[], logFiles: readonly string[]): Promise<ScanHits> {
  const has = (text: string) => needles.some((n) => text.includes(n));
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics().finally(() => admin.disconnect())).filter((t) => t.startsWith('datawell.'));
  const kafkaHits: string[] = [];
  for (const { topic, message } of await readTopics(kafka, topics)) {
    const headers = Object.values(message.headers ?? {}).map((h) => String(h)).join(' ');
    if (has(`${String(message.key ?? '')} ${String(message.value ?? '')} ${headers}`)) kafkaHits.push(`${topic}@${message.offset}`);
  }
  const pg = new Client({ connectionString: stackConnection().postgres.url });
  await pg.connect();
  const postgresHits: string[] = [];
  try {
    const columns = (
      await pg.query(
        `SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
          WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg_toast%'
            AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`,
      )
    ).rows as Array<{ table_schema: string; table_name: string; column_name: string }>;
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    for (const c of columns) {
      for (const needle of needles) {
        const cast = `${q(c.column_name)}::text`;
        // A table dropped by another suite since the listing is simply gone.
        const rows = await pg.query(`SELECT 1 FROM ${q(c.table_schema)}.${q(c.table_name)} WHERE strpos(${cast}, $1) > 0 LIMIT 1`, [needle]).catch(() => ({ rowCount: 0 }));
        if ((rows.rowCount ?? 0) > 0) postgresHits.push(`${c.table_schema}.${c.table_name}.${c.column_name}`);
      }
    }
  } finally {
    await pg.end();
  }
  const logHits = [
    ...logTexts.map((t, i) => (has(t) ? `log line ${i}` : undefined)),
    ...logFiles.map((f) => (has(readFileSync(f, 'utf8')) ? f : undefined)),
  ].filter((h): h is string => h !== undefined);
  return { kafka: kafkaHits, postgres: postgresHits, logs: logHits };
}

export function scratchDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-it-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => join(dir, f));
}
