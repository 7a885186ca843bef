import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka, KAFKA_SASL_MECHANISM, type KafkaCredentials } from '@datawell/config';
import type { Admin, Kafka } from 'kafkajs';
import { StackError } from '../errors';
import { kafkaInstalled, kafkaLibDir } from '../install/kafka';
import { operatorProcessUser, operatorToolsCache } from '../domains/operator-files';
import { chownTree, osUser } from '../os-user';
import { isAlive, readPid, startDaemon, stopDaemon, waitFor, waitForDaemon } from '../proc';
import { VERSIONS } from '../versions';
import type { Component, ComponentHealth, StackContext } from './component';
import {
  ADMIN_PRINCIPAL,
  createKafkaPrincipal,
  grantKafkaAcls,
  kafkaBrokers,
  kafkaHome,
  kafkaSaslEnabled,
  newKafkaCredentials,
  OPERATOR_PRINCIPAL,
  operatorAcls,
  principalFile,
  readKafkaPrincipal,
  runKafkaTool,
  writeKafkaPrincipal,
} from './kafka-principals';

export { kafkaBrokers } from './kafka-principals';

/**
 * A random KRaft cluster id: 16 bytes in base64url, never starting with "-" (Kafka's own
 * Uuid.randomUuid rule), which kafka-storage's argument parser would read as an option ("expected
 * one argument": one fresh stack in 64 failed to start).
 */
export function kraftClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function dirs(ctx: StackContext) {
  const home = kafkaHome(ctx);
  return { home, data: join(home, 'data'), config: join(home, 'server.properties'), log4j: join(home, 'log4j.properties'), log: join(ctx.settings.stackDir, 'logs', 'kafka.log'), pid: join(ctx.settings.stackDir, 'run', 'kafka.pid') };
}

/**
 * The broker's configuration (mode 0600: it holds the admin password). Every listener takes SASL only:
 * clients and the inter-broker link authenticate with SCRAM-SHA-512; the controller listener uses
 * PLAIN with the same admin password from this file, because KRaft keeps SCRAM credentials in the
 * metadata log the controller itself serves (a controller cannot check SCRAM before it has read it).
 * On one machine the listeners bind 127.0.0.1 in clear text (SASL_PLAINTEXT); across machines they
 * must be SASL_SSL. The KRaft StandardAuthorizer refuses whatever no ACL allows.
 */
