import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Consumer, Producer } from 'kafkajs';
import { createKeyAndCsr, signWithIdentity, testCertificateAuthority } from '@datawell/testing';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp, GrpcServer } from '@datawell/service-platform';
import { ledgerEventCloudEvent, networkEventCloudEvent, TOPICS, type LedgerEvent, type NetworkEvent } from '@datawell/contracts';
import { ensureTopics } from '@datawell/messaging';
import { freePort, hex, stackEnv, stackKafka, waitFor } from '@datawell/testing';
import { AppModule } from '../../src/app.module';
import { marketplaceService } from '../../src/config';

export { hex };

export interface Received {
  topic: string;
  key: string | null;
  value: { id: string; data: Record<string, unknown> };
}

/**
 * The marketplace app in-process on the real PostgreSQL and Kafka, with topics of its own so that
 * the test plays the ledger bridge: it reads the commands the marketplace emits and publishes the
 * network and ledger events the bridge would. The identity directory of libs/auth reads the shared
 * ledger events topic, so ParticipantRegistered goes there too.
 */
export class MarketplaceHarness {
  readonly run = hex();
  /**
   * `ledgerEvents`: a test whose events come from a real ledger bridge sets the shared topic, which
   * the identity directory reads too (the bridge relays ParticipantRegistered there, as in production).
   */
  readonly topics: { readonly ledgerEvents: string; readonly ledgerCommands: string; readonly ledgerReceipts: string; readonly networkCommands: string; readonly networkEvents: string };
  constructor(options: { readonly ledgerEvents?: string } = {}) {
    this.topics = {
      ledgerEvents: options.ledgerEvents ?? `mkt-it-${this.run}.ledger.events`,
      ledgerCommands: `mkt-it-${this.run}.ledger.commands`,
      ledgerReceipts: `mkt-it-${this.run}.ledger.receipts`,
      networkCommands: `mkt-it-${this.run}.network.commands`,
      networkEvents: `mkt-it-${this.run}.network.events`,
    };
  }
  readonly kafka = stackKafka(`mkt-it-${this.run}`);
  readonly received: Received[] = [];
  app!: INestApplication;
  baseUrl = '';
  grpcPort = 0;
  /** The CA of the service's TLS certificate, when it was started with one. */
  tlsCaPem: string | undefined;
  #producer!: Producer;
  #consumer!: Consumer;
  #block = 100;

