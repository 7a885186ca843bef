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
    on: () => undefined,
    events: { CRASH: 'consumer.crash' },
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

describe('startTopicConsumer after a crash', () => {
  /** Consumers that connect and run; each keeps its CRASH listener, so a test can crash it. */
  function crashingKafka() {
    const crashes: Array<(event: { payload: { error: Error; restart: boolean } }) => void> = [];
    const made = jest.fn(() => ({
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async () => undefined,
      disconnect: async () => undefined,
      on: (_name: string, listener: (typeof crashes)[number]) => void crashes.push(listener),
      events: { CRASH: 'consumer.crash' },
    }));
    return { kafka: { consumer: made } as unknown as Kafka, made, crash: (restart: boolean) => crashes[crashes.length - 1]!({ payload: { error: new Error('SASL SCRAM SHA512 authentication failed: Closed connection'), restart } }) };
  }
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('starts a new consumer when kafkajs will not restart the crashed one, and says so', async () => {
    const stub = crashingKafka();
    const log = logger();
    const c = startTopicConsumer({ kafka: stub.kafka, groupId: 'g3', topics: ['t'], logger: log, handle: async () => undefined, name: 'directory' });
    await settle();
    expect(stub.made).toHaveBeenCalledTimes(1);
    stub.crash(false);
    await new Promise((r) => setTimeout(r, 700)); // the first backoff is 500 ms
    expect(stub.made).toHaveBeenCalledTimes(2);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ message: 'directory stopped and is not restarted by kafkajs; starting it again', groupId: 'g3', error: expect.stringContaining('SASL') }));
    await c.stop();
  });

  it('leaves a crash kafkajs restarts itself to kafkajs', async () => {
    const stub = crashingKafka();
    const log = logger();
    const c = startTopicConsumer({ kafka: stub.kafka, groupId: 'g4', topics: ['t'], logger: log, handle: async () => undefined });
    await settle();
    stub.crash(true);
    await new Promise((r) => setTimeout(r, 700));
    expect(stub.made).toHaveBeenCalledTimes(1);
    expect(log.warn).not.toHaveBeenCalled();
    await c.stop();
  });
});
