import { closeSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Client } from 'pg';
import { createKafka, type KafkaCredentials } from '@datawell/config';

/*
 * The no-plaintext scan of issue 12: a value planted in a data owner's dataset must appear nowhere
 * outside the data owner's own domain. It looks in every file under the folders it is given (the
 * operator's domain is the stack's folder: its logs, Kafka's log segments, PostgreSQL's data files,
 * the orderers' ledgers, which hold every block of every channel; other members' domains are folders
 * under it), every message of every Kafka topic (read raw, as the broker keeps it), every text-like
 * column of every table of every database it is given, and blocks fetched from the channels. Every
 * scanner is exercised by a control (the caller plants a value where each one must find it).
 */

/** A needle found at a place (a file path, topic@partition:offset, database.schema.table.column, channel#block). */
export interface Hit {
  readonly needle: string;
  readonly place: string;
}

/** The places where `needle` was found. */
export function placesOf(hits: readonly Hit[], needle: string): string[] {
  return hits.filter((h) => h.needle === needle).map((h) => h.place);
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Files under `roots` (recursively; symbolic links are not followed, folders in `skip` and everything
 * under them are left out) whose bytes hold any needle, read in chunks (a needle across a chunk
 * border is found: each chunk overlaps the previous by the longest needle). A file that vanishes
 * while it is read (a log rotated, a temporary file) is skipped. Resolves the paths and the number of
 * bytes read.
 */
export function scanFiles(roots: readonly string[], needles: readonly string[], skip: readonly string[] = []): { hits: Hit[]; bytes: number; files: number } {
  const wanted = needles.map((n) => Buffer.from(n, 'utf8'));
  const overlap = Math.max(0, ...wanted.map((w) => w.length)) - 1;
  const skipped = (path: string) => skip.some((s) => path === s || path.startsWith(`${s}${sep}`) || relative(s, path) === '');
  const hits: Hit[] = [];
  let bytes = 0;
  let files = 0;
  const buffer = Buffer.alloc(CHUNK + overlap);
  const visit = (path: string): void => {
    if (skipped(path)) return;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      let entries: string[] = [];
      try {
        entries = readdirSync(path);
      } catch {
        return;
      }
      for (const entry of entries) visit(join(path, entry));
      return;
    }
    if (!stat.isFile()) return;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    files++;
    try {
      let kept = 0;
      const found = new Set<number>();
      while (found.size < wanted.length) {
        const read = readSync(fd, buffer, kept, CHUNK, null);
        if (read === 0) break;
        bytes += read;
        const view = buffer.subarray(0, kept + read);
        wanted.forEach((w, i) => {
          if (!found.has(i) && view.includes(w)) found.add(i);
        });
        kept = Math.min(overlap, view.length);
        view.copy(buffer, 0, view.length - kept);
      }
      for (const i of [...found].sort()) hits.push({ needle: needles[i]!, place: path });
    } catch {
      // Gone or unreadable while read: nothing of it can be said.
    } finally {
      closeSync(fd);
    }
  };
  for (const root of roots) visit(root);
  return { hits, bytes, files };
}

/**
 * Every message of every topic of the broker (internal ones included), read raw from the beginning to
 * the end each partition had when the scan began, as the broker's superuser: keys, values and headers
 * searched for the needles. Resolves `topic@partition:offset` of each hit and the number of messages.
 */