  /**
   * `tls`: serve HTTPS and gRPC over TLS with a certificate from a throw-away CA (kept in `tlsCaPem`).
   * `env`: more variables (e.g. MARKETPLACE_ADMISSION=manual), over the harness's own.
   */
  async start(options: { tls?: { certFile: string; keyFile: string; caPem: string }; env?: Readonly<Record<string, string>> } = {}): Promise<void> {
    await ensureTopics(this.kafka, [...Object.values(this.topics), TOPICS.ledgerEvents], 1);
    this.#producer = this.kafka.producer();
    await this.#producer.connect();
    this.#consumer = this.kafka.consumer({ groupId: `mkt-it-reader-${this.run}` });
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.topics.ledgerCommands, this.topics.networkCommands], fromBeginning: true });
    await this.#consumer.run({
      eachMessage: async ({ topic, message }) => {
        this.received.push({ topic, key: message.key?.toString() ?? null, value: JSON.parse(String(message.value)) as Received['value'] });
      },
    });
    const port = await freePort();
    const env = {
      ...stackEnv(),
      MARKETPLACE_HTTP_PORT: String(port),
      MARKETPLACE_GRPC_PORT: '0',
      MARKETPLACE_GROUP_ID: `mkt-it-${this.run}`,
      MARKETPLACE_LEDGER_EVENTS_TOPIC: this.topics.ledgerEvents,
      MARKETPLACE_LEDGER_COMMANDS_TOPIC: this.topics.ledgerCommands,
      MARKETPLACE_LEDGER_RECEIPTS_TOPIC: this.topics.ledgerReceipts,
      MARKETPLACE_NETWORK_COMMANDS_TOPIC: this.topics.networkCommands,
      MARKETPLACE_NETWORK_EVENTS_TOPIC: this.topics.networkEvents,
      DATAWELL_LOG_LEVEL: 'warn',
      ...(options.tls ? { DATAWELL_TLS_CERT_FILE: options.tls.certFile, DATAWELL_TLS_KEY_FILE: options.tls.keyFile } : {}),
      ...options.env,
    };
    this.tlsCaPem = options.tls?.caPem;
    this.app = await createServiceApp(loadServiceConfig(marketplaceService, env), AppModule.forConfig);
    await this.app.listen(port, '127.0.0.1');
    this.baseUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    this.grpcPort = this.app.get(GrpcServer).port;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.#consumer?.disconnect();
    await this.#producer?.disconnect();
  }

  async http(method: string, path: string, body?: unknown, token?: string, raw?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (this.tlsCaPem !== undefined) return this.https(method, path, { headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { text };
    }
    return { status: response.status, body: json };
  }

  /** The first command on `topic` matching `predicate`, waiting for it. */
  /**
   * A request over TLS trusting only the service's test CA (its certificate names no host), optionally
   * presenting a client certificate (mutual TLS).
   */
  https(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: string; clientCertificatePem?: string; clientKeyPem?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        `${this.baseUrl}${path}`,
        {
          method,
          headers: { 'content-type': 'application/json', ...options.headers },
          ca: this.tlsCaPem,
          checkServerIdentity: () => undefined,
          ...(options.clientCertificatePem ? { cert: options.clientCertificatePem, key: options.clientKeyPem } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let json: Record<string, unknown>;
            try {
              json = JSON.parse(text) as Record<string, unknown>;
            } catch {
              json = { text };
            }
            resolve({ status: res.statusCode ?? 0, body: json });
          });
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  /** A bearer token for an enrolled identity: the challenge signed with its key. */
  async login(identity: { certificatePem: string; privateKeyPem: string }): Promise<string> {
    const { body: challenge } = await this.http('POST', '/auth/challenge', {});
    const { status, body } = await this.http('POST', '/auth/token', {
      certificatePem: identity.certificatePem,
      challenge: challenge['challenge'],
      signature: signWithIdentity(identity.privateKeyPem, challenge['challenge'] as string),
    });
    if (status !== 201 && status !== 200) throw new Error(`login: ${status} ${JSON.stringify(body)}`);
    return body['token'] as string;
  }

  async command(topic: string, predicate: (r: Received) => boolean, timeoutMs = 30_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((r) => r.topic === topic && predicate(r));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching command on ${topic}; saw ${this.received.map((r) => `${r.topic}:${r.value.id}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async networkEvent(event: NetworkEvent): Promise<void> {
    const ce = networkEventCloudEvent(event, 'urn:datawell:ledger-bridge:test');
    await this.#producer.send({ topic: this.topics.networkEvents, messages: [{ key: 'k', value: JSON.stringify(ce) }] });
  }

  /** A chaincode event as the bridge relays it; `shared` also sends it to the shared ledger events topic. */
  async ledgerEvent(channel: string, chaincode: string, eventName: string, payload: Record<string, unknown>, shared = false): Promise<string> {
    const transactionId = hex(16);
    const event: LedgerEvent = {
      channel,
      blockNumber: String(this.#block++),
      transactionId,
      eventIndex: 0,
      chaincodeId: chaincode,
      eventName,
      payloadEncoding: 'json',
      payload: { ...payload, type: eventName, txId: transactionId, channel } as LedgerEvent['payload'],
      daoId: null,
    };
    const ce = ledgerEventCloudEvent(event);
    const message = { key: channel, value: JSON.stringify(ce) };
    await this.#producer.send({ topic: this.topics.ledgerEvents, messages: [message] });
    if (shared) await this.#producer.send({ topic: TOPICS.ledgerEvents, messages: [message] });
    return ce.id;
  }

  async receipt(data: Record<string, unknown>): Promise<void> {
    const ce = { specversion: '1.0', id: `receipt:${String(data['commandId'])}`, source: 'urn:test', type: 'datawell.ledger.receipt.v1', time: new Date().toISOString(), datacontenttype: 'application/json', data };
    await this.#producer.send({ topic: this.topics.ledgerReceipts, messages: [{ key: 'k', value: JSON.stringify(ce) }] });
  }
}

/** Polls `fn` until `ok` holds for its value; the last value is in the timeout's message. */
export async function eventually<T>(what: string, fn: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const probe = async () => {
    const value = await fn();
    if (!ok(value)) throw new Error(`last: ${JSON.stringify(value)}`);
    return { value };
  };
  return (await waitFor(what, probe, { timeoutMs, intervalMs: 200 })).value;
}

/** Matches the `onboard-participant` network command of `mspId`. */
export const onboardCommandOf = (mspId: string) => (r: Received) => r.value.data['kind'] === 'onboard-participant' && r.value.data['mspId'] === mspId;

export interface Member {
  mspId: string;
  role: 'DSP' | 'VSP';
  enrollmentId: string;
  privateKeyPem: string;
  certificatePem: string;
  token: string;
}

/**
 * Registers an organisation of its own trust domain through the API (no `identity`: its own CA issues
 * its identities, the operator makes none) and plays the operator's bridge: the `onboard-participant`
 * command (`ownCa`), `participant-onboarded` and ParticipantRegistered with the organisation's CA (a
 * per-test CA standing for the one in its domain: the stack has only the operator's). A person of the
 * organisation is then issued an identity by that CA directly, as in its domain, and logs in.
 * `admit`: with manual admission, what admits the registration (an operator administrator's call).
 */
export async function onboard(h: MarketplaceHarness, role: 'DSP' | 'VSP', admit?: (mspId: string) => Promise<void>): Promise<Member> {
  const mspId = `T${h.run}${hex(2)}${role}MSP`;
  const registered = await h.http('POST', '/participants', { mspId, role, name: `${role} ${mspId}` });
  if (registered.status !== 202) throw new Error(`register ${mspId}: ${registered.status} ${JSON.stringify(registered.body)}`);
  await admit?.(mspId);
  const onboardCmd = await h.command(h.topics.networkCommands, onboardCommandOf(mspId));
  const ca = await testCertificateAuthority(`ca.${mspId}`);
  await h.networkEvent({ kind: 'participant-onboarded', commandId: onboardCmd.value.data['commandId'] as string, mspId, role, name: `${role} ${mspId}`, caCertPem: ca.caCertPem });
  await h.ledgerEvent('marketplace', 'marketplace', 'ParticipantRegistered', { mspId, role, name: `${role} ${mspId}`, caCertPem: ca.caCertPem, status: 'active' }, true);
  const enrollmentId = `user-${hex(2)}`;
  const { privateKeyPem, csrPem } = await createKeyAndCsr(enrollmentId);
  const certificatePem = await ca.issue(csrPem);
  const token = await eventually('login', () => h.login({ certificatePem, privateKeyPem }).catch(() => ''), (t) => t !== '', 60_000);
  await eventually('active', () => h.http('GET', `/participants/${mspId}`), (r) => r.body['status'] === 'active');
  return { mspId, role, enrollmentId, privateKeyPem, certificatePem, token };
}

/**
 * A throw-away operator CA named to the service as its public MSP folder (`dir`, for
 * DATAWELL_OPERATOR_MSP_DIR), issuing the operator's identities: `admin` (OU=admin, an operator
 * administrator) and `client` (OU=client, an operator identity that is not one).
 */
export async function throwAwayOperatorMsp(): Promise<{ dir: string; identity(name: string, ou: 'admin' | 'client'): Promise<{ certificatePem: string; privateKeyPem: string }>; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mkt-it-operator-msp-'));
  const ca = await testCertificateAuthority('ca.operator');
  mkdirSync(join(dir, 'cacerts'));
  writeFileSync(join(dir, 'cacerts', 'ca.pem'), ca.caCertPem);
  return {
    dir,
    identity: async (name, ou) => {
      const { csrPem, privateKeyPem } = await createKeyAndCsr(name, { organizationalUnits: [ou] });
      return { certificatePem: await ca.issue(csrPem), privateKeyPem };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * `POST /participants` of `T<run><suffix>MSP`: with `withIdentity` a DSP named `Org <suffix>` sending
 * the CSR of its first identity `first`, else a VSP bringing its own CA.
 */
export async function registerOrganisation(h: MarketplaceHarness, suffix: string, withIdentity: boolean): Promise<{ mspId: string; status: number; body: Record<string, unknown> }> {
  const mspId = `T${h.run}${suffix}MSP`;
  const identity = withIdentity ? { identity: { enrollmentId: 'first', csrPem: (await createKeyAndCsr('first')).csrPem } } : {};
  const res = await h.http('POST', '/participants', { mspId, role: withIdentity ? 'DSP' : 'VSP', name: `Org ${suffix}`, ...identity });
  return { mspId, ...res };
}
