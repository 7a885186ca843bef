import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createKafka, readKafkaCredentialsFile } from '@datawell/config';
import type { DatasetSource } from '@datawell/contracts';

/**
 * Reads the columns of a dataset this node's member owns, in this process only: a CSV file (header
 * row, comma-separated numbers), a JSON file (an array of objects), or a Kafka topic of readings
 * (JSON objects, or CloudEvents whose `data` is one). Errors name rows and columns, never values.
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

async function readTopic(target: DatasetKafka, topic: string): Promise<unknown[]> {
  const sasl = target.credentialsFile === undefined ? undefined : readKafkaCredentialsFile(target.credentialsFile);
  const kafka = createKafka({ clientId: 'mpc-node-dataset', brokers: target.brokers, ...(sasl ? { sasl } : {}) });
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  const remaining = new Set(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => o.partition));
  const records: Array<{ p: number; o: bigint; v: unknown }> = [];
  if (remaining.size === 0) return [];
  // A throw-away group: the node only reads what is there now, and commits nothing that matters.
  const consumer = kafka.consumer({ groupId: `mpc-node-dataset-${randomBytes(6).toString('hex')}` });
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
              let value: unknown;
              try {
                value = JSON.parse(String(message.value));
              } catch {
                throw new DatasetError('DATASET_INVALID', `message ${partition}:${offset} of ${topic} is not JSON`);
              }
              const data = value && typeof value === 'object' && 'specversion' in value ? (value as { data?: unknown }).data : value;
              records.push({ p: partition, o: offset, v: data });
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
  return records.map((r) => r.v);
}

export async function loadColumns(
  datasets: Readonly<Record<string, DatasetSource>>,
  name: string,
  columns: readonly string[],
  kafka: DatasetKafka,
): Promise<number[][]> {
  const source = datasets[name];
  if (!source) throw new DatasetError('DATASET_UNKNOWN', `this node has no dataset ${name}`);
  if ('topic' in source) return columnsFromRecords(await readTopic(kafka, source.topic), columns);
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
