import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { StackError } from '../errors';
import { kafkaInstalled, kafkaLibDir } from '../install/kafka';
import { isAlive, readPid, run, startDaemon, stopDaemon, waitForDaemon } from '../proc';
import { VERSIONS } from '../versions';
import type { Component, ComponentHealth, StackContext } from './component';

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
  const home = join(ctx.settings.stackDir, 'kafka');
  return { home, data: join(home, 'data'), config: join(home, 'server.properties'), log4j: join(home, 'log4j.properties'), log: join(ctx.settings.stackDir, 'logs', 'kafka.log'), pid: join(ctx.settings.stackDir, 'run', 'kafka.pid') };
}

export function kafkaBrokers(ctx: StackContext): string[] {
  return [`127.0.0.1:${ctx.settings.ports.kafka}`];
}

function serverProperties(ctx: StackContext, dataDir: string): string {
  const { kafka: port, kafkaController: controller } = ctx.settings.ports;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
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

async function describe(ctx: StackContext): Promise<string> {
  const kafka = new Kafka({ clientId: 'datawell-stack', brokers: kafkaBrokers(ctx), logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2000 });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    return `Kafka ${VERSIONS.kafka.release} (KRaft), cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)`;
  } finally {
    await admin.disconnect();
  }
}

/**
 * A broker that answers metadata requests may still lack the internal topic that consumer groups
 * need (created on the first group join), and clients then see "This server does not host this
 * topic-partition". One produce and one group consume make the broker fully usable before `up` returns.
 */
async function warmUp(ctx: StackContext): Promise<void> {
  const kafka = new Kafka({ clientId: 'datawell-stack', brokers: kafkaBrokers(ctx), logLevel: logLevel.NOTHING });
  const topic = 'datawell.stack.probe';
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
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

/** Apache Kafka in KRaft mode (combined broker and controller) from Maven Central jars on the JDK. */
export const kafka: Component = {
  name: 'kafka',
  async start(ctx) {
    if (!kafkaInstalled(ctx.settings.cacheDir)) throw new StackError('NOT_INSTALLED', 'Kafka is not installed: run ./dev stack install', 'kafka');
    const d = dirs(ctx);
    if (isAlive(readPid(d.pid))) return;
    mkdirSync(d.data, { recursive: true });
    writeFileSync(d.config, serverProperties(ctx, d.data));
    writeFileSync(d.log4j, LOG4J);
    const classpath = `${kafkaLibDir(ctx.settings.cacheDir)}/*`;
    const java = ['-Xms256m', '-Xmx768m', '-XX:+UseG1GC', `-Dlog4j.configuration=file:${d.log4j}`, '-cp', classpath];
    if (!existsSync(join(d.data, 'meta.properties'))) {
      const clusterId = kraftClusterId();
      ctx.progress.step('kafka', `formatting KRaft storage (cluster ${clusterId})`);
      await run('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', d.config]);
    }
    ctx.progress.step('kafka', `starting on ${kafkaBrokers(ctx).join(',')}`);
    startDaemon({ name: 'kafka', cmd: 'java', args: [...java, 'kafka.Kafka', d.config], logFile: d.log, pidFile: d.pid });
    await waitForDaemon('Kafka', { pidFile: d.pid, logFile: d.log }, async () => (await describe(ctx)).length > 0, 90000, 'kafka');
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
