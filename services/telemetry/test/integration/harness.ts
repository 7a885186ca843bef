import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { IdentityDirectory } from '@datawell/auth';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp, GrpcServer } from '@datawell/service-platform';
import { daoChannelName, heartbeatCloudEvent, memberHeartbeatsTopic, memberLedgerTopics, memberTopicPrefix, ledgerEventCloudEvent, ledgerReceiptCloudEvent, signHeartbeat, type LedgerCommand, type LedgerEvent, type LedgerReceipt, type SignedHeartbeat } from '@datawell/contracts';
import { ensureTopics } from '@datawell/messaging';
import { memberServiceLaunch } from '@datawell/stack';
import { enrolTestIdentity, grpcTestClient, hex, loginAtServer, memberKafka, sleep, stackConnection, stackEnv, stackKafka, testStackContext, waitFor, type GrpcCall } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { TELEMETRY_PROTO } from '../../src/grpc/telemetry.grpc';
import { type TelemetryConfig, telemetryService } from '../../src/config';

export interface WorkloadKey {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

export function ecKey(): WorkloadKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/**
 * One telemetry service under test, with its own scratch PostgreSQL schema, Kafka topics, consumer
 * groups and Redis keys (so parallel suites and earlier runs never mix), restartable in-process.
 *
 * With `member`, the telemetry of that member's trust domain (TELEMETRY_MEMBER_MSP_ID), as its domain
 * runs it (memberServiceLaunch): the domain's PostgreSQL (a scratch schema there) and Redis, its Kafka
 * principal and traffic key, and the member's own topics (its bridge's sealed events, receipts and
 * commands, its heartbeats), read here with consumer groups of its own under the member's prefix.
 */
export class TelemetryHarness {
  readonly id = hex();
  readonly schema = `tel_it_${this.id}`;
  readonly topics: { readonly ledgerEvents: string; readonly ledgerCommands: string; readonly ledgerReceipts: string; readonly telemetry: string };
  readonly redisPrefix = `tel-it:${this.id}`;
  /** The member's own principal in member mode (set by setUp), else the stack's. */
  kafka: Kafka;
  readonly #member: string | undefined;
  /** The member domain's launch environment (its stores, principal, traffic key), set by setUp. */
  #memberEnv: Record<string, string> | undefined;
  #redis: Redis | undefined;
  /** Every ledger command the service published, in order of arrival. */
  readonly commands: Array<{ id: string; command: LedgerCommand }> = [];
  app: INestApplication | undefined;
  #producer: Producer | undefined;
  #reader: Consumer | undefined;
  #block = 0;

  /** `settings`: further telemetry variables of this instance (e.g. a short TELEMETRY_REGISTRATION_GRACE_SECONDS). */
  constructor(
    private readonly settings: Record<string, string> = {},
    options: { readonly member?: string } = {},
  ) {
    this.#member = options.member;
    if (options.member) {
      const own = memberLedgerTopics(options.member);
      this.topics = { ledgerEvents: own.events, ledgerCommands: own.commands, ledgerReceipts: own.receipts, telemetry: memberHeartbeatsTopic(options.member) };
    } else {
      this.topics = {
        ledgerEvents: `tel-it-${this.id}.ledger.events`,
        ledgerCommands: `tel-it-${this.id}.ledger.commands`,
        ledgerReceipts: `tel-it-${this.id}.ledger.receipts`,
        telemetry: `tel-it-${this.id}.telemetry`,
      };
    }
    this.kafka = stackKafka(`tel-it-${this.id}`);
  }

  /** The domain's Redis in member mode, else the stack's. */
  get redis(): Redis {
    this.#redis ??= new Redis(this.#memberEnv?.['DATAWELL_REDIS_URL'] ?? stackConnection().redis.url);
    return this.#redis;
  }

  /** The PostgreSQL the service's schema is in: the member domain's own in member mode. */
  #postgresUrl(): string {
    return this.#memberEnv?.['DATAWELL_POSTGRES_URL'] ?? stackConnection().postgres.url;
  }

