import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createKafka, readKafkaCredentialsFile } from '@datawell/config';
import { memberTopicPrefix, type DatasetSource } from '@datawell/contracts';
import { isSealedReading, readingsOpener, SealedReadingError, type ReadingsOpener } from '@datawell/iot';

/**
 * Reads the columns of a dataset this node's member owns, in this process only: a CSV file (header
 * row, comma-separated numbers), a JSON file (an array of objects), or a Kafka topic of readings sealed
 * to this node (libs/iot; plain readings on Kafka are refused). Errors name rows, columns and message
 * offsets, never values.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    readonly code: 'DATASET_UNKNOWN' | 'DATASET_INVALID',
    message: string,
  ) {
    super(message);
  }
}

function numeric(raw: unknown, row: number, column: string): number {
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(v)) throw new DatasetError('DATASET_INVALID', `row ${row}: column ${column} is not a number`);
  return v;
}

export function columnsFromRecords(records: readonly unknown[], columns: readonly string[]): number[][] {
  const out = columns.map(() => [] as number[]);
  records.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new DatasetError('DATASET_INVALID', `row ${i + 1} is not an object`);
    columns.forEach((c, k) => out[k]!.push(numeric((r as Record<string, unknown>)[c], i + 1, c)));
  });
  return out;
}

export function columnsFromCsv(text: string, columns: readonly string[]): number[][] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const at = columns.map((c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new DatasetError('DATASET_INVALID', `no column ${c} in the header`);
    return i;
  });
  const out = columns.map(() => [] as number[]);
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(',');
    at.forEach((i, k) => out[k]!.push(numeric(cells[i], r, columns[k]!)));
  }
  return out;
}

/** Where the node's Kafka datasets are, and the credentials file of the principal it reads them as. */
export interface DatasetKafka {
  readonly brokers: readonly string[];
  readonly credentialsFile?: string | undefined;
}

/** A message of a topic: where it is (`partition:offset`) and its value parsed as JSON (`json: false` when it is not). */
export interface TopicMessage {
  readonly at: string;
  readonly json: boolean;
  readonly value: unknown;
}

/** The member prefix (`datawell.member.<MSP>.`) a topic sits under, if any. */
export function memberPrefixOf(topic: string): string | undefined {
  const match = /^datawell\.member\.([A-Za-z0-9]+MSP)\./.exec(topic);
  return match ? memberTopicPrefix(match[1]!) : undefined;
}

async function readTopic(target: DatasetKafka, topic: string): Promise<TopicMessage[]> {
  const sasl = target.credentialsFile === undefined ? undefined : readKafkaCredentialsFile(target.credentialsFile);
  const kafka = createKafka({ clientId: 'mpc-node-dataset', brokers: target.brokers, ...(sasl ? { sasl } : {}) });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  const remaining = new Set(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => o.partition));
  const records: Array<{ p: number; o: bigint; json: boolean; v: unknown }> = [];
  if (remaining.size === 0) return [];
  // A throw-away group: the node only reads what is there now, and commits nothing that matters. On a
  // member's topic the group sits under the member's prefix too: the broker's ACLs give the member's
  // principal only its own groups (another group id is refused, which kafkajs reports as a timeout).
  const consumer = kafka.consumer({ groupId: `${memberPrefixOf(topic) ?? ''}mpc-node-dataset-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new DatasetError('DATASET_INVALID', `timed out reading topic ${topic}`)), 60_000);
      void consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            const offset = BigInt(message.offset);
            if (offset < ends.get(partition)!) {
              // Judged after the read (a throw here would only make kafkajs redeliver the message).
              try {
                records.push({ p: partition, o: offset, json: true, v: JSON.parse(String(message.value)) });
              } catch {
                records.push({ p: partition, o: offset, json: false, v: undefined });
              }
            }
            if (offset + 1n >= ends.get(partition)!) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              done();
            }
          },
        })
        .catch(fail);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  records.sort((a, b) => a.p - b.p || (a.o < b.o ? -1 : a.o > b.o ? 1 : 0));
  return records.map((r) => ({ at: `${r.p}:${r.o}`, json: r.json, value: r.v }));
}

/** Readings opened concurrently per batch: WebCrypto's X25519 and AES-GCM run off the main thread. */
const OPEN_BATCH = 256;

/**
 * The readings of a topic dataset: every message must be a reading sealed to this node for this
 * dataset's context (owner, name, topic), and is opened with the node's readings key. A reading
 * delivered twice (same event id: a producer's retry, or a replay) counts once.
 */
export async function openTopicReadings(name: string, source: { readonly topic: string; readonly owner: string; readonly keyPem: string }, messages: readonly TopicMessage[]): Promise<unknown[]> {
  const { topic, keyPem } = source;
  let opener: ReadingsOpener;
  try {
    opener = await readingsOpener(keyPem);
  } catch {
    throw new DatasetError('DATASET_INVALID', `dataset ${name}: the node's readings key is not an X25519 private key`);
  }
  const context = { owner: source.owner, dataset: name, topic };
  const open = async (m: TopicMessage) => {
    if (!m.json) throw new DatasetError('DATASET_INVALID', `message ${m.at} of ${topic} is not JSON`);
    if (!isSealedReading(m.value)) throw new DatasetError('DATASET_INVALID', `message ${m.at} of ${topic} is not a sealed reading: plain readings on Kafka are refused`);
    try {
      return await opener.open(m.value, context);
    } catch (error) {
      const code = error instanceof SealedReadingError ? error.code : 'OPEN_FAILED';
      throw new DatasetError('DATASET_INVALID', `message ${m.at} of ${topic} is a sealed reading the node cannot open for dataset ${name} (${code})`);
    }
  };
  const seen = new Set<string>();
  const readings: unknown[] = [];
  for (let i = 0; i < messages.length; i += OPEN_BATCH) {
    for (const { id, reading } of await Promise.all(messages.slice(i, i + OPEN_BATCH).map(open))) {
      if (seen.has(id)) continue;
      seen.add(id);
      readings.push(reading);
    }
  }
  return readings;
}

export async function loadColumns(
  datasets: Readonly<Record<string, DatasetSource>>,
  name: string,
  columns: readonly string[],
  kafka: DatasetKafka,
): Promise<number[][]> {
  const source = datasets[name];
  if (!source) throw new DatasetError('DATASET_UNKNOWN', `this node has no dataset ${name}`);
  if ('topic' in source) {
    const { topic, sealed } = source;
    if (!sealed) throw new DatasetError('DATASET_INVALID', `dataset ${name} reads Kafka topic ${topic} but the node has no readings key for it: plain readings on Kafka are refused`);
    const keyPem = await readFile(sealed.keyFile, 'utf8').catch(() => {
      throw new DatasetError('DATASET_INVALID', `dataset ${name}: the node's readings key cannot be read`);
    });
    return columnsFromRecords(await openTopicReadings(name, { topic, owner: sealed.owner, keyPem }, await readTopic(kafka, topic)), columns);
  }
  const text = await readFile(source.file, 'utf8').catch(() => {
    throw new DatasetError('DATASET_INVALID', `dataset ${name} cannot be read`);
  });
  if (source.file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new DatasetError('DATASET_INVALID', `dataset ${name} is not valid JSON`);
    }
    if (!Array.isArray(parsed)) throw new DatasetError('DATASET_INVALID', `dataset ${name} must be a JSON array of objects`);
    return columnsFromRecords(parsed, columns);
  }
  return columnsFromCsv(text, columns);
}
