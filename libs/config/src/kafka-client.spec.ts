import { Kafka, type ConsumerConfig } from 'kafkajs';
import { consumerSession, createKafka } from './kafka-client';

/** The config each consumer the client makes hands to kafkajs (its Kafka.consumer, spied on). */
function consumerConfigs(sessionTimeoutMs: number | undefined, configs: ConsumerConfig[]): ConsumerConfig[] {
  const spy = jest.spyOn(Kafka.prototype, 'consumer');
  try {
    const kafka = createKafka({ clientId: 'spec', brokers: ['127.0.0.1:1'], ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }) });
    for (const c of configs) kafka.consumer(c);
    return spy.mock.calls.map(([c]) => c as ConsumerConfig);
  } finally {
    spy.mockRestore();
  }
}

describe('a client’s consumer session timeout', () => {
  it('is kafkajs’s own when the client sets none', () => {
    expect(consumerConfigs(undefined, [{ groupId: 'g' }])).toEqual([{ groupId: 'g' }]);
  });

  it('is the client’s for every consumer that sets none, with a heartbeat a third of it at most; a consumer’s own wins', () => {
    expect(consumerConfigs(6000, [{ groupId: 'a' }, { groupId: 'b', sessionTimeout: 60_000, rebalanceTimeout: 120_000 }])).toEqual([
      { groupId: 'a', sessionTimeout: 6000, heartbeatInterval: 2000 },
      { groupId: 'b', sessionTimeout: 60_000, rebalanceTimeout: 120_000 },
    ]);
  });

  it('keeps kafkajs’s 3 s heartbeat when that is under a third of the session', () => {
    expect(consumerSession(30_000)).toEqual({ sessionTimeout: 30_000, heartbeatInterval: 3000 });
    expect(consumerSession(7_500)).toEqual({ sessionTimeout: 7_500, heartbeatInterval: 2500 });
  });
});
