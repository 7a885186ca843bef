import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka, kafkaCredentials, newTrafficKeyBytes, TrafficKey, type KafkaCredentials } from '@datawell/config';
import { memberTopicPrefix } from '@datawell/contracts';
import {
  ADMIN_PRINCIPAL,
  clientProperties,
  createTopicsLed,
  ensureFleetPrincipal,
  ensureMemberPrincipal,
  kafkaSaslEnabled,
  OPERATOR_PRINCIPAL,
  principalFile,
  readingsTopic,
  readKafkaPrincipal,
  runKafkaTool,
  type StackContext,
} from '@datawell/stack';
import type { Kafka } from 'kafkajs';
import { stackConnection, testStackContext } from '../../src';

/**
 * Kafka authenticates every client (SASL/SCRAM-SHA-512) and authorises by ACL (KRaft
 * StandardAuthorizer, nothing allowed without an ACL): anonymous clients, wrong passwords and other
 * members' principals are refused, with kafkajs and with Kafka's own console tools; the right
 * principal succeeds (positive controls, so a refusal is not a broken broker).
 */
const hex = () => randomBytes(4).toString('hex');
const brokers = () => [...stackConnection().kafka.brokers];

/** The member topics' values are sealed with a domain's traffic key (libs/config): every client here holds one, so what refuses is the broker. */
const trafficKey = new TrafficKey(newTrafficKeyBytes());

function client(sasl: KafkaCredentials | undefined, id = `it-sec-${hex()}`): Kafka {
  return createKafka({ clientId: id, brokers: brokers(), retries: 0, connectionTimeoutMs: 3000, ...(sasl ? { sasl } : {}), trafficKeys: [trafficKey] });
}

async function produce(kafka: Kafka, topic: string, value: string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ value }], acks: -1, timeout: 5000 });
  } finally {
    await producer.disconnect();
  }
}

