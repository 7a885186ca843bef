import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { AuthModule, IdentityDirectory } from '@datawell/auth';
import { loadServiceConfig, type ConnectionLogger } from '@datawell/config';
import { createServiceApp, ServicePlatformModule } from '@datawell/service-platform';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import { ledgerBridgeService, type LedgerBridgeConfig } from '../../src/config';
import { ADMIN_SERVICE, AdminController } from '../../src/admin/admin.controller';
import { stackPeerDirectory } from '../../src/admin/fabric-admin.adapter';
import { connectGateway, type GatewayConnection } from '@datawell/fabric';
import { agreementReachedCloudEvent, DAO, MARKETPLACE, MARKETPLACE_CHANNEL, memberLedgerTopics, type AgreementReached } from '@datawell/contracts';
import {
  addDomain,
  committedDefinition,
  createChannel,
  createTopicsLed,
  deployChaincode,
  domainPaths,
  domainPostgres,
  enrollClientIdentity,
  findDomain,
  memberFabric,
  osnadmin,
  ownPeerChannels,
  readMspPackage,
  type EnrolledIdentity,
} from '@datawell/stack';
import { acceptancesOf, memberKafka, REPO_DIR, stackConnection, stackEnv, stackKafka, testStackContext } from '@datawell/testing';
import { LedgerBridge, type NetworkTopics } from '../../src/ledger-bridge';
import { stackMemberAdmin } from '../../src/member-network/member-network.service';
import { MIGRATIONS } from '../../src/migrations';
import { FileWallet } from '../../src/wallet/wallet.adapter';

export const hex = (n = 4) => randomBytes(n).toString('hex');
export const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

function operatorPeer() {
  const org = stackConnection().fabric.orgs['OperatorMSP'];
  if (!org) throw new Error('the test stack has no OperatorMSP organisation');
  return org.peer;
}

/**
 * The channel these tests write to: the operator alone, with the probe chaincode `hello`. Not
 * `marketplace`, whose members (and so whose endorsement policy) other suites grow by onboarding
 * organisations. Created and deployed once; both steps are idempotent and serialised by the stack.
 */
export const PROBE_CHANNEL = 'lb-it-probe';

export async function probeChannel(): Promise<string> {
  const ctx = testStackContext();
  await createChannel(ctx, PROBE_CHANNEL, ['OperatorMSP']);
  await deployChaincode(ctx, { name: 'hello', channel: PROBE_CHANNEL, modulePath: join(REPO_DIR, 'chaincode', 'hello') });
  return PROBE_CHANNEL;
}

/**
 * A scratch PostgreSQL schema migrated with the bridge's migrations, dropped by `drop()`: in the
 * stack's own database, or at `url` (a member domain's own).
 */
export async function scratchDatabase(url = stackConnection().postgres.url): Promise<{ dataSource: DataSource; schema: string; drop(): Promise<void> }> {
  const schema = `lb_it_${hex()}`;
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    schema,
    applicationName: schema,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
  });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA "${schema}"`);
  await dataSource.runMigrations();
  return {
    dataSource,
    schema,
    async drop() {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}

/** A database of the member's own PostgreSQL (its domain's cluster, not the operator's), as its superuser. */
export function memberPostgresUrl(mspId: string, database = 'datawell'): string {
  const pg = domainPostgres(testStackContext(), findDomain(testStackContext(), mspId));
  return `postgres://datawell:${encodeURIComponent(pg.password)}@127.0.0.1:${pg.port}/${database}`;
}

/** A database in the member's own PostgreSQL (not the operator's), migrated with the bridge's migrations. */
export function memberDatabase(mspId: string): ReturnType<typeof scratchDatabase> {
  return scratchDatabase(memberPostgresUrl(mspId));
}

/** The member's bridge identity, enrolled at its own CA in its domain, in a wallet in its folder. */
export async function memberWallet(mspId: string): Promise<string> {
  const ctx = testStackContext();
  const d = findDomain(ctx, mspId);
  const dir = join(domainPaths(ctx.settings, d.name).run, 'ledger-bridge-wallet');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await new FileWallet(dir).put(await enrollClientIdentity(ctx, mspId, 'ledger-bridge'));
  const id = (flag: string) => Number(spawnSync('id', [flag, d.osUser], { encoding: 'utf8' }).stdout.trim());
  for (const f of [dir, ...readdirSync(dir).map((f) => join(dir, f))]) chownSync(f, id('-u'), id('-g'));
  return dir;
}

