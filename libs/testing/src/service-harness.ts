import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createKafka, readTrafficKeyFile, type KafkaClientOptions } from '@datawell/config';
import { connectionKafka, ensureDomainTrafficKey, kafkaSaslEnabled, listDomains, materialiseDomain, memberKafkaCredentials } from '@datawell/stack';
import type { Kafka, KafkaMessage } from 'kafkajs';
import request from 'supertest';
import { stackConnection } from './connection';
import { testStackContext } from './stack-context';
import { createKeyAndCsr, signWithIdentity, type EnrolledIdentity } from './identity/client';
import { testCertificateAuthority } from './identity/testing-ca';

/**
 * Pieces every service's integration tests need around an in-process service on the running stack:
 * a Kafka client, reading a topic, waiting for an outcome, a logged-in identity, a gRPC client.
 */

/** `n` random bytes in hex: names of scratch topics, groups, schemas and organisations. */
export const hex = (n = 4): string => randomBytes(n).toString('hex');

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A quiet Kafka client on the stack's brokers, as the principal the stack's connection names (the operator's). */
export function stackKafka(clientId: string): Kafka {
  return connectionKafka(stackConnection(), clientId);
}

/**
 * The traffic key file of the domain of `mspId` (a member's, or the operator's for OperatorMSP), made
 * by the stack tooling as `addDomain` makes it: what a member-mode service gets as DATAWELL_TRAFFIC_KEY_FILE.
 */
export function memberTrafficKeyFile(mspId: string): string {
  const ctx = testStackContext();
  const domain = listDomains(ctx).find((d) => d.mspId === mspId);
  if (!domain) throw new Error(`no domain of ${mspId} on the test stack (./dev domain add ${mspId} <role>)`);
  materialiseDomain(ctx, domain);
  return ensureDomainTrafficKey(ctx, domain);
}

/**
 * A Kafka client as a member's own principal (`member-<MSPID>`, made with its ACLs if new) holding its
 * domain's traffic key: what a member-mode service uses, since the operator is refused every topic and
 * group under the member's prefix, and their values are sealed with the domain's key. On a broker
 * without SASL (a stack from before it) there are no principals: the stack's principal, with the key.
 */
export async function memberKafka(mspId: string, clientId: string, options: Pick<KafkaClientOptions, 'logger'> = {}): Promise<Kafka> {
  const ctx = testStackContext();
  const trafficKeys = [readTrafficKeyFile(memberTrafficKeyFile(mspId))];
  const sasl = kafkaSaslEnabled(ctx) ? await memberKafkaCredentials(ctx, mspId) : undefined;
  return createKafka({ clientId, brokers: stackConnection().kafka.brokers, ...(sasl ? { sasl } : {}), trafficKeys, ...options });
}

export interface ReadTopicOptions {
  readonly timeoutMs?: number;
  /** After `done` holds, keep reading this long so a late duplicate would be seen too. */
  readonly lingerMs?: number;
  /** Prefix of the (fresh) consumer group. */
  readonly groupPrefix?: string;
}

/** Reads a topic from the beginning until `done(messages)` holds; rejects with a count of what it saw at the deadline. */
export async function readTopic(kafka: Kafka, topic: string, done: (messages: KafkaMessage[]) => boolean, options: ReadTopicOptions = {}): Promise<KafkaMessage[]> {
  const { timeoutMs = 60_000, lingerMs = 0, groupPrefix = 'it-reader' } = options;
  const consumer = kafka.consumer({ groupId: `${groupPrefix}-${hex()}` });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out on ${topic} after ${seen.length} messages`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message);
          if (done(seen)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    if (lingerMs > 0) await sleep(lingerMs);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** The CloudEvent envelope in a message value, parsed. */
export const envelopeOf = (message: KafkaMessage) => JSON.parse(String(message.value)) as { id: string; type: string; data: Record<string, unknown> };

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/**
 * Polls `probe` until it returns something other than undefined or false. A probe that throws is
 * tried again; its last error is in the timeout's message.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 300 } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}

/** An organisation's row of a service's identity directory (libs/auth), as a test writes it. */
export interface TestDirectoryEntry {
  readonly mspId: string;
  readonly role: 'DSP' | 'VSP';
  readonly name: string;
  readonly status: 'active';
  readonly caCertPem: string;
}

/**
 * An identity of `mspId` enrolled at a CA of its own, whose organisation `register` puts in the
 * service's identity directory (libs/auth fills it from the ledger events topic under the service's
 * own consumer group, which a scratch instance does not own).
 */
export async function enrolTestIdentity(mspId: string, role: 'DSP' | 'VSP', register: (entry: TestDirectoryEntry) => Promise<void>): Promise<EnrolledIdentity> {
  const ca = await testCertificateAuthority(`ca.${mspId}`);
  await register({ mspId, role, name: mspId, status: 'active', caCertPem: ca.caCertPem });
  const enrollmentId = `user-${hex(2)}`;
  const { privateKeyPem, csrPem } = await createKeyAndCsr(enrollmentId);
  return { mspId, enrollmentId, certificatePem: await ca.issue(csrPem), privateKeyPem };
}

/** Logs in at an in-process app's HTTP server (one that need not listen): challenge, signature, token. */
export async function loginAtServer(server: Parameters<typeof request>[0], identity: Pick<EnrolledIdentity, 'mspId' | 'certificatePem' | 'privateKeyPem'>): Promise<string> {
  const { challenge } = (await request(server).post('/auth/challenge').send({}).expect(200)).body as { challenge: string };
  const res = await request(server).post('/auth/token').send({ certificatePem: identity.certificatePem, challenge, signature: signWithIdentity(identity.privateKeyPem, challenge) });
  if (res.status !== 200) throw new Error(`login as ${identity.mspId}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { token: string }).token;
}

export type GrpcCall = (method: string, message: Record<string, unknown>, token?: string) => Promise<Record<string, unknown>>;

/**
 * A client of the gRPC service `service` (e.g. "datawell.telemetry.v1.Telemetry") of `protoFile` on
 * 127.0.0.1:`port`; a token goes in the authorization metadata.
 */
/** `tlsCaPem`: call over TLS, trusting only that CA (test certificates name no host). */
export function grpcTestClient(protoFile: string, service: string, port: number, tlsCaPem?: string): { call: GrpcCall; close: () => void } {
  const definition = protoLoader.loadSync(protoFile, { keepCase: true, longs: Number, defaults: true });
  let constructor: unknown = grpc.loadPackageDefinition(definition);
  for (const part of service.split('.')) constructor = (constructor as Record<string, unknown> | undefined)?.[part];
  if (typeof constructor !== 'function') throw new Error(`${service} is not in ${protoFile}`);
  const credentials = tlsCaPem === undefined ? grpc.credentials.createInsecure() : grpc.credentials.createSsl(Buffer.from(tlsCaPem), null, null, { checkServerIdentity: () => undefined });
  const client = new (constructor as grpc.ServiceClientConstructor)(`127.0.0.1:${port}`, credentials) as grpc.Client &
    Record<string, (r: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: Record<string, unknown>) => void) => void>;
  const call: GrpcCall = (method, message, token) => {
    const metadata = new grpc.Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) => client[method]!(message, metadata, (e, v) => (e ? reject(e) : resolve(v))));
  };
  return { call, close: () => client.close() };
}