export async function scanKafka(options: { brokers: readonly string[]; sasl?: KafkaCredentials }, needles: readonly string[]): Promise<{ hits: Hit[]; messages: number; topics: number }> {
  const kafka = createKafka({ clientId: `plaintext-scan-${process.pid}`, brokers: options.brokers, ...(options.sasl ? { sasl: options.sasl } : {}), rawValues: true });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, Map<number, bigint>>();
  try {
    for (const topic of await admin.listTopics()) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const open = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
      ends.set(topic, open);
    }
  } finally {
    await admin.disconnect();
  }
  const wanted = needles.map((n) => Buffer.from(n, 'utf8'));
  const hits: Hit[] = [];
  let messages = 0;
  const pending = [...ends].filter(([, partitions]) => partitions.size > 0);
  if (pending.length === 0) return { hits, messages, topics: ends.size };
  const consumer = kafka.consumer({ groupId: `plaintext-scan-${process.pid}-${Date.now()}`, readUncommitted: true });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: pending.map(([t]) => t), fromBeginning: true });
    let left = pending.reduce((n, [, p]) => n + p.size, 0);
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`the Kafka scan did not reach the end of ${left} partition(s) in 5 minutes`)), 5 * 60_000);
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            messages++;
            const headers = Object.values(message.headers ?? {}).flatMap((h) => (Array.isArray(h) ? h : [h])).map((h) => (typeof h === 'string' ? Buffer.from(h) : (h as Buffer | undefined)));
            const parts = [message.key, message.value, ...headers].filter((b): b is Buffer => b !== null && b !== undefined);
            wanted.forEach((w, i) => {
              if (parts.some((b) => b.includes(w))) hits.push({ needle: needles[i]!, place: `${topic}@${partition}:${message.offset}` });
            });
            const end = ends.get(topic)?.get(partition);
            if (end !== undefined && BigInt(message.offset) + 1n >= end) {
              ends.get(topic)!.delete(partition);
              if (--left === 0) {
                clearTimeout(timer);
                done();
              }
            }
          },
        })
        .catch(fail);
    });
  } finally {
    await consumer.disconnect();
  }
  return { hits, messages, topics: ends.size };
}

/**
 * Every text-like column (text, varchar, char, json, jsonb, bytea, arrays) of every base table of every
 * schema of every database of a PostgreSQL server, as a user that may read them (its superuser):
 * resolves `database.schema.table.column` of each column holding a needle.
 */
export async function scanPostgres(url: string, needles: readonly string[]): Promise<{ hits: Hit[]; columns: number; databases: string[] }> {
  const server = new Client({ connectionString: url });
  await server.connect();
  let databases: string[];
  try {
    databases = ((await server.query(`SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname`)).rows as Array<{ datname: string }>).map((r) => r.datname);
  } finally {
    await server.end();
  }
  const hits: Hit[] = [];
  let columns = 0;
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  for (const database of databases) {
    const target = new URL(url);
    target.pathname = `/${encodeURIComponent(database)}`;
    const db = new Client({ connectionString: target.toString() });
    await db.connect();
    try {
      const found = (
        await db.query(
          `SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
             JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.table_schema NOT LIKE 'pg_toast%'
              AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`,
        )
      ).rows as Array<{ table_schema: string; table_name: string; column_name: string; data_type: string }>;
      for (const c of found) {
        columns++;
        const column = q(c.column_name);
        // bytea compared as bytes (its text form escapes them); everything else as its text.
        const where = c.data_type === 'bytea' ? `position(convert_to($1, 'UTF8') in ${column}) > 0` : `strpos(${column}::text, $1) > 0`;
        for (const needle of needles) {
          // A table dropped by a test since the listing is simply gone.
          const rows = await db.query(`SELECT 1 FROM ${q(c.table_schema)}.${q(c.table_name)} WHERE ${where} LIMIT 1`, [needle]).catch(() => ({ rowCount: 0 }));
          if ((rows.rowCount ?? 0) > 0) hits.push({ needle, place: `${database}.${c.table_schema}.${c.table_name}.${c.column_name}` });
        }
      }
    } finally {
      await db.end();
    }
  }
  return { hits, columns, databases };
}

/** Blocks (raw protobuf) holding a needle: `channel#number` of each. */
export function scanBlocks(channel: string, blocks: readonly Buffer[], needles: readonly string[]): Hit[] {
  return blocks.flatMap((b, n) => needles.filter((needle) => b.includes(Buffer.from(needle, 'utf8'))).map((needle) => ({ needle, place: `${channel}#${n}` })));
}
