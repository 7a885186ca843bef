import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { writeFileAtomically } from '../atomic-file';
import { dirname, join } from 'node:path';
import { createKafka, kafkaCredentials, readKafkaCredentialsFile, KAFKA_SASL_MECHANISM, type KafkaClientOptions, type KafkaCredentials } from '@datawell/config';
import { memberInboxTopic, memberTopicPrefix } from '@datawell/contracts';
import { AclOperationTypes as Op, AclPermissionTypes as Permission, AclResourceTypes as Resource, ResourcePatternTypes as Pattern, type AclEntry, type Kafka } from 'kafkajs';
import { withFileLock } from '@datawell/pid-files';
import { StackError } from '../errors';
import { kafkaLibDir } from '../install/kafka';
import { run, type RunResult } from '../proc';
import type { StackConnection } from '../connection';
import type { StackContext } from './component';

/**
 * Kafka principals (SASL/SCRAM-SHA-512 users) and their ACLs. The tooling makes every credential:
 * random, written only to a file of mode 0600 (`<stackDir>/kafka/principals/<name>.json` unless a
 * caller, such as a trust domain, names its own file), and registered at the broker through Kafka's own
 * admin tools. Passwords never appear on a command line (they go to Java through an argument file of
 * mode 0600) nor in a log.
 */

/** The tooling's own principal: the broker's only super user (inter-broker, controller, ACL and user administration). */
export const ADMIN_PRINCIPAL = 'admin';
/** The operator domain's principal: every service runs as it until member domains exist. */
export const OPERATOR_PRINCIPAL = 'operator';

/** The principal of a member organisation's domain. */
export function memberPrincipal(mspId: string): string {
  return `member-${mspId}`;
}

/** The topic an IoT producer fleet of a DSP writes its (encrypted) readings to: inside the DSP's own prefix. */
export function readingsTopic(dspMspId: string): string {
  return `${memberTopicPrefix(dspMspId)}readings.v1`;
}

/** The principal of one IoT producer fleet of a DSP. */
export function fleetPrincipal(dspMspId: string, fleet: string): string {
  return `fleet-${dspMspId}-${fleet}`;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** Where clients reach the broker. */
export function kafkaBrokers(ctx: StackContext): string[] {
  return [`127.0.0.1:${ctx.settings.ports.kafka}`];
}

export function kafkaHome(ctx: StackContext): string {
  return join(ctx.settings.stackDir, 'kafka');
}

export function principalsDir(ctx: StackContext): string {
  return join(kafkaHome(ctx), 'principals');
}

export function principalFile(ctx: StackContext, name: string): string {
  return join(principalsDir(ctx), `${checkedName(name)}.json`);
}

function checkedName(name: string): string {
  if (!NAME.test(name)) throw new StackError('BAD_SETTING', `"${name}" is not a Kafka principal name (letters, digits, ".", "_", "-")`, 'kafka');
  return name;
}

/** The credentials a stack connection tells its clients to use (the operator's), if the broker authenticates. */
export function connectionCredentials(connection: Pick<StackConnection, 'kafka'>): KafkaCredentials | undefined {
  const file = connection.kafka.credentialsFile;
  if (file === undefined) return undefined;
  try {
    return readKafkaCredentialsFile(file);
  } catch (error) {
    throw new StackError('BAD_SETTING', `Kafka credentials of the stack: ${(error as Error).message}`, 'kafka', { cause: error });
  }
}

/** A kafkajs client on a stack's brokers as the principal its connection names: what tools, tests and scenarios use. */
export function connectionKafka(connection: Pick<StackConnection, 'kafka'>, clientId: string, options: Omit<KafkaClientOptions, 'clientId' | 'brokers' | 'sasl'> = {}): Kafka {
  const sasl = connectionCredentials(connection);
  return createKafka({ clientId, brokers: connection.kafka.brokers, ...(sasl ? { sasl } : {}), ...options });
}

/** Whether the stack's broker authenticates clients: it does once the tooling has made the admin principal. */
export function kafkaSaslEnabled(ctx: StackContext): boolean {
  return existsSync(principalFile(ctx, ADMIN_PRINCIPAL));
}

/** A principal's credentials, from its file; fails with the reason when the file is missing or unusable. */
export function readKafkaPrincipal(ctx: StackContext, name: string, file = principalFile(ctx, name)): KafkaCredentials {
  try {
    return readKafkaCredentialsFile(file);
  } catch (error) {
    throw new StackError('BAD_SETTING', `Kafka principal ${name}: ${(error as Error).message}`, 'kafka', { cause: error });
  }
}

export function newKafkaCredentials(name: string): KafkaCredentials {
  // base64url: no quote, '=', ',' or ']' that JAAS or SCRAM option syntax would have to escape.
  return kafkaCredentials(checkedName(name), randomBytes(32).toString('base64url'));
}

/** Writes a credentials file atomically with mode 0600, in a folder of mode 0700. */
export function writeKafkaPrincipal(file: string, credentials: KafkaCredentials): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomically(file, `${JSON.stringify({ mechanism: KAFKA_SASL_MECHANISM, username: credentials.username, password: credentials.password }, null, 2)}\n`, 0o600);
}

