import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, type KafkaCredentials } from '@datawell/config';
import { memberTopicPrefix } from '@datawell/contracts';
import { generateReadingsKeyPair, openReadingsProducer, sealReading } from '@datawell/iot';
import { ADMIN_PRINCIPAL, createTopicsLed, ensureFleetPrincipal, ensureMemberPrincipal, kafkaSaslEnabled, memberPrincipal, principalFile, readingsTopic, readKafkaPrincipal, type StackContext } from '@datawell/stack';
import { stackConnection, testStackContext } from '@datawell/testing';
import type { Kafka } from 'kafkajs';
import { loadColumns } from '../../src/dataset.adapter';

/**
 * IoT readings sealed to the DSP's node on the real broker: a fleet publishes them with the producer
 * library, and afterwards the raw bytes of every message of every Kafka topic (read as the broker's
 * admin principal, which every ACL allows) hold none of the planted values — while a plaintext plant
 * on a scratch topic is found by the same scan. The node's dataset adapter reads the sealed topic as
 * the DSP's principal and gets the readings back; plain or replayed readings are refused. (On a stack
 * whose broker predates SASL every client is anonymous and may read everything: the scan is the same.)
 */
jest.setTimeout(300_000);

const hex = () => randomBytes(4).toString('hex');

/** `rawValues`: the scan reads what the broker holds, members' traffic-sealed topics unopened (libs/config). */
function client(sasl: KafkaCredentials | undefined, options: { rawValues?: boolean } = {}): Kafka {
  return createKafka({ clientId: `it-iot-${hex()}`, brokers: stackConnection().kafka.brokers, ...(sasl ? { sasl } : {}), ...options });
}