/**
 * A NestJS logger that also keeps the last `keep` entries, one line each, so a test that times out
 * can say what the bridge was doing (CI keeps the failure message, not the interleaved logs).
 */
export function recordingLogger(context: string, keep = 25): ConnectionLogger & { recent(): string[] } {
  const nest = new Logger(context);
  const lines: string[] = [];
  const record = (level: string, message: unknown) => {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    lines.push(`${new Date().toISOString().slice(11, 23)} ${level} ${text.replace(/\s+/g, ' ').slice(0, 400)}`);
    if (lines.length > keep) lines.shift();
  };
  return {
    log: (m: unknown) => (record('log', m), nest.log(m)),
    warn: (m: unknown) => (record('warn', m), nest.warn(m)),
    error: (m: unknown) => (record('error', m), nest.error(m)),
    debug: (m: unknown) => nest.debug(m),
    recent: () => [...lines],
  };
}

/** A member bridge's settings a test may shorten. */
export interface MemberBridgeOptions {
  readonly subscriptionSweepSeconds?: number;
  /** Between two looks at its DAO channels' config (the bridge's default is 5 min). */
  readonly channelConfigCheckIntervalMs?: number;
  /** Between two looks at the marketplace chaincode's committed definition on its own peer (the bridge's default is 60 s). */
  readonly chaincodeUpgradeIntervalMs?: number;
}

export interface MemberBridge {
  readonly bridge: LedgerBridge;
  readonly db: Awaited<ReturnType<typeof memberDatabase>>;
  readonly kafka: Kafka;
  /** The bridge's last log entries (its own logger's), oldest first. */
  recent(): string[];
}

/**
 * A member domain's own bridge, started in-process as its domain runs it: its identity from its own CA,
 * its own database and Kafka principal, its network inbox, and its admin acting as its OS user (so it
 * joins its peer to the channels the operator admits it to and approves their chaincodes).
 */
export async function startMemberBridge(mspId: string, clientId: string, options: MemberBridgeOptions = {}): Promise<MemberBridge> {
  const ctx = testStackContext();
  const pkg = readMspPackage(ctx, mspId);
  const db = await memberDatabase(mspId);
  const kafka = await memberKafka(mspId, clientId);
  const tlsCaFile = join(domainPaths(ctx.settings, mspId).publicDir, 'peer-tls-ca.pem');
  const logger = recordingLogger(`LedgerBridgeIT:${mspId}`);
  const bridge = new LedgerBridge({
    dataSource: db.dataSource,
    schema: db.schema,
    kafka,
    settings: {
      member: { mspId },
      fabric: { endpoint: pkg.peer.endpoint, hostAlias: pkg.peer.hostAlias, tlsCaFile },
      walletDir: await memberWallet(mspId),
      eventsMspId: mspId,
      channels: [],
      topics: memberLedgerTopics(mspId),
      commandsGroupId: `datawell.member.${mspId}.ledger-bridge.commands`,
      inbox: { topic: `datawell.inbox.${mspId}.v1`, groupId: `datawell.member.${mspId}.ledger-bridge.inbox` },
      ...(options.subscriptionSweepSeconds !== undefined ? { governance: { sweepSeconds: 10, subscriptionSweepSeconds: options.subscriptionSweepSeconds } } : {}),
    },
    logger,
    outboxPollIntervalMs: 100,
    // The member's admin acting in its own domain: the CLI runs as the domain's OS user.
    memberAdmin: stackMemberAdmin(memberFabric(ctx, mspId)),
    ...(options.channelConfigCheckIntervalMs ? { channelConfigCheckIntervalMs: options.channelConfigCheckIntervalMs } : {}),
    ...(options.chaincodeUpgradeIntervalMs ? { chaincodeUpgradeIntervalMs: options.chaincodeUpgradeIntervalMs } : {}),
  });
  await bridge.start();
  return { bridge, db, kafka, recent: () => logger.recent() };
}

