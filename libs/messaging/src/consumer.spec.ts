import type { Kafka } from 'kafkajs';
import { startTopicConsumer } from './consumer';

/** A kafkajs stand-in whose consumer connects and runs, and whose disconnect answers only when told. */
function kafkaWithStuckDisconnect() {
  let answer: (() => void) | undefined;
  const disconnected = new Promise<void>((resolve) => (answer = resolve));
  const consumer = {
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async () => undefined,
    disconnect: jest.fn(() => disconnected),
  };
  return { kafka: { consumer: () => consumer } as unknown as Kafka, consumer, answer: () => answer!() };
}

function logger() {
  return { log: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
}

describe('startTopicConsumer stop', () => {
  it('returns after stopTimeoutMs when the consumer does not leave its group, and says so', async () => {
    const stub = kafkaWithStuckDisconnect();
    const log = logger();
    const c = startTopicConsumer({ kafka: stub.kafka, groupId: 'g1', topics: ['t'], logger: log, handle: async () => undefined, name: 'events', stopTimeoutMs: 200 });
    await new Promise((r) => setTimeout(r, 20));
    const began = Date.now();
    await c.stop();
    expect(Date.now() - began).toBeGreaterThanOrEqual(150);
    expect(stub.consumer.disconnect).toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ message: 'events did not leave its group in time; stopping without it', groupId: 'g1' }));
    stub.answer();
  });

  it('returns as soon as the consumer has left, without a warning', async () => {
    const stub = kafkaWithStuckDisconnect();
    const log = logger();
    const c = startTopicConsumer({ kafka: stub.kafka, groupId: 'g2', topics: ['t'], logger: log, handle: async () => undefined, stopTimeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 20));
    stub.answer();
    const began = Date.now();
    await c.stop();
    expect(Date.now() - began).toBeLessThan(1000);
    expect(log.warn).not.toHaveBeenCalled();
  });
});