export function serverProperties(ctx: StackContext, dataDir: string, admin: KafkaCredentials, options: { readonly plainAdmin?: boolean } = {}): string {
  const { kafka: port, kafkaController: controller } = ctx.settings.ports;
  const { username, password } = admin;
  const plainJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${username}" password="${password}" user_${username}="${password}";`;
  // Only while a broker formatted before SASL gets its first SCRAM user: the admin logs in with PLAIN
  // from this file, registers itself, and the broker restarts without PLAIN on the client listener.
  const brokerPlain = options.plainAdmin ? [`listener.name.broker.plain.sasl.jaas.config=${plainJaas}`] : [];
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=BROKER://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=BROKER://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=BROKER',
    'listener.security.protocol.map=BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    `sasl.enabled.mechanisms=${KAFKA_SASL_MECHANISM}`,
    `sasl.mechanism.inter.broker.protocol=${KAFKA_SASL_MECHANISM}`,
    'sasl.mechanism.controller.protocol=PLAIN',
    `listener.name.broker.sasl.enabled.mechanisms=${KAFKA_SASL_MECHANISM}${options.plainAdmin ? ',PLAIN' : ''}`,
    ...brokerPlain,
    `listener.name.broker.${KAFKA_SASL_MECHANISM.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`,
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=${plainJaas}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=User:${username}`,
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    '',
  ].join('\n');
}

const LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
`;

/** The tooling's client: as the admin principal once the broker authenticates (a stack made before SASL has no admin file yet). */
function toolingKafka(ctx: StackContext, retries?: number): Kafka {
  const sasl = kafkaSaslEnabled(ctx) ? readKafkaPrincipal(ctx, ADMIN_PRINCIPAL) : undefined;
  return createKafka({ clientId: 'datawell-stack', brokers: kafkaBrokers(ctx), ...(sasl ? { sasl } : {}), ...(retries === undefined ? {} : { retries, connectionTimeoutMs: 2000 }) });
}

async function describe(ctx: StackContext): Promise<string> {
  const admin = toolingKafka(ctx, 0).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return `Kafka ${VERSIONS.kafka.release} (KRaft), cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates topics (those missing; of one partition unless given) and returns once each partition has a leader. Not kafkajs's
 * own wait for leaders: it gives up on UNKNOWN_TOPIC_OR_PARTITION ("does not host this
 * topic-partition"), which a broker answers until it has loaded a just-created topic (a CI run
 * failed on it); the metadata is polled instead.
 */
export async function createTopicsLed(admin: Admin, topics: ReadonlyArray<string | { readonly topic: string; readonly numPartitions: number }>, timeoutMs = 60_000): Promise<void> {
  const wanted = topics.map((t) => (typeof t === 'string' ? { topic: t, numPartitions: 1 } : t));
  const names = wanted.map((t) => t.topic);
  await admin.createTopics({ topics: wanted.map((t) => ({ ...t })), waitForLeaders: false });
  await waitFor(`Kafka to lead ${names.join(', ')}`, async () => {
    // A topic the broker has not loaded yet is answered with UNKNOWN_TOPIC_OR_PARTITION: waitFor tries again.
    const found = (await admin.fetchTopicMetadata({ topics: names })).topics;
    // A topic that existed already keeps its own partition count.
    return found.length === wanted.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
  }, timeoutMs, 'kafka');
}

/**
 * A broker that answers metadata requests may still lack the internal topic that consumer groups
 * need (created on the first group join), and clients then see "This server does not host this
 * topic-partition". One produce and one group consume make the broker fully usable before `up` returns.
 */
async function warmUp(ctx: StackContext): Promise<void> {
  const kafka = toolingKafka(ctx);
  const topic = 'datawell.stack.probe';
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsLed(admin, [topic]);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ value: String(Date.now()) }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'datawell-stack-probe' });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message came back within 60 s')), 60000);
      void consumer.run({ eachMessage: async () => (clearTimeout(timer), resolve()) }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Sets the admin's SCRAM credential with kafka-configs through the client listener, logged in with
 * PLAIN from the broker's own file (the controller quorum does not take this admin API).
 */
async function registerAdminWithPlain(ctx: StackContext, admin: KafkaCredentials): Promise<void> {
  const plain = [
    'security.protocol=SASL_PLAINTEXT',
    'sasl.mechanism=PLAIN',
    `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin.username}" password="${admin.password}";`,
    'request.timeout.ms=5000',
    'default.api.timeout.ms=10000',
    '',
  ].join('\n');
  await runKafkaTool(
    ctx,
    'kafka.admin.ConfigCommand',
    ['--bootstrap-server', kafkaBrokers(ctx).join(','), '--command-config', '{plain}', '--alter', '--entity-type', 'users', '--entity-name', admin.username, '--add-config', `${KAFKA_SASL_MECHANISM}=[password=${admin.password}]`],
    { plain },
    { timeoutMs: 60000 },
  );
}

