import { createKafka, type KafkaClientOptions } from '@datawell/config';
import type { Kafka, Producer } from 'kafkajs';
import { rawPublicKey } from './keys';
import { sealReading, type Reading, type ReadingContext, type SealedReading } from './sealed-reading';

export interface ReadingsProducerOptions {
  /**
   * The Kafka client: options for libs/config's `createKafka` (brokers and the fleet principal's
   * SASL credentials), or a client already made through it (e.g. `connectionKafka`).
   */
  readonly kafka: KafkaClientOptions | Kafka;
  /** The node's readings public key: PEM, base64 of the raw 32 bytes, or the bytes. */
  readonly recipientPublicKey: string | Uint8Array;
  /** The dataset the readings are for: its owner (the DSP's MSP id), its name, and the topic. */
  readonly context: ReadingContext;
}

export interface ReadingsProducer {
  /** Seals every reading, then publishes them in one batch; resolves with the sealed events' ids. */
  publish(readings: readonly Reading[]): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A producer of sealed readings. Nothing of a reading is in the clear on Kafka: no message key (a
 * sensor id could be private), the CloudEvent carries only the encapsulated key and the ciphertext,
 * and the headers only the event's id and type.
 */
export async function openReadingsProducer(options: ReadingsProducerOptions): Promise<ReadingsProducer> {
  const key = rawPublicKey(options.recipientPublicKey);
  const kafka = 'producer' in options.kafka ? options.kafka : createKafka(options.kafka);
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    async publish(readings) {
      const sealed: SealedReading[] = [];
      for (const r of readings) sealed.push(await sealReading(key, r, options.context));
      await producer.send({
        topic: options.context.topic,
        messages: sealed.map((e) => ({ value: JSON.stringify(e), headers: { ce_id: e.id, ce_type: e.type } })),
      });
      return sealed.map((e) => e.id);
    },
    close: () => producer.disconnect(),
  };
}