/** A wallet directory holding a freshly enrolled OperatorMSP identity. */
export async function operatorWallet(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-wallet-'));
  const identity = await enrollClientIdentity(testStackContext(), 'OperatorMSP', `lb-it-${hex()}`);
  await new FileWallet(dir).put(identity);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Gateway of the test itself (not the bridge's), to submit and read as another OperatorMSP user. */
export async function testGateway(): Promise<GatewayConnection> {
  const peer = operatorPeer();
  const identity = await enrollClientIdentity(testStackContext(), 'OperatorMSP', `lb-it-client-${hex()}`);
  return connectGateway({ endpoint: peer.endpoint, hostAlias: peer.hostAlias, tlsCaPem: readFileSync(peer.tlsCaFile, 'utf8') }, identity);
}

export function kafkaClient(): Kafka {
  return stackKafka(`lb-it-${hex()}`);
}

export async function createTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsLed(admin, topics);
  } finally {
    await admin.disconnect();
  }
}

/** An operator bridge's settings for the integration tier: domains only, as in production (it signs only as the operator). */
export function bridgeSettings(walletDir: string, topics: LedgerBridgeConfig['topics']): LedgerBridgeConfig {
  const peer = operatorPeer();
  return {
    fabric: { endpoint: peer.endpoint, hostAlias: peer.hostAlias, tlsCaFile: peer.tlsCaFile },
    walletDir,
    eventsMspId: 'OperatorMSP',
    channels: [],
    topics,
    commandsGroupId: `lb-it-${hex()}`,
  };
}

export function newBridge(db: { dataSource: DataSource; schema: string }, kafka: Kafka, settings: LedgerBridgeConfig): LedgerBridge {
  return new LedgerBridge({
    dataSource: db.dataSource,
    schema: db.schema,
    kafka,
    settings,
    logger: new Logger('LedgerBridgeIT'),
    outboxPollIntervalMs: 100,
  });
}

/**
 * Reads a topic from the beginning until `done(messages)` holds, then lingers so a late duplicate
 * would be seen too. Rejects with what it saw when the deadline passes.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  done: (messages: KafkaMessage[]) => boolean,
  { timeoutMs = 60_000, lingerMs = 2000, groupPrefix = 'lb-it-reader', explain }: { timeoutMs?: number; lingerMs?: number; groupPrefix?: string; explain?: () => Promise<string> } = {},
): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `${groupPrefix}-${hex()}` });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const message = `timed out on ${topic} after ${seen.length} messages: ${seen.map((m) => String(m.headers?.['ce_id'])).join(', ')}`;
        void (explain ? explain().catch((error: unknown) => `(no explanation: ${String(error)})`) : Promise.resolve(''))
          .then((why) => reject(new Error(why ? `${message}\n${why}` : message)));
      }, timeoutMs);
      // A reader that crashes (kafkajs gives up on an error it will not retry) says so instead of seeing nothing.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart) return;
        clearTimeout(timer);
        reject(new Error(`the reader of ${topic} crashed: ${String(payload.error)}`));
      });
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

export const json = (message: KafkaMessage) => JSON.parse(String(message.value)) as { id: string; type: string; data: Record<string, unknown> };

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The topics an operatorAdminApp's bridge runs on (`running`): a marketplace's, as MarketplaceHarness names them. */
export interface OperatorBridgeTopics {
  readonly ledgerEvents: string;
  readonly ledgerCommands: string;
  readonly ledgerReceipts: string;
  readonly networkCommands: string;
  readonly networkEvents: string;
}