/** Every value on the topic, read from the beginning with a fresh group of `groupId`. */
async function consumeAll(kafka: Kafka, topic: string, groupId: string, expected: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, retry: { retries: 0 } });
  const seen: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${expected} messages of ${topic}`)), 30_000);
      consumer.on(consumer.events.CRASH, (e) => (clearTimeout(timer), reject(e.payload.error)));
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            seen.push(String(message.value));
            if (seen.length >= expected) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((e: unknown) => (clearTimeout(timer), reject(e)));
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/**
 * What the broker's refusal says: kafkajs error names, Kafka error types and messages along the cause
 * chain (a producer wraps the broker's error in a retriable/non-retriable one). Fails when the promise resolves.
 */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const parts: string[] = [];
    for (let e = error as { name?: string; type?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
      parts.push(`${e.name ?? ''} ${e.type ?? ''} ${e.message ?? ''}`);
    }
    return parts.join(' <- ');
  }
  throw new Error('expected the broker to refuse');
}

const TOPIC_REFUSED = /TOPIC_AUTHORIZATION_FAILED|not authorized to access topics/i;
// kafkajs drops the broker's GROUP_AUTHORIZATION_FAILED from FindCoordinator and reports the coordinator
// as not found; the tests pair it with the same principal succeeding in a group of its own (and the
// console consumer below shows Kafka's own GroupAuthorizationException).
const GROUP_REFUSED = /GROUP_AUTHORIZATION_FAILED|not authorized to access group|KafkaJSGroupCoordinatorNotFound/i;

describe('Kafka authentication and ACLs', () => {
  let ctx: StackContext;
  const a = `KsA${hex()}MSP`;
  const b = `KsB${hex()}MSP`;
  let memberA: KafkaCredentials;
  let memberB: KafkaCredentials;
  const topicA = `${memberTopicPrefix(a)}events.v1`;
  const topicB = `${memberTopicPrefix(b)}events.v1`;
  const groupA = `${memberTopicPrefix(a)}reader`;
  const groupB = `${memberTopicPrefix(b)}reader`;

  beforeAll(async () => {
    ctx = testStackContext();
    // The stack under test must be one made with SASL (a stack from before gets it at its next `./dev up`).
    expect(kafkaSaslEnabled(ctx)).toBe(true);
    memberA = await ensureMemberPrincipal(ctx, a);
    memberB = await ensureMemberPrincipal(ctx, b);
    // Each member creates its own topic: CREATE on its prefix is one of its rights.
    for (const [creds, topic] of [[memberA, topicA], [memberB, topicB]] as const) {
      const adminClient = client(creds).admin();
      await adminClient.connect();
      await createTopicsLed(adminClient, [topic]);
      await adminClient.disconnect();
    }
    await produce(client(memberB), topicB, 'b-private-1');
  }, 120_000);

  it('keeps every principal file at mode 0600 in a folder of mode 0700, and no password in the broker log', () => {
    const dir = join(ctx.settings.stackDir, 'kafka', 'principals');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect([f, statSync(join(dir, f)).mode & 0o777]).toEqual([f, 0o600]);
    const log = readFileSync(join(ctx.settings.stackDir, 'logs', 'kafka.log'), 'utf8');
    for (const name of [ADMIN_PRINCIPAL, OPERATOR_PRINCIPAL, `member-${a}`]) {
      expect(log.includes(readKafkaPrincipal(ctx, name, principalFile(ctx, name)).password)).toBe(false);
    }
  });

  it('makes a principal once when two ask at once: both get the password the broker has', async () => {
    const c = `KsC${hex()}MSP`;
    // Without the principal's lock each call registers a password of its own, and one of the two is refused.
    const [first, second] = await Promise.all([ensureMemberPrincipal(ctx, c), ensureMemberPrincipal(ctx, c)]);
    expect(second.password).toBe(first.password);
    const admin = client(first).admin();
    await admin.connect();
    await admin.disconnect();
  }, 120_000);

  describe('with kafkajs', () => {
    it('lets a member produce to and consume its own topics in its own groups (positive control)', async () => {
      await produce(client(memberA), topicA, 'a-own');
      expect(await consumeAll(client(memberA), topicA, `${groupA}-${hex()}`, 1)).toEqual(['a-own']);
    }, 60_000);

    it('refuses an anonymous client, to produce and to consume', async () => {
      const anonymous = client(undefined);
      expect(await refusal(produce(anonymous, topicA, 'anonymous'))).toMatch(/KafkaJS\w*Error/);
      expect(await refusal(consumeAll(client(undefined), topicB, `${groupB}-${hex()}`, 1))).toMatch(/KafkaJS\w*Error/);
      // Nothing anonymous reached the topic.
      expect(await consumeAll(client(memberA), topicA, `${groupA}-${hex()}`, 1)).not.toContain('anonymous');
    }, 90_000);

    it('refuses a wrong password for a known principal', async () => {
      const wrong = kafkaCredentials(memberA.username, `${memberA.password.slice(0, -4)}XXXX`);
      expect(await refusal(produce(client(wrong), topicA, 'wrong-password'))).toMatch(/KafkaJSSASLAuthenticationError/);
    }, 60_000);

    it("refuses member A writing to member B's topic, reading it, and joining B's groups", async () => {
      expect(await refusal(produce(client(memberA), topicB, 'a-into-b'))).toMatch(TOPIC_REFUSED);
      expect(await refusal(consumeAll(client(memberA), topicB, `${groupA}-${hex()}`, 1))).toMatch(TOPIC_REFUSED);
      // A group in B's prefix, even on A's own topic.
      expect(await refusal(consumeAll(client(memberA), topicA, `${groupB}-${hex()}`, 1))).toMatch(GROUP_REFUSED);
      expect(await consumeAll(client(memberA), topicA, `${groupA}-${hex()}`, 1)).toHaveLength(1);
      // B still reads exactly its own messages: nothing of A's arrived.
      expect(await consumeAll(client(memberB), topicB, `${groupB}-${hex()}`, 1)).toEqual(['b-private-1']);
    }, 120_000);

    it("refuses the operator's principal the members' topics", async () => {
      const operator = readKafkaPrincipal(ctx, OPERATOR_PRINCIPAL);
      expect(await refusal(produce(client(operator), topicB, 'operator-into-b'))).toMatch(TOPIC_REFUSED);
      expect(await refusal(consumeAll(client(operator), topicB, `datawell-operator-${hex()}`, 1))).toMatch(TOPIC_REFUSED);
    }, 60_000);

    it("lets an IoT fleet write its DSP's readings topic only: not read it, not write elsewhere", async () => {
      const fleet = await ensureFleetPrincipal(ctx, a, 'sensors');
      const readings = readingsTopic(a);
      const creator = client(memberA).admin();
      await creator.connect();
      await createTopicsLed(creator, [readings]);
      await creator.disconnect();
      await produce(client(fleet), readings, 'sealed-reading');
      expect(await consumeAll(client(memberA), readings, `${groupA}-${hex()}`, 1)).toEqual(['sealed-reading']);
      expect(await refusal(produce(client(fleet), topicA, 'fleet-into-events'))).toMatch(TOPIC_REFUSED);
      expect(await refusal(consumeAll(client(fleet), readings, `${groupA}-${hex()}`, 1))).toMatch(GROUP_REFUSED);
    }, 120_000);
  });

  describe("with Kafka's own console tools", () => {
    const bootstrap = () => brokers().join(',');
    // How long the producer waits for the topic's metadata: an anonymous client never gets it (8 s is
    // enough to see it time out); an authenticated one gets the broker's answer, which on a loaded
    // machine (both test tiers at once) came 1.6 s after an 8 s wait had already given up.
    const consoleProduce = (creds: KafkaCredentials | undefined, topic: string, value: string, waitMs = creds ? 30_000 : 8_000) =>
      runKafkaTool(
        ctx,
        'kafka.tools.ConsoleProducer',
        ['--bootstrap-server', bootstrap(), '--topic', topic, '--producer.config', '{client}', '--producer-property', `max.block.ms=${waitMs}`, '--request-timeout-ms', String(waitMs)],
        { client: clientProperties(creds) },
        { input: `${value}\n`, timeoutMs: 60_000 },
      ).then(
        (r) => `${r.stdout}\n${r.stderr}`,
        (e: Error) => e.message,
      );
    const consoleConsume = (creds: KafkaCredentials | undefined, topic: string, group: string) =>
      runKafkaTool(
        ctx,
        'org.apache.kafka.tools.consumer.ConsoleConsumer',
        ['--bootstrap-server', bootstrap(), '--topic', topic, '--group', group, '--from-beginning', '--timeout-ms', '10000', '--consumer.config', '{client}'],
        { client: clientProperties(creds) },
        { timeoutMs: 60_000 },
      ).then(
        (r) => ({ ok: true, out: r.stdout, err: r.stderr }),
        (e: Error) => ({ ok: false, out: '', err: e.message }),
      );

    it('let the right principal produce and consume (positive control)', async () => {
      const output = await consoleProduce(memberA, topicA, 'console-a-own');
      expect(output).not.toMatch(/Exception/);
      const read = await consoleConsume(memberA, topicA, `${groupA}-console-${hex()}`);
      expect(read.out).toContain('console-a-own');
    }, 120_000);

    it('refuse an anonymous producer and consumer', async () => {
      const output = await consoleProduce(undefined, topicA, 'console-anonymous');
      expect(output).toMatch(/TimeoutException|not present in metadata|disconnected|Authentication|exited with/i);
      const read = await consoleConsume(undefined, topicB, `${groupB}-console-${hex()}`);
      expect(read.out).not.toContain('b-private-1');
      const check = await consoleConsume(memberA, topicA, `${groupA}-console-${hex()}`);
      expect(check.out).toContain('console-a-own');
      expect(check.out).not.toContain('console-anonymous');
    }, 180_000);

    it("refuse member A producing to and consuming member B's topic", async () => {
      const output = await consoleProduce(memberA, topicB, 'console-a-into-b');
      // The exception, or the client's own line on the broker's TOPIC_AUTHORIZATION_FAILED answer.
      expect(output).toMatch(/TopicAuthorizationException|Not authorized to access topics|Topic authorization failed for topics \[datawell\.member\./);
      const read = await consoleConsume(memberA, topicB, `${groupA}-console-${hex()}`);
      expect(read.out).not.toContain('b-private-1');
      expect(read.err).toMatch(/TopicAuthorizationException|Not authorized to access topics/);
      const join = await consoleConsume(memberA, topicA, `${groupB}-console-${hex()}`);
      expect(join.err).toMatch(/GroupAuthorizationException|Not authorized to access group/);
      const own = await consoleConsume(memberB, topicB, `${groupB}-console-${hex()}`);
      // B's own message, as the broker holds it: sealed (the envelope's magic), never in the clear.
      expect(own.out).toContain('DWT1');
      expect(own.out).not.toContain('b-private-1');
      expect(own.out).not.toContain('console-a-into-b');
    }, 180_000);
  });
});