/** `sasl.jaas.config` of a SCRAM client: for Kafka's own tools' properties files. */
export function scramJaas(credentials: KafkaCredentials): string {
  return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${credentials.username}" password="${credentials.password}";`;
}

/** A Kafka client properties file (for kafka-console-producer/consumer, kafka-configs, …) of a principal, mode 0600. */
export function clientProperties(credentials: KafkaCredentials | undefined): string {
  if (!credentials) return 'security.protocol=PLAINTEXT\n';
  return ['security.protocol=SASL_PLAINTEXT', `sasl.mechanism=${KAFKA_SASL_MECHANISM}`, `sasl.jaas.config=${scramJaas(credentials)}`, ''].join('\n');
}

/** The Java command line of one of Kafka's own tools, quiet (warnings only, to stderr). */
export function kafkaToolJava(ctx: StackContext): string[] {
  const log4j = join(kafkaHome(ctx), 'tools-log4j.properties');
  if (!existsSync(log4j)) {
    mkdirSync(kafkaHome(ctx), { recursive: true, mode: 0o700 });
    writeFileSync(log4j, 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\n');
  }
  return ['-Xms32m', '-Xmx256m', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${log4j}`, '-cp', `${kafkaLibDir(ctx.settings.cacheDir)}/*`];
}

/**
 * Runs one of Kafka's own tools (a Java main class) whose arguments may hold secrets: the class and its arguments go in an argument
 * file of mode 0600 (the java launcher expands `@file`), so no password shows in the process list.
 * Each `secretFiles` entry (a properties file with credentials) is written 0600, replaces `{key}` in the
 * arguments, and is removed after.
 */
export async function runKafkaTool(
  ctx: StackContext,
  mainClass: string,
  args: readonly string[],
  secretFiles: Readonly<Record<string, string>> = {},
  options: { readonly input?: string; readonly timeoutMs?: number } = {},
): Promise<RunResult> {
  const dir = join(kafkaHome(ctx), 'tmp');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const written: string[] = [];
  const files: Record<string, string> = {};
  for (const [key, content] of Object.entries(secretFiles)) {
    const file = join(dir, `${key}-${tag}.properties`);
    writeFileSync(file, content, { mode: 0o600 });
    written.push(file);
    files[key] = file;
  }
  const argFile = join(dir, `args-${tag}`);
  const quoted = [mainClass, ...args.map((a) => a.replace(/\{(\w+)\}/g, (m, key: string) => files[key] ?? m))].map((a) => `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  writeFileSync(argFile, `${quoted.join('\n')}\n`, { mode: 0o600 });
  written.push(argFile);
  try {
    return await run('java', [...kafkaToolJava(ctx), `@${argFile}`], { timeoutMs: options.timeoutMs ?? 120_000, ...(options.input === undefined ? {} : { input: options.input }) });
  } finally {
    for (const f of written) rmSync(f, { force: true });
  }
}

/**
 * Sets a principal's SCRAM credential at the running broker (creates the user or replaces its
 * password) with Kafka's own kafka-configs, as the admin principal.
 */
async function registerScram(ctx: StackContext, credentials: KafkaCredentials): Promise<void> {
  const admin = readKafkaPrincipal(ctx, ADMIN_PRINCIPAL);
  await runKafkaTool(
    ctx,
    'kafka.admin.ConfigCommand',
    ['--bootstrap-server', kafkaBrokers(ctx).join(','), '--command-config', '{admin}', '--alter', '--entity-type', 'users', '--entity-name', credentials.username, '--add-config', `${KAFKA_SASL_MECHANISM}=[password=${credentials.password}]`],
    { admin: clientProperties(admin) },
  );
}

export interface PrincipalOptions {
  /** Where the credentials live; by default `<stackDir>/kafka/principals/<name>.json`. A domain passes a file in its own folder. */
  readonly file?: string;
}

/**
 * Creates a principal, or rotates its password when it exists: a new random password is registered
 * at the broker first, then written to the principal's file (a client holding the old password is
 * refused from its next connection).
 */
export async function createKafkaPrincipal(ctx: StackContext, name: string, options: PrincipalOptions = {}): Promise<KafkaCredentials> {
  if (name === ADMIN_PRINCIPAL) throw new StackError('BAD_SETTING', 'the admin principal is made with the broker (kafka-storage format) and is not rotated here', 'kafka');
  const credentials = newKafkaCredentials(name);
  await registerScram(ctx, credentials);
  writeKafkaPrincipal(options.file ?? principalFile(ctx, name), credentials);
  return credentials;
}

/**
 * The principal's credentials, created first when it has none yet. Idempotent, and safe when several
 * processes ask at once (two test workers, a CLI beside a test): two creations would each register a
 * password, and a client that read the first would be refused once the second reached the broker. So
 * it is created under a lock of its own file (not the stack lock, which a caller's parent may hold),
 * and looked for again inside it.
 */
export async function ensureKafkaPrincipal(ctx: StackContext, name: string, options: PrincipalOptions = {}): Promise<KafkaCredentials> {
  const file = options.file ?? principalFile(ctx, name);
  if (existsSync(file)) return readKafkaPrincipal(ctx, name, file);
  return withFileLock(`${file}.lock`, async () => (existsSync(file) ? readKafkaPrincipal(ctx, name, file) : createKafkaPrincipal(ctx, name, { file })), {
    timeoutMs: 120_000,
    onWait: (owner) => ctx.progress.step('kafka', `waiting for process ${owner}, which is making the principal ${name}`),
    busy: (owner) => new StackError('START_FAILED', `the Kafka principal ${name} is being made by process ${owner}`, 'kafka'),
  });
}

const allow = (principal: string, resourceType: Resource, resourceName: string, resourcePatternType: Pattern, operations: readonly Op[]): AclEntry[] =>
  operations.map((operation) => ({ principal: `User:${principal}`, host: '*', operation, permissionType: Permission.ALLOW, resourceType, resourceName, resourcePatternType }));

const deny = (principal: string, resourceType: Resource, resourceName: string, resourcePatternType: Pattern): AclEntry => ({
  principal: `User:${principal}`,
  host: '*',
  operation: Op.ALL,
  permissionType: Permission.DENY,
  resourceType,
  resourceName,
  resourcePatternType,
});

/** Every member's prefix: the operator is denied it (DENY wins over its ALLOW on every topic and group). */
const MEMBERS_PREFIX = memberTopicPrefix('').slice(0, -1);

/**
 * ACLs of the operator principal: every topic, group and transactional id except members' own
 * (`datawell.member.*`, denied), and the cluster operations its services use.
 */
export function operatorAcls(principal = OPERATOR_PRINCIPAL): AclEntry[] {
  return [
    ...allow(principal, Resource.TOPIC, '*', Pattern.LITERAL, [Op.ALL]),
    ...allow(principal, Resource.GROUP, '*', Pattern.LITERAL, [Op.ALL]),
    ...allow(principal, Resource.TRANSACTIONAL_ID, '*', Pattern.LITERAL, [Op.ALL]),
    ...allow(principal, Resource.CLUSTER, 'kafka-cluster', Pattern.LITERAL, [Op.DESCRIBE, Op.IDEMPOTENT_WRITE, Op.DESCRIBE_CONFIGS]),
    deny(principal, Resource.TOPIC, MEMBERS_PREFIX, Pattern.PREFIXED),
    deny(principal, Resource.GROUP, MEMBERS_PREFIX, Pattern.PREFIXED),
  ];
}

/** ACLs of a member's principal: its own prefixed topics (read, write, create) and consumer groups, nothing else. */
export function memberAcls(mspId: string, principal = memberPrincipal(mspId)): AclEntry[] {
  const prefix = memberTopicPrefix(mspId);
  return [
    ...allow(principal, Resource.TOPIC, prefix, Pattern.PREFIXED, [Op.READ, Op.WRITE, Op.CREATE, Op.DESCRIBE, Op.DESCRIBE_CONFIGS]),
    ...allow(principal, Resource.GROUP, prefix, Pattern.PREFIXED, [Op.READ, Op.DESCRIBE]),
    // Its inbox, which the operator writes (operatorAcls allows every topic outside the members' prefix).
    ...allow(principal, Resource.TOPIC, memberInboxTopic(mspId), Pattern.LITERAL, [Op.READ, Op.DESCRIBE]),
  ];
}

/** ACLs of an IoT producer fleet: write to its DSP's readings topic, nothing else (no read, no group). */
export function fleetAcls(dspMspId: string, fleet: string, topic = readingsTopic(dspMspId)): AclEntry[] {
  if (!topic.startsWith(memberTopicPrefix(dspMspId))) throw new StackError('BAD_SETTING', `a fleet of ${dspMspId} writes only under ${memberTopicPrefix(dspMspId)}, not to ${topic}`, 'kafka');
  return allow(fleetPrincipal(dspMspId, fleet), Resource.TOPIC, topic, Pattern.LITERAL, [Op.WRITE, Op.DESCRIBE]);
}

/** Creates ACLs with kafkajs's admin client as the admin principal; Kafka ignores an ACL that already exists. */
export async function grantKafkaAcls(ctx: StackContext, acl: readonly AclEntry[]): Promise<void> {
  const admin = createKafka({ clientId: 'datawell-stack-acls', brokers: kafkaBrokers(ctx), sasl: readKafkaPrincipal(ctx, ADMIN_PRINCIPAL), retries: 2 }).admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl: [...acl] });
  } finally {
    await admin.disconnect();
  }
}

/** A member's principal with its ACLs; returns its credentials. Idempotent. */
export async function ensureMemberPrincipal(ctx: StackContext, mspId: string, options: PrincipalOptions = {}): Promise<KafkaCredentials> {
  const credentials = await ensureKafkaPrincipal(ctx, memberPrincipal(mspId), options);
  await grantKafkaAcls(ctx, memberAcls(mspId));
  return credentials;
}

/** An IoT producer fleet's principal with its ACL; returns its credentials. Idempotent. */
export async function ensureFleetPrincipal(ctx: StackContext, dspMspId: string, fleet: string, options: PrincipalOptions & { readonly topic?: string } = {}): Promise<KafkaCredentials> {
  const acl = fleetAcls(dspMspId, fleet, options.topic);
  const credentials = await ensureKafkaPrincipal(ctx, fleetPrincipal(dspMspId, fleet), options);
  await grantKafkaAcls(ctx, acl);
  return credentials;
}