/** The operator's administration over HTTP (operatorAdminApp). */
export interface OperatorAdminApp {
  readonly url: string;
  /** Tells its identity directory of a participant (as a ParticipantRegistered would): its identities may then log in. */
  admitToDirectory(entry: { mspId: string; role: 'DSP' | 'VSP'; caCertPem: string }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The operator's administration routes as its app serves them (AdminController behind libs/auth,
 * the OpenAPI document at /docs/openapi.json), over the real network through the AdminService of a
 * LedgerBridge given the stack's folder and an operator wallet. By default the bridge itself is not
 * started (no relay, no network consumers: other suites' topics are left alone) and its identity
 * directory reads a topic of its own: it knows the operator's CA (DATAWELL_OPERATOR_MSP_DIR) and the
 * participants the test admits to it. With `running`, the bridge runs as the operator's app runs it,
 * on those topics (a marketplace's: MarketplaceHarness.topics): it consumes the network commands
 * (onboarding, enrollment) and answers on the network events topic, consumes the ledger commands, and
 * relays the `marketplace` channel's events from its first block to `ledgerEvents`, which its identity
 * directory reads too (ParticipantRegistered carries each CA certificate).
 */
export async function operatorAdminApp(options: { readonly running?: OperatorBridgeTopics } = {}): Promise<OperatorAdminApp> {
  const ctx = testStackContext();
  const run = hex(3);
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  const [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
  const kafka = kafkaClient();
  const { running } = options;
  const directoryTopic = running?.ledgerEvents ?? `it.lb-admin.directory.${run}`;
  await createTopics(kafka, [directoryTopic]);
  const topics = running
    ? { events: running.ledgerEvents, commands: running.ledgerCommands, receipts: running.ledgerReceipts }
    : { events: `it.lb-admin.events.${run}`, commands: `it.lb-admin.commands.${run}`, receipts: `it.lb-admin.receipts.${run}` };
  const networkTopics: NetworkTopics | undefined = running && {
    commands: running.networkCommands,
    events: running.networkEvents,
    agreements: `it.lb-admin.agreements.${run}`,
    commandsGroupId: `it-lb-admin-nc-${run}`,
    agreementsGroupId: `it-lb-admin-ag-${run}`,
  };
  const bridge = new LedgerBridge({
    dataSource: db.dataSource,
    schema: db.schema,
    kafka,
    settings: { ...bridgeSettings(wallet.dir, topics), admin },
    logger: new Logger('OperatorAdminIT'),
    peers: stackPeerDirectory(admin),
    ...(networkTopics ? { networkTopics, outboxPollIntervalMs: 100 } : {}),
  });
  if (!bridge.admin) throw new Error('the bridge was given the stack folder and a wallet but has no administration');
  if (running) {
    await bridge.start();
    await bridge.addChannel({ name: MARKETPLACE_CHANNEL, chaincodes: [MARKETPLACE.chaincode] });
  }
  const service = bridge.admin;
  const config = loadServiceConfig(ledgerBridgeService, { ...stackEnv(), DATAWELL_LOG_LEVEL: 'fatal', LEDGER_BRIDGE_CHANNELS: '' });
  @Module({})
  class OperatorAdminEdges {}
  const edges: DynamicModule = {
    module: OperatorAdminEdges,
    imports: [ServicePlatformModule.forRoot(config, { migrations: MIGRATIONS, sharedTopics: false }), AuthModule.forRoot({ directory: { topic: directoryTopic, groupId: `it.lb-admin.${run}` } })],
    controllers: [AdminController],
    providers: [{ provide: ADMIN_SERVICE, useValue: service }],
  };
  const app = await createServiceApp(config, () => edges);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    url,
    admitToDirectory: async ({ mspId, role, caCertPem }) => {
      await app.get(DataSource).transaction((m) => app.get(IdentityDirectory).upsert(m, { mspId, role, name: mspId, status: 'active', caCertPem }, `it:${mspId}:${run}`));
      app.get(IdentityDirectory).changed();
    },
    close: async () => {
      await app.close();
      await bridge.stop().catch(() => undefined);
      await db.drop();
      wallet.remove();
    },
  };
}

/** The channels the first orderer lists through its channel participation API (osnadmin), by name: Fabric's own view. */
export async function ordererChannelNames(): Promise<string[]> {
  const { stdout } = await osnadmin(testStackContext(), 0, ['channel', 'list']);
  return (JSON.parse(stdout.slice(stdout.indexOf('{'))) as { channels: { name: string }[] }).channels.map((c) => c.name).sort();
}

/**
 * What a route or a page showed, against Fabric's own view read before and after it: it holds
 * everything of `before` and nothing that is not in `after` (suites beside one add channels and organisations).
 */
export function expectBetween(before: readonly string[], seen: readonly string[], after: readonly string[]): void {
  expect(seen).toEqual(expect.arrayContaining([...before]));
  expect(after).toEqual(expect.arrayContaining([...seen]));
}

/** An agreement with some of its terms replaced, its document digest made again over what it now says. */
export function withTerms(agreement: Record<string, unknown>, overrides: Record<string, unknown>): AgreementReached['agreement'] {
  const { documentDigest: _digest, ...body } = agreement as Record<string, unknown> & { terms: Record<string, unknown> };
  const signed = { ...body, terms: { ...body.terms, ...overrides } };
  return { ...signed, documentDigest: createHash('sha256').update(JSON.stringify(signed)).digest('hex') } as AgreementReached['agreement'];
}

/** A DAO version formed by organisations in their own trust domains (formDomainDao). */
export interface DomainDao {
  readonly daoId: string;
  readonly channel: string;
  /** A person of each member, enrolled at its own CA in its domain: it signed the agreement. */
  readonly people: Readonly<Record<string, EnrolledIdentity>>;
  /** The members' own bridges, until `stopMembers`. */
  readonly members: Readonly<Record<string, MemberBridge>>;
  /** A Gateway to the member's own peer (from its public MSP package) as its person. */
  connect(mspId: string): GatewayConnection;
  /** Stops the members' own bridges (their sweeps, relays and inboxes) and drops their databases: the test acts for the members from here. */
  stopMembers(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Version 1 of a DAO of organisations held in their own trust domains, formed as `./dev up` forms one,
 * with no organisation in the operator's custody: each domain made by the stack tooling (`addDomain`,
 * as `./dev domain add`: its CA, peer and keys in its folder), its own member-mode bridge started
 * (its identity from its own CA, its own database and Kafka principal, its admin acting as its OS
 * user); the operator's bridge admits each to `marketplace` from its MSP package (its
 * own admin joins its peer and approves) and forms the channel from the `AgreementReached` every
 * member's person signed; the members' bridges join and approve, the DSP's commits and submits
 * InitVersion. Resolves once every member reads the version from its own peer as its own person.
 * `agreement` is version 1's, the DSP first among its members; `prefix` names the run's topics and groups.
 */
export async function formDomainDao(options: {
  readonly prefix: string;
  readonly agreement: AgreementReached['agreement'];
  readonly timeoutMs?: number;
  readonly memberOptions?: MemberBridgeOptions;
  /** Domains registered on marketplace besides the members (e.g. a transfer's newcomer), with no bridge of their own here. */
  readonly participants?: ReadonlyArray<{ readonly mspId: string; readonly role: 'DSP' | 'VSP' }>;
}): Promise<DomainDao> {
  const ctx = testStackContext();
  const { prefix, agreement } = options;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const daoId = agreement['daoId'] as string;
  const channel = `dao-${daoId}-v1`;
  const plan = agreement['members'] as unknown as ReadonlyArray<{ mspId: string; role: 'DSP' | 'VSP' }>;
  const run = hex(3);
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  const topics = { events: `it.${prefix}.ledger-events.${run}`, commands: `it.${prefix}.ledger-commands.${run}`, receipts: `it.${prefix}.receipts.${run}` };
  const network: NetworkTopics = {
    commands: `it.${prefix}.commands.${run}`,
    events: `it.${prefix}.events.${run}`,
    agreements: `it.${prefix}.agreements.${run}`,
    commandsGroupId: `it-${prefix}-commands-${run}`,
    agreementsGroupId: `it-${prefix}-agreements-${run}`,
  };
  for (const m of [...plan, ...(options.participants ?? [])]) await addDomain(ctx, m.mspId, m.role);
  const [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
  const kafka = kafkaClient();
  await createTopics(kafka, [...Object.values(topics), network.commands, network.events, network.agreements]);
  const operator = new LedgerBridge({
    dataSource: db.dataSource,
    schema: db.schema,
    kafka,
    // Domains only, as ./dev up runs it: the operator holds no organisation in custody.
    settings: { ...bridgeSettings(wallet.dir, topics), admin },
    logger: new Logger(`DomainDaoIT:${prefix}:operator`),
    outboxPollIntervalMs: 100,
    peers: stackPeerDirectory(admin),
    networkTopics: network,
    networkRetry: { maxAttempts: 2, delayMs: 500 },
  });
  const members: Record<string, MemberBridge> = {};
  const people: Record<string, EnrolledIdentity> = {};
  const connections: GatewayConnection[] = [];
  let membersStopped = false;
  const stopMembers = async () => {
    if (membersStopped) return;
    membersStopped = true;
    for (const m of Object.values(members)) {
      await m.bridge.stop().catch(() => undefined);
      await m.db.drop().catch(() => undefined);
    }
  };
  const close = async () => {
    connections.forEach((c) => c.close());
    await stopMembers();
    await operator.stop().catch(() => undefined);
    wallet.remove();
    await db.drop().catch(() => undefined);
  };
  const connect = (mspId: string) => {
    const pkg = readMspPackage(ctx, mspId);
    const person = people[mspId];
    if (!person) throw new Error(`${mspId} is not a member of ${daoId}`);
    const conn = connectGateway({ endpoint: pkg.peer.endpoint, hostAlias: pkg.peer.hostAlias, tlsCaPem: pkg.peer.tlsCaCert }, person);
    connections.push(conn);
    return conn;
  };
  try {
    await operator.start();
    for (const m of plan) {
      members[m.mspId] = await startMemberBridge(m.mspId, `lb-${prefix}-${m.mspId}-${run}`, options.memberOptions);
      people[m.mspId] = await enrollClientIdentity(ctx, m.mspId, 'it-chaincode');
    }
    // Admitted (idempotently: a rerun on the same stack finds them active) from their public MSP packages.
    for (const m of [...plan, ...(options.participants ?? [])]) await operator.admin!.onboardParticipant({ mspId: m.mspId, role: m.role, name: `Domain ${m.mspId}` });
    for (const m of plan) {
      const f = memberFabric(ctx, m.mspId);
      await waitFor(`${m.mspId}'s own peer on marketplace`, async () => ((await ownPeerChannels(f)).includes(MARKETPLACE_CHANNEL) ? true : undefined), timeoutMs);
      await waitFor(`${m.mspId}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(f, MARKETPLACE_CHANNEL, MARKETPLACE.chaincode))?.approvals[m.mspId] ? true : undefined), timeoutMs);
    }
    // The agreement as negotiation publishes it, signed by every member's person.
    const { signatures } = acceptancesOf(agreement, plan.map((m) => people[m.mspId]!));
    const reached: AgreementReached = { sessionId: `s-${daoId}`, agreementId: agreement['agreementId'] as string, daoId, version: 1, agreement, signatures: signatures as AgreementReached['signatures'] };
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: network.agreements, messages: [{ key: daoId, value: JSON.stringify(agreementReachedCloudEvent(reached, 'urn:it')) }] });
    } finally {
      await producer.disconnect();
    }
    const commandId = `agreement:${reached.agreementId}`;
    const outcome = await readTopic(kafka, network.events, (ms) => ms.some((m) => json(m).data['commandId'] === commandId), { timeoutMs, lingerMs: 500 });
    const formed = outcome.map((m) => json(m).data).find((d) => d['commandId'] === commandId)!;
    if (formed['kind'] !== 'dao-version-created') throw new Error(`the operator did not form ${channel}: ${JSON.stringify(formed)}`);
    // Every member reads the version from its own peer as its own person, once the DSP's bridge has initialised it.
    for (const m of plan) {
      const contract = connect(m.mspId).gateway.getNetwork(channel).getContract(DAO.chaincode);
      await waitFor(
        `${m.mspId} to read ${channel} from its own peer`,
        async () => {
          try {
            const version = JSON.parse(Buffer.from(await contract.evaluateTransaction(DAO.tx.GetVersion)).toString('utf8')) as { daoId?: string };
            return version.daoId === daoId ? true : undefined;
          } catch {
            return undefined; // not yet: its peer has not joined, the chaincode is starting, or the DSP has not initialised it
          }
        },
        timeoutMs,
      );
    }
  } catch (error) {
    const recent = Object.entries(members).map(([mspId, m]) => [`${mspId}'s bridge, last log entries:`, ...m.recent()].join('\n'));
    await close();
    throw new Error([String(error instanceof Error ? error.message : error), ...recent].join('\n'));
  }
  return { daoId, channel, people, members, connect, stopMembers, close };
}
