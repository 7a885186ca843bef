import type { INestApplication } from '@nestjs/common';
import { IdentityDirectory } from '@datawell/auth';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp, GrpcServer } from '@datawell/service-platform';
import { buildCloudEvent, LEDGER_EVENT_TYPE, networkEventCloudEvent, type NetworkEvent } from '@datawell/contracts';
import { enrolTestIdentity, envelopeOf, hex, login, readTopic as readTopicUntil, signWithIdentity, stackEnv, stackKafka, waitFor, type EnrolledIdentity } from '@datawell/testing';
import { ensureTopics } from '@datawell/messaging';
import type { Kafka, KafkaMessage } from 'kafkajs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { negotiationService } from '../../src/config';

export const json = envelopeOf;

export interface Party extends EnrolledIdentity {
  readonly role: 'DSP' | 'VSP';
  token: string;
  /** base64 DER ECDSA-SHA256 by the enrolled key. */
  sign(data: string): string;
}

/** The negotiation app in-process against the real stack, on its own topics, listening on a free port; `env` adds or overrides settings. */
export async function bootNegotiation(env: Record<string, string> = {}): Promise<{
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
  const kafka = stackKafka(`neg-it-${run}`);
  await ensureTopics(kafka, Object.values(topics), 1);
  const config = loadServiceConfig(negotiationService, {
    ...stackEnv(),
    DATAWELL_LOG_LEVEL: 'warn',
    NEGOTIATION_GRPC_PORT: '0',
    NEGOTIATION_LEDGER_EVENTS_TOPIC: topics.ledgerEvents,
    NEGOTIATION_NETWORK_EVENTS_TOPIC: topics.networkEvents,
    NEGOTIATION_AGREEMENTS_TOPIC: topics.agreements,
    NEGOTIATION_CONSUMER_GROUP_ID: `neg-it-${run}`,
    ...env,
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
      const identity = await enrolTestIdentity(mspId, role, (entry) => dataSource.transaction((m) => directory.upsert(m, entry, `it:${mspId}`)));
      const token = await login(url, identity);
      return { ...identity, role, token, sign: (data) => signWithIdentity(identity.privateKeyPem, data) };
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
export const readTopic = (kafka: Kafka, topic: string, done: (messages: KafkaMessage[]) => boolean, { timeoutMs = 60_000, lingerMs = 3000 } = {}): Promise<KafkaMessage[]> =>
  readTopicUntil(kafka, topic, done, { timeoutMs, lingerMs, groupPrefix: 'neg-it-reader' });

export { hex, waitFor };

/** The negotiation app's HTTP API as a party (its bearer token), through supertest. */
export function asParty(neg: { app: INestApplication }, p: Party) {
  return {
    get: (path: string) => request(neg.app.getHttpServer()).get(path).set('authorization', `Bearer ${p.token}`),
    post: (path: string, body: unknown) => request(neg.app.getHttpServer()).post(path).set('authorization', `Bearer ${p.token}`).send(body as object),
  };
}
