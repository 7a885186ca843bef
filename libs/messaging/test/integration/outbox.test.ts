import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createTopicsLed } from '@datawell/stack';
import { stackConnection, stackKafka } from '@datawell/testing';
import { CreateOutboxAndInbox, createOutboxRelay, processOnce, writeOutbox } from '../../src';

class CreateOutboxInboxTest1763800000000 extends CreateOutboxAndInbox {}

jest.setTimeout(120_000);

const schema = `dw_it_outbox_${randomBytes(4).toString('hex')}`;
const topic = `it.outbox.${randomBytes(4).toString('hex')}`;

async function consume(kafka: Kafka, count: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `it-${randomBytes(4).toString('hex')}` });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} messages`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message);
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  // Linger so a duplicate, if any, would arrive too.
  await new Promise((r) => setTimeout(r, 1500));
  await consumer.disconnect();
  return seen;
}

describe('transactional outbox and inbox against PostgreSQL and Kafka', () => {
  let dataSource: DataSource;
  let kafka: Kafka;

  beforeAll(async () => {
    const connection = stackConnection();
    dataSource = new DataSource({
      type: 'postgres',
      url: connection.postgres.url,
      schema,
      migrations: [CreateOutboxInboxTest1763800000000],
      migrationsTableName: 'migrations',
    });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    await dataSource.runMigrations();
    kafka = stackKafka('it-outbox');
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsLed(admin, [topic]);
    await admin.disconnect();
  });

  afterAll(async () => {
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  it('writes nothing when the transaction rolls back, and each id once', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await writeOutbox(manager, schema, [{ id: 'rolled-back', topic, key: null, payload: {} }]);
        throw new Error('state write failed');
      }),
    ).rejects.toThrow('state write failed');
    const written = await dataSource.transaction((manager) =>
      writeOutbox(manager, schema, [
        { id: 'm1', topic, key: 'k', payload: { n: 1 } },
        { id: 'm1', topic, key: 'k', payload: { n: 1 } },
      ]),
    );
    expect(written).toEqual(['m1']);
    const rows = await dataSource.query(`SELECT id FROM "${schema}".outbox ORDER BY seq`);
    expect(rows).toEqual([{ id: 'm1' }]);
  });

  it('publishes unpublished rows in order, once, with the id as a header, and marks them published', async () => {
    await dataSource.transaction((manager) =>
      writeOutbox(
        manager,
        schema,
        [2, 3, 4, 5].map((n) => ({ id: `m${n}`, topic, key: n % 2 ? 'odd' : 'even', payload: { n }, headers: { 'x-n': String(n) } })),
      ),
    );
    const relay = createOutboxRelay({ dataSource, schema, kafka, batchSize: 3 });
    try {
      expect(await relay.publishBatch()).toBe(3);
      expect(await relay.publishBatch()).toBe(2);
      expect(await relay.publishBatch()).toBe(0);
    } finally {
      await relay.stop();
    }
    const messages = await consume(kafka, 5);
    expect(messages.map((m) => JSON.parse(String(m.value)).n)).toEqual([1, 2, 3, 4, 5]);
    expect(messages.map((m) => String(m.headers?.['ce_id']))).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(String(messages[1]?.headers?.['x-n'])).toBe('2');
    expect(String(messages[1]?.key)).toBe('even');
    const unpublished = await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE published_at IS NULL`);
    expect(unpublished).toEqual([{ n: 0 }]);
  });

  it('the running relay publishes a row soon after it is written', async () => {
    const relay = createOutboxRelay({ dataSource, schema, kafka, pollIntervalMs: 100 });
    relay.start();
    try {
      await dataSource.transaction((manager) => writeOutbox(manager, schema, [{ id: 'm6', topic, key: null, payload: { n: 6 } }]));
      relay.notify();
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [row] = await dataSource.query(`SELECT published_at FROM "${schema}".outbox WHERE id = 'm6'`);
        if (row.published_at !== null) break;
        if (Date.now() > deadline) throw new Error('m6 was not published');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await relay.stop();
    }
  });

  it('wakes on the NOTIFY of a committed write while its poll interval is long, also after its listening connection was cut', async () => {
    // A minute between polls: only the NOTIFY path can publish within seconds.
    const relay = createOutboxRelay({ dataSource, schema, kafka, pollIntervalMs: 60_000 });
    const publishedWithin = async (id: string, ms: number): Promise<number> => {
      const started = Date.now();
      for (;;) {
        const [row] = await dataSource.query(`SELECT published_at FROM "${schema}".outbox WHERE id = $1`, [id]);
        if (row.published_at !== null) return Date.now() - started;
        if (Date.now() - started > ms) throw new Error(`${id} was not published within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const write = (id: string) => dataSource.transaction((manager) => writeOutbox(manager, schema, [{ id, topic, key: null, payload: { id } }]));
    relay.start();
    try {
      // The first round runs at start; once it found nothing the relay sleeps for a minute.
      await new Promise((r) => setTimeout(r, 1500));
      await write('n1');
      expect(await publishedWithin('n1', 5000)).toBeLessThan(5000);
      await new Promise((r) => setTimeout(r, 500));
      await write('n2');
      expect(await publishedWithin('n2', 5000)).toBeLessThan(5000);
      // A rolled-back write notifies nobody and publishes nothing.
      await expect(dataSource.transaction(async (manager) => {
        await writeOutbox(manager, schema, [{ id: 'n-rolled-back', topic, key: null, payload: {} }]);
        throw new Error('rolled back');
      })).rejects.toThrow('rolled back');

      const channel = `datawell_outbox_${schema}`;
      const cut = (await dataSource.query(`SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${channel}"`])) as Array<{ cut: boolean }>;
      expect(cut).toEqual([{ cut: true }]);
      // The relay reconnects and LISTENs again; a write after that is published within seconds too.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const listening = (await dataSource.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${channel}"`])) as [{ n: number }];
        if (listening[0].n === 1) break;
        if (Date.now() > deadline) throw new Error('the relay did not LISTEN again');
        await new Promise((r) => setTimeout(r, 100));
      }
      await write('n3');
      expect(await publishedWithin('n3', 5000)).toBeLessThan(5000);
    } finally {
      await relay.stop();
    }
    const rows = (await dataSource.query(`SELECT id FROM "${schema}".outbox WHERE id LIKE 'n%' ORDER BY seq`)) as Array<{ id: string }>;
    expect(rows.map((r) => r.id)).toEqual(['n1', 'n2', 'n3']);
  });

  it('runs an inbox effect once per event id, also under concurrent redelivery, and not when it failed', async () => {
    let effects = 0;
    const effect = async (manager: import('typeorm').EntityManager) => {
      await manager.query('SELECT pg_sleep(0.2)');
      effects += 1;
    };
    const results = await Promise.all([1, 2, 3].map(() => processOnce(dataSource, schema, 'it-consumer', 'e1', effect)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(effects).toBe(1);
    await expect(processOnce(dataSource, schema, 'it-consumer', 'e1', effect)).resolves.toBe(false);
    // Another consumer has its own record of the same id.
    await expect(processOnce(dataSource, schema, 'other-consumer', 'e1', effect)).resolves.toBe(true);

    await expect(
      processOnce(dataSource, schema, 'it-consumer', 'e2', async () => {
        throw new Error('effect failed');
      }),
    ).rejects.toThrow('effect failed');
    await expect(processOnce(dataSource, schema, 'it-consumer', 'e2', effect)).resolves.toBe(true);
    expect(effects).toBe(3);
  });

  it('gives exactly-once effects when a crash loses the published mark: same ids resent, the inbox drops them', async () => {
    const crashTopic = `it.outbox.crash.${randomBytes(4).toString('hex')}`;
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsLed(admin, [crashTopic]);
    await admin.disconnect();
    const ids = ['c1', 'c2', 'c3'];
    await dataSource.transaction((manager) => writeOutbox(manager, schema, ids.map((id, n) => ({ id, topic: crashTopic, key: null, payload: { n } }))));
    const relay = createOutboxRelay({ dataSource, schema, kafka });
    try {
      expect(await relay.publishBatch()).toBe(3);
      // The relay died after Kafka acknowledged and before its UPDATE committed.
      await dataSource.query(`UPDATE "${schema}".outbox SET published_at = NULL WHERE id = ANY($1)`, [ids]);
      expect(await relay.publishBatch()).toBe(3);
    } finally {
      await relay.stop();
    }

    const consumer = kafka.consumer({ groupId: `it-${randomBytes(4).toString('hex')}` });
    const applied: string[] = [];
    let delivered = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: crashTopic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const id = String(message.headers?.['ce_id']);
          delivered += 1;
          await processOnce(dataSource, schema, 'it-crash-consumer', id, async (manager) => {
            await manager.query('SELECT 1');
            applied.push(id);
          });
          if (delivered === 6) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(delivered).toBe(6);
    expect(applied).toEqual(ids);
  });

  it('does not send again what Kafka acknowledged when only the published mark failed (the process lives on)', async () => {
    const topic = `it.outbox.mark.${randomBytes(4).toString('hex')}`;
    const admin = kafka.admin();
    await admin.connect();
    await createTopicsLed(admin, [topic]);
    await admin.disconnect();
    const ids = ['mark-1', 'mark-2', 'mark-3'];
    await dataSource.transaction((manager) => writeOutbox(manager, schema, ids.map((id, n) => ({ id, topic, key: null, payload: { n } }))));
    // PostgreSQL refuses the published mark once, after Kafka acknowledged the send.
    await dataSource.query(`CREATE FUNCTION "${schema}".refuse_mark() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'mark refused'; END $$`);
    await dataSource.query(`CREATE TRIGGER refuse_mark BEFORE UPDATE ON "${schema}".outbox FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_mark()`);
    const relay = createOutboxRelay({ dataSource, schema, kafka });
    try {
      await expect(relay.publishBatch()).rejects.toThrow(/mark refused/);
      await dataSource.query(`DROP TRIGGER refuse_mark ON "${schema}".outbox`);
      expect(await relay.publishBatch()).toBe(3);
      expect(await relay.publishBatch()).toBe(0);
    } finally {
      await relay.stop();
      await dataSource.query(`DROP TRIGGER IF EXISTS refuse_mark ON "${schema}".outbox`);
      await dataSource.query(`DROP FUNCTION IF EXISTS "${schema}".refuse_mark()`);
    }
    const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outbox WHERE id = ANY($1) AND published_at IS NOT NULL`, [ids])) as [{ n: number }];
    expect(n).toBe(3);
    const offsets = await (async () => {
      const a = kafka.admin();
      await a.connect();
      try {
        return await a.fetchTopicOffsets(topic);
      } finally {
        await a.disconnect();
      }
    })();
    // Exactly the three rows on the topic: sent once.
    expect(offsets.map((o) => Number(o.high) - Number(o.low))).toEqual([3]);
  });
});
