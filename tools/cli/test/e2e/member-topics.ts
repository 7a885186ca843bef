import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createKafka, readKafkaCredentialsFile, readTrafficKeyFile } from '@datawell/config';
import { memberTopicPrefix } from '@datawell/contracts';
import { domainPaths, domainTrafficKeys, findDomain, kafkaBrokers } from '@datawell/stack';
import type { stackContext } from '../../src/context';

export type Envelope<T> = { data?: T };
export type LedgerEventData<P> = { channel?: string; eventName?: string; payload?: P };

/**
 * The first value of a member's sealed topic that `pick` accepts, read with the member's own Kafka
 * principal and traffic key, as its services read it (from the beginning, under a group of its own).
 */
export async function firstOnMemberTopic<T>(ctx: ReturnType<typeof stackContext>, mspId: string, topic: string, what: string, pick: (value: unknown) => T | undefined, timeoutMs: number): Promise<T> {
  const d = findDomain(ctx, mspId);
  const kafka = createKafka({
    clientId: 'e2e-member-topics',
    brokers: kafkaBrokers(ctx),
    sasl: readKafkaCredentialsFile(join(domainPaths(ctx.settings, d.name).secrets, 'kafka.json')),
    trafficKeys: [readTrafficKeyFile(domainTrafficKeys(ctx, d).current.file)],
  });
  const consumer = kafka.consumer({ groupId: `${memberTopicPrefix(mspId)}e2e-${randomBytes(4).toString('hex')}` });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing on ${topic} within ${timeoutMs / 1000} s`)), timeoutMs);
    void (async () => {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const found = pick(JSON.parse(String(message.value)));
          if (found === undefined) return;
          clearTimeout(timer);
          resolve(found);
        },
      });
    })().catch(reject);
  }).finally(() => consumer.disconnect());
}
