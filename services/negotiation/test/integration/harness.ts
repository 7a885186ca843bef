import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { IdentityDirectory } from '@datawell/auth';
import { createKeyAndCsr, login, signWithIdentity, testCertificateAuthority, type EnrolledIdentity } from '@datawell/testing';
import { createServiceApp, GrpcServer, loadServiceConfig } from '@datawell/config';
import { buildCloudEvent, LEDGER_EVENT_TYPE, networkEventCloudEvent, type NetworkEvent } from '@datawell/contracts';
import { stackConnection, stackEnv } from '@datawell/testing';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';

export const hex = (n = 4) => randomBytes(n).toString('hex');
export const json = (m: KafkaMessage) => JSON.parse(String(m.value)) as { id: string; type: string; data: Record<string, unknown> };

export interface Party extends EnrolledIdentity {
  readonly role: 'DSP' | 'VSP';
  token: string;
  /** base64 DER ECDSA-SHA256 by the enrolled key. */
  sign(data: string): string;
}

/** The negotiation app in-process against the real stack, on its own topics, listening on a free port. */
export async function bootNegotiation(): Promise<{
  app: INestApplication;
  url: string;
  kafka: Kafka;
  topics: { ledgerEvents: string; networkEvents: string; agreements: string };
  grpcPort: number;
  /** Registers an organisation in the identity directory (as a ParticipantRegistered event would) with one enrolled identity, logged in. */
  party(role: 'DSP' | 'VSP'): Promise<Party>;
  publish(topic: string, key: string, event: { id: string }): Promise<void>;
  close(): Promise<void>;
}> {
  const run = hex();
  const topics = { ledgerEvents: `it.neg.ledger.${run}`, networkEvents: `it.neg.network.${run}`, agreements: `it.neg.agreements.${run}` };
  const kafka = new Kafka({ clientId: `neg-it-${run}`, brokers: [...stackConnection().kafka.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();
  const config = loadServiceConfig('negotiation', {
    ...stackEnv(),
    DATAWELL_LOG_LEVEL: 'warn',
    NEGOTIATION_GRPC_PORT: '0',
    NEGOTIATION_LEDGER_EVENTS_TOPIC: topics.ledgerEvents,
    NEGOTIATION_NETWORK_EVENTS_TOPIC: topics.networkEvents,
    NEGOTIATION_AGREEMENTS_TOPIC: topics.agreements,
    NEGOTIATION_CONSUMER_GROUP_ID: `neg-it-${run}`,
  });
  const app = await createServiceApp(config, AppModule.forConfig);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const producer = kafka.producer();
  await producer.connect();
  const dataSource = app.get(DataSource);
  const directory = app.get(IdentityDirectory);
  let n = 0;
  return {
    app,
    url,
    kafka,
    topics,
    grpcPort: app.get(GrpcServer).port,
    async party(role) {
      n += 1;
      const mspId = `${role === 'DSP' ? 'Dsp' : 'Vsp'}${n}x${run}MSP`;
      const ca = await testCertificateAuthority(`ca.${mspId}`);
      await dataSource.transaction((m) => directory.upsert(m, { mspId, role, name: mspId, status: 'active', caCertPem: ca.caCertPem }, `it:${mspId}`));
      const enrollmentId = `user-${hex()}`;
      const { privateKeyPem, csrPem } = await createKeyAndCsr(enrollmentId);
      const certificatePem = await ca.issue(csrPem);
      const token = await login(url, { certificatePem, privateKeyPem });
      return { mspId, role, enrollmentId, certificatePem, privateKeyPem, token, sign: (data) => signWithIdentity(privateKeyPem, data) };
    },
    async publish(topic, key, event) {
      await producer.send({ topic, messages: [{ key, value: JSON.stringify(event) }] });
    },
    async close() {
      await producer.disconnect();
      await app.close();
    },
  };
}

/** A relayed chaincode event of the dao chaincode on `dao-<daoId>-v<version>`. */
export function daoLedgerEvent(daoId: string, version: number, eventName: string, payload: Record<string, unknown>) {
  const channel = `dao-${daoId}-v${version}`;
  const transactionId = hex(32);
  return buildCloudEvent({
    id: `${channel}:1:${transactionId}:0`,
    source: `urn:datawell:fabric:${channel}:dao`,
    type: LEDGER_EVENT_TYPE,
    subject: eventName,
    data: { channel, blockNumber: '1', transactionId, eventIndex: 0, chaincodeId: 'dao', eventName, payloadEncoding: 'json', payload, daoId },
  });
}

export const networkEvent = (event: NetworkEvent) => networkEventCloudEvent(event, 'urn:it:ledger-bridge');

/**
 * Reads a topic from the beginning until `done(messages)` holds, then lingers so a late duplicate
 * would be seen too.
 */
export async function readTopic(kafka: Kafka, topic: string, done: (messages: KafkaMessage[]) => boolean, { timeoutMs = 60_000, lingerMs = 3000 } = {}): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `neg-it-reader-${hex()}` });
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
    await new Promise((r) => setTimeout(r, lingerMs));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