/** Every message of every topic (internal ones too), up to the ends they had when the scan began; hits by topic. */
async function scanEveryTopic(kafka: Kafka, needles: readonly string[]): Promise<{ hits: string[]; messagesByTopic: Map<string, number> }> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of await admin.listTopics()) {
      for (const o of await admin.fetchTopicOffsets(topic)) if (BigInt(o.high) > BigInt(o.low)) ends.set(`${topic}:${o.partition}`, BigInt(o.high));
    }
  } finally {
    await admin.disconnect();
  }
  const topics = [...new Set([...ends.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))];
  const bytes = needles.map((n) => Buffer.from(n));
  const hits: string[] = [];
  const messagesByTopic = new Map<string, number>();
  const pending = new Set(ends.keys());
  if (pending.size === 0) return { hits, messagesByTopic };
  const consumer = kafka.consumer({ groupId: `it-iot-scan-${hex()}`, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; still to read: ${[...pending].slice(0, 5).join(', ')}`)), 240_000);
      consumer.on(consumer.events.CRASH, (e) => (clearTimeout(timer), reject(e.payload.error)));
      void consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const end = ends.get(`${topic}:${partition}`);
            if (end === undefined) return;
            const offset = BigInt(message.offset);
            if (offset < end) {
              messagesByTopic.set(topic, (messagesByTopic.get(topic) ?? 0) + 1);
              // The raw bytes as stored: key, value and every header value, nothing decoded first.
              const raw = [message.key, message.value, ...Object.values(message.headers ?? {}).flat()].filter((b): b is Buffer => Buffer.isBuffer(b));
              if (raw.some((b) => bytes.some((n) => b.includes(n)))) hits.push(`${topic}:${partition}@${offset}`);
            }
            if (offset + 1n >= end) pending.delete(`${topic}:${partition}`);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { hits, messagesByTopic };
}

describe('IoT readings sealed to the DSP node on Kafka', () => {
  const dsp = `Iot${hex()}MSP`;
  const topic = readingsTopic(dsp);
  const otherTopic = `${memberTopicPrefix(dsp)}other-readings.v1`;
  const plainTopic = `${memberTopicPrefix(dsp)}plain-readings.v1`;
  const node = generateReadingsKeyPair();
  const dir = mkdtempSync(join(tmpdir(), 'it-iot-'));
  const keyFile = join(dir, 'readings.key');
  // Planted values: distinctive decimals no other test writes, and a sensor id.
  const MARKERS = [`${7000 + Math.floor(Math.random() * 999)}.${hex().replace(/[a-f]/g, '7')}31`, `${8000 + Math.floor(Math.random() * 999)}.${hex().replace(/[a-f]/g, '3')}17`];
  const SENSOR = `sensor-${hex()}`;
  const values = Array.from({ length: 40 }, (_, i) => (i === 7 ? Number(MARKERS[0]) : i === 23 ? Number(MARKERS[1]) : 10 + (i % 9) * 1.5));
  let ctx: StackContext;
  let member: KafkaCredentials | undefined;
  let fleet: KafkaCredentials | undefined;
  let admin: KafkaCredentials | undefined;
  let memberCredentialsFile: string | undefined;

  beforeAll(async () => {
    ctx = testStackContext();
    writeFileSync(keyFile, node.privateKeyPem, { mode: 0o600 });
    if (kafkaSaslEnabled(ctx)) {
      member = await ensureMemberPrincipal(ctx, dsp);
      fleet = await ensureFleetPrincipal(ctx, dsp, 'sensors');
      admin = readKafkaPrincipal(ctx, ADMIN_PRINCIPAL);
      memberCredentialsFile = principalFile(ctx, memberPrincipal(dsp));
    }
    const topics = client(member).admin();
    await topics.connect();
    await createTopicsLed(topics, [topic, otherTopic, plainTopic].map((t) => ({ topic: t, numPartitions: 2 }))).finally(() => topics.disconnect());
    // The fleet publishes through the library, with its own principal (write to the readings topic only).
    const producer = await openReadingsProducer({
      kafka: { clientId: 'it-iot-fleet', brokers: stackConnection().kafka.brokers, ...(fleet ? { sasl: fleet } : {}) },
      recipientPublicKey: node.publicKeyPem,
      context: { owner: dsp, dataset: 'readings', topic },
    });
    try {
      expect(await producer.publish(values.map((pm25, i) => ({ sensor: i % 2 ? SENSOR : `${SENSOR}-b`, pm25 })))).toHaveLength(values.length);
    } finally {
      await producer.close();
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves no planted value in the raw bytes of any message of any topic, and the same scan finds a plaintext plant', async () => {
    const CONTROL = `${9000 + Math.floor(Math.random() * 999)}.${hex().replace(/[a-f]/g, '9')}53`;
    const scratch = `it-iot-control-${hex()}`;
    const kafka = client(admin, { rawValues: true });
    const a = kafka.admin();
    await a.connect();
    await createTopicsLed(a, [scratch]).finally(() => a.disconnect());
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: scratch, messages: [{ value: JSON.stringify({ sensor: 'control', pm25: Number(CONTROL) }) }] });
    await producer.disconnect();

    const { hits, messagesByTopic } = await scanEveryTopic(kafka, [...MARKERS, SENSOR, CONTROL]);
    // The scan read the sealed readings themselves, and found the plaintext plant and only it.
    expect(messagesByTopic.get(topic)).toBe(values.length);
    expect(hits).toEqual([`${scratch}:0@0`]);
  });

  it("gives the node's dataset adapter the readings back, read as the DSP's principal", async () => {
    const kafka = { brokers: stackConnection().kafka.brokers, credentialsFile: memberCredentialsFile };
    const [pm25] = await loadColumns({ readings: { topic, sealed: { keyFile, owner: dsp } } }, 'readings', ['pm25'], kafka);
    // Two partitions: the order is by partition, the set and the mean are the readings'.
    expect([...pm25!].sort((x, y) => x - y)).toEqual([...values].sort((x, y) => x - y));
    const mean = pm25!.reduce((s, v) => s + v, 0) / pm25!.length;
    expect(mean).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 9);
  });

  it('refuses plain readings on a topic and readings replayed onto another dataset, naming the offset only', async () => {
    const kafka = client(member);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: plainTopic, messages: [{ value: JSON.stringify({ pm25: Number(MARKERS[0]) }) }], acks: -1 });
      // A sealed reading of dataset `readings`, copied onto the topic of another dataset.
      const sealed = await sealReading(node.publicKeyPem, { pm25: Number(MARKERS[1]) }, { owner: dsp, dataset: 'readings', topic });
      await producer.send({ topic: otherTopic, messages: [{ value: JSON.stringify(sealed) }], acks: -1 });
    } finally {
      await producer.disconnect();
    }
    const target = { brokers: stackConnection().kafka.brokers, credentialsFile: memberCredentialsFile };
    const datasets = {
      plain: { topic: plainTopic, sealed: { keyFile, owner: dsp } },
      other: { topic: otherTopic, sealed: { keyFile, owner: dsp } },
      unkeyed: { topic },
    };
    const refusal = (name: string) => loadColumns(datasets, name, ['pm25'], target).then(() => undefined, (e: Error & { code?: string }) => e);
    const plain = await refusal('plain');
    expect(plain).toMatchObject({ code: 'DATASET_INVALID', message: expect.stringMatching(new RegExp(`^message \\d:0 of ${plainTopic.replace(/\./g, '\\.')} is not a sealed reading`)) });
    const replayed = await refusal('other');
    expect(replayed).toMatchObject({ code: 'DATASET_INVALID', message: expect.stringMatching(/is a sealed reading the node cannot open for dataset other \(OPEN_FAILED\)$/) });
    expect(await refusal('unkeyed')).toMatchObject({ code: 'DATASET_INVALID', message: expect.stringMatching(/plain readings on Kafka are refused/) });
    for (const e of [plain, replayed]) for (const m of MARKERS) expect(e!.message).not.toContain(m);
  });
});