/** Apache Kafka in KRaft mode (combined broker and controller) from Maven Central jars on the JDK. */
export const kafka: Component = {
  name: 'kafka',
  async start(ctx) {
    if (!kafkaInstalled(ctx.settings.cacheDir)) throw new StackError('NOT_INSTALLED', 'Kafka is not installed: run ./dev stack install', 'kafka');
    const d = dirs(ctx);
    if (isAlive(readPid(d.pid))) return;
    // The broker is the operator's: it runs as the operator's user, over its own data, configuration
    // and logging files; the home stays the tooling's (the principals' credentials and the tools'
    // scratch files are not the broker's), passable to reach them.
    const user = operatorProcessUser();
    mkdirSync(d.home, { recursive: true, mode: 0o700 });
    chmodSync(d.home, user ? 0o711 : 0o700);
    mkdirSync(d.data, { recursive: true });
    const formatted = existsSync(join(d.data, 'meta.properties'));
    // A broker formatted before SASL has no SCRAM user yet; its admin file is written once it has one.
    const migrating = formatted && !kafkaSaslEnabled(ctx);
    const admin = kafkaSaslEnabled(ctx) ? readKafkaPrincipal(ctx, ADMIN_PRINCIPAL) : newKafkaCredentials(ADMIN_PRINCIPAL);
    if (!migrating) writeKafkaPrincipal(principalFile(ctx, ADMIN_PRINCIPAL), admin);
    writeFileSync(d.log4j, LOG4J);
    const owner = user ? osUser(user) : undefined;
    // Kafka's jars where the broker's user may read them (the build cache sits in root's home).
    const classpath = `${kafkaLibDir(owner ? operatorToolsCache(ctx.settings, owner) : ctx.settings.cacheDir)}/*`;
    const java = ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${d.log4j}`, '-cp', classpath];
    const writeConfig = (plainAdmin: boolean) => {
      writeFileSync(d.config, serverProperties(ctx, d.data, admin, { plainAdmin }), { mode: 0o600 });
      chmodSync(d.config, 0o600);
    };
    writeConfig(migrating);
    if (!formatted) {
      const clusterId = kraftClusterId();
      // The first principals' SCRAM credentials go into the metadata log as it is made.
      const operatorFile = principalFile(ctx, OPERATOR_PRINCIPAL);
      const operator = existsSync(operatorFile) ? readKafkaPrincipal(ctx, OPERATOR_PRINCIPAL) : newKafkaCredentials(OPERATOR_PRINCIPAL);
      writeKafkaPrincipal(operatorFile, operator);
      ctx.progress.step('kafka', `formatting KRaft storage (cluster ${clusterId}) with SCRAM users ${admin.username}, ${operator.username}`);
      const scram = (c: KafkaCredentials) => ['--add-scram', `${KAFKA_SASL_MECHANISM}=[name=${c.username},password=${c.password}]`];
      await runKafkaTool(ctx, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', d.config, ...scram(admin), ...scram(operator)]);
    }
    const launch = () => {
      if (owner) {
        chownTree(d.data, owner.uid, owner.gid);
        for (const f of [d.config, d.log4j]) chownSync(f, owner.uid, owner.gid);
      }
      // In its data folder (its own), not its user's home: that is a domain folder of whichever stack made the user.
      return startDaemon({ name: 'kafka', cmd: 'java', args: [...java, 'kafka.Kafka', d.config], ...(user ? { user, cwd: d.data } : {}), logFile: d.log, pidFile: d.pid });
    };
    if (migrating) {
      ctx.progress.step('kafka', 'turning on SASL for a broker formatted without it: registering the admin SCRAM user');
      launch();
      await waitForDaemon('Kafka (first SCRAM user)', { pidFile: d.pid, logFile: d.log }, async () => (await registerAdminWithPlain(ctx, admin), true), 120000, 'kafka');
      writeKafkaPrincipal(principalFile(ctx, ADMIN_PRINCIPAL), admin);
      await stopDaemon(d.pid, 30000);
      writeConfig(false);
    }
    ctx.progress.step('kafka', `starting on ${kafkaBrokers(ctx).join(',')} (SASL ${KAFKA_SASL_MECHANISM}, ACLs)${user ? ` as ${user}` : ''}`);
    launch();
    await waitForDaemon('Kafka', { pidFile: d.pid, logFile: d.log }, async () => (await describe(ctx)).length > 0, 90000, 'kafka');
    if (!existsSync(principalFile(ctx, OPERATOR_PRINCIPAL))) await createKafkaPrincipal(ctx, OPERATOR_PRINCIPAL);
    await grantKafkaAcls(ctx, operatorAcls());
    await waitForDaemon('Kafka consumer groups', { pidFile: d.pid, logFile: d.log }, async () => (await warmUp(ctx), true), 120000, 'kafka');
  },
  async stop(ctx) {
    await stopDaemon(dirs(ctx).pid, 30000);
  },
  async health(ctx): Promise<ComponentHealth[]> {
    const pid = readPid(dirs(ctx).pid);
    const endpoint = kafkaBrokers(ctx).join(',');
    if (!isAlive(pid)) return [{ name: 'kafka', healthy: false, endpoint, detail: 'not running' }];
    try {
      return [{ name: 'kafka', healthy: true, pid, endpoint, detail: await describe(ctx) }];
    } catch (e) {
      return [{ name: 'kafka', healthy: false, pid, endpoint, detail: e instanceof Error ? e.message : String(e) }];
    }
  },
  logs: (ctx) => ({ kafka: dirs(ctx).log }),
};