  env(): Record<string, string> {
    const member = this.#member;
    // A member's telemetry: only its own topics (the defaults of member mode) and groups under its prefix.
    const wiring = member
      ? { ...this.#memberEnv, TELEMETRY_GROUP_ID_PREFIX: `${memberTopicPrefix(member)}tel-it-${this.id}` }
      : {
          ...stackEnv(),
          TELEMETRY_LEDGER_EVENTS_TOPIC: this.topics.ledgerEvents,
          TELEMETRY_LEDGER_COMMANDS_TOPIC: this.topics.ledgerCommands,
          TELEMETRY_LEDGER_RECEIPTS_TOPIC: this.topics.ledgerReceipts,
          TELEMETRY_HEARTBEATS_TOPIC: this.topics.telemetry,
          TELEMETRY_GROUP_ID_PREFIX: `tel-it-${this.id}`,
        };
    return {
      ...wiring,
      DATAWELL_LOG_LEVEL: 'error',
      // Any free port: suites run side by side.
      TELEMETRY_GRPC_PORT: '0',
      // Tokens outlive a restart of the service.
      DATAWELL_AUTH_SECRET: `tel-it-secret-${this.id}-0123456789abcdef0123456789`,
      TELEMETRY_FOLD_INTERVAL_MS: '400',
      TELEMETRY_REDIS_KEY_PREFIX: this.redisPrefix,
      ...this.settings,
    };
  }

  async setUp(): Promise<void> {
    if (this.#member) {
      const { env } = await memberServiceLaunch(testStackContext(), stackConnection(), this.#member, 'telemetry');
      // In-process: no HTTP port of the domain's (its own telemetry may be running there).
      const { TELEMETRY_HTTP_PORT: _port, ...rest } = env;
      this.#memberEnv = rest;
      this.kafka = await memberKafka(this.#member, `tel-it-${this.id}`);
    }
    await ensureTopics(this.kafka, Object.values(this.topics), 1);
    this.#producer = this.kafka.producer();
    await this.#producer.connect();
    this.#reader = this.kafka.consumer({ groupId: `${this.#member ? memberTopicPrefix(this.#member) : ''}tel-it-reader-${this.id}` });
    await this.#reader.connect();
    await this.#reader.subscribe({ topic: this.topics.ledgerCommands, fromBeginning: true });
    await this.#reader.run({
      eachMessage: async ({ message }) => {
        const envelope = JSON.parse(String(message.value)) as { id: string; data: LedgerCommand };
        this.commands.push({ id: envelope.id, command: envelope.data });
      },
    });
    await this.start();
  }

  /** Boots the service (again) against the same schema, topics, groups and keys. */
  async start(): Promise<INestApplication> {
    const config = loadServiceConfig(telemetryService, this.env());
    const scratch = { ...config, postgres: { ...config.postgres, schema: this.schema } } as TelemetryConfig;
    const app = await createServiceApp(scratch, AppModule.forConfig);
    await app.init();
    this.app = app;
    return app;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  async tearDown(): Promise<void> {
    await this.stop();
    await this.#reader?.disconnect();
    await this.#producer?.disconnect();
    const keys = await this.redis.keys(`${this.redisPrefix}:*`);
    if (keys.length > 0) await this.redis.del(...keys);
    this.redis.disconnect();
    const db = new DataSource({ type: 'postgres', url: this.#postgresUrl() });
    await db.initialize();
    await db.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    await db.destroy();
  }

  /**
   * A bearer token of an identity of `mspId`, enrolled at a CA of its own. The organisation is put in
   * this service's identity directory directly: libs/auth fills it from the shared ledger events topic
   * under one consumer group per service, which this scratch instance does not own.
   */
  async login(mspId: string, role: 'DSP' | 'VSP'): Promise<string> {
    const app = this.app!;
    const identity = await enrolTestIdentity(mspId, role, (entry) => app.get(DataSource).transaction((m) => app.get(IdentityDirectory).upsert(m, entry, `test:${mspId}:${hex()}`)));
    return loginAtServer(app.getHttpServer(), identity);
  }

  /** GET on the service's HTTP API as the bearer of `token`. */
  get(path: string, token?: string): Promise<request.Response> {
    const req = request(this.app!.getHttpServer()).get(path);
    return token ? req.set('authorization', `Bearer ${token}`) : req;
  }

  /** A client of datawell.telemetry.v1.Telemetry on the running instance; a token goes in the authorization metadata. */
  grpcClient(): { call: GrpcCall; close: () => void } {
    return grpcTestClient(TELEMETRY_PROTO, 'datawell.telemetry.v1.Telemetry', this.app!.get(GrpcServer).port);
  }

  /** Publishes a dao chaincode event as the ledger bridge relays it. */
  async ledgerEvent(channel: string, eventName: string, payload: Record<string, unknown>): Promise<void> {
    const event: LedgerEvent = {
      channel,
      blockNumber: String(++this.#block),
      transactionId: `tx${hex(8)}`,
      eventIndex: 0,
      chaincodeId: 'dao',
      eventName,
      payloadEncoding: 'json',
      payload: { ...payload, type: eventName, channel } as LedgerEvent['payload'],
      daoId: channel.replace(/^dao-(.*)-v\d+$/, '$1'),
    };
    const envelope = ledgerEventCloudEvent(event, new Date());
    await this.#producer!.send({ topic: this.topics.ledgerEvents, messages: [{ key: event.daoId, value: JSON.stringify(envelope) }] });
  }

  async receipt(receipt: LedgerReceipt): Promise<void> {
    const envelope = ledgerReceiptCloudEvent(receipt, 'urn:test:bridge');
    await this.#producer!.send({ topic: this.topics.ledgerReceipts, messages: [{ key: receipt.commandId, value: JSON.stringify(envelope) }] });
  }

  /** A version whose founding group D is DspMSP and joining group J1 is Vsp1MSP; `extra` adds payload fields (e.g. createdAtMs). */
  async version(daoId: string, terms: { heartbeatIntervalSeconds: number; abandonAfterSeconds: number }, extra: Record<string, unknown> = {}): Promise<string> {
    const channel = daoChannelName(daoId, 1);
    await this.ledgerEvent(channel, 'VersionCreated', {
      daoId,
      version: 1,
      agreementId: `agr-${daoId}`,
      betaPpm: 800_000,
      members: [
        { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800_000 },
        { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 },
      ],
      terms: { durationDays: 1, businessModel: 'pay-per-use', exitNoticeSeconds: 0, computations: [], ...terms },
      ...extra,
    });
    return channel;
  }

  async registerWorkload(channel: string, workloadId: string, owner: string, key: WorkloadKey): Promise<void> {
    const daoId = channel.replace(/^dao-(.*)-v\d+$/, '$1');
    await this.ledgerEvent(channel, 'WorkloadRegistered', { workloadId, owner, keyType: 'ec-p256', publicKeyPem: key.publicKeyPem, daoId, version: 1 });
  }

  /** Signs and publishes a heartbeat naming version 1 (or `version`); `signWith` forges one with another key. */
  async heartbeat(
    daoId: string,
    owner: string,
    workloadId: string,
    seq: number,
    key: WorkloadKey,
    options: { signWith?: WorkloadKey; metrics?: Record<string, number>; timestamp?: number; version?: number } = {},
  ): Promise<SignedHeartbeat> {
    const heartbeat = signHeartbeat(
      { workloadId, seq, timestamp: options.timestamp ?? Date.now(), metrics: options.metrics ?? { cpuMilli: 100 + seq } },
      (options.signWith ?? key).privateKey,
    );
    const envelope = heartbeatCloudEvent({ daoId, version: options.version ?? 1, owner, heartbeat });
    await this.#producer!.send({ topic: this.topics.telemetry, messages: [{ key: workloadId, value: JSON.stringify(envelope) }] });
    return heartbeat;
  }

  /** The RecordTelemetry commands for a channel, with their parsed snapshots. */
  snapshots(channel: string): Array<{ id: string; command: LedgerCommand; snapshot: { snapshotId: string; heartbeats: SignedHeartbeat[] } }> {
    return this.commands
      .filter((c) => c.command.channel === channel && c.command.transaction === 'RecordTelemetry')
      .map((c) => ({ ...c, snapshot: JSON.parse(c.command.arguments[0]!) as { snapshotId: string; heartbeats: SignedHeartbeat[] } }));
  }

  evaluations(channel: string): Array<{ id: string; command: LedgerCommand }> {
    return this.commands.filter((c) => c.command.channel === channel && c.command.transaction === 'EvaluateAbandonment');
  }

  /** Runs a query against the stack's PostgreSQL (the service's tables are in `this.schema`). */
  async query(sql: string, params: unknown[] = []): Promise<unknown[]> {
    const db = new DataSource({ type: 'postgres', url: this.#postgresUrl() });
    await db.initialize();
    try {
      return (await db.query(sql, params)) as unknown[];
    } finally {
      await db.destroy();
    }
  }

  contractEnds(channel: string): Array<{ id: string; command: LedgerCommand }> {
    return this.commands.filter((c) => c.command.channel === channel && c.command.transaction === 'EvaluateContractEnd');
  }
}

/** Polls `check` until it returns a value (not undefined or false) or the deadline passes. */
export const eventually = <T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> =>
  waitFor(what, check, { timeoutMs, intervalMs: 200 });

export { hex, sleep };
