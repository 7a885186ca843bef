import { logLevel } from 'kafkajs';
import { checkKafka, kafkaLogCreator, type KafkaAdminLike } from './kafka';

function stubAdmin(overrides: Partial<KafkaAdminLike> = {}) {
  const calls: string[] = [];
  const admin: KafkaAdminLike = {
    connect: async () => void calls.push('connect'),
    describeCluster: async () => {
      calls.push('describe');
      return { clusterId: 'c1', controller: 1, brokers: [{ nodeId: 1 }] };
    },
    disconnect: async () => void calls.push('disconnect'),
    ...overrides,
  };
  return { calls, kafka: { admin: () => admin } };
}

describe('checkKafka', () => {
  it('describes the cluster through an admin client, then disconnects', async () => {
    const { kafka, calls } = stubAdmin();
    await expect(checkKafka(kafka)).resolves.toEqual({ clusterId: 'c1', brokers: 1, controller: 1 });
    expect(calls).toEqual(['connect', 'describe', 'disconnect']);
  });

  it('fails when the admin cannot connect, and still disconnects', async () => {
    const { kafka, calls } = stubAdmin({ connect: async () => Promise.reject(new Error('ECONNREFUSED')) });
    await expect(checkKafka(kafka)).rejects.toThrow('ECONNREFUSED');
    expect(calls).toEqual(['disconnect']);
  });

  it('fails on a cluster without brokers', async () => {
    const { kafka } = stubAdmin({ describeCluster: async () => ({ clusterId: 'c', controller: null, brokers: [] }) });
    await expect(checkKafka(kafka)).rejects.toThrow('no brokers');
  });

  it('fails when the cluster does not answer in time', async () => {
    const { kafka } = stubAdmin({ describeCluster: () => new Promise(() => undefined) });
    await expect(checkKafka(kafka, 20)).rejects.toThrow('kafka describeCluster timed out after 20ms');
  });
});

describe('kafkaLogCreator', () => {
  it('routes kafkajs levels to the logger with structured fields', () => {
    const seen: Array<[string, unknown]> = [];
    const logger = {
      error: (m: unknown) => void seen.push(['error', m]),
      warn: (m: unknown) => void seen.push(['warn', m]),
      log: (m: unknown) => void seen.push(['log', m]),
      debug: (m: unknown) => void seen.push(['debug', m]),
    };
    const log = kafkaLogCreator(logger)(logLevel.INFO);
    const entry = (level: logLevel) => ({
      namespace: 'Connection',
      level,
      label: 'X',
      log: { timestamp: 't', message: 'm', broker: 'b:1' },
    });
    log(entry(logLevel.ERROR));
    log(entry(logLevel.WARN));
    log(entry(logLevel.INFO));
    log(entry(logLevel.DEBUG));
    expect(seen.map(([level]) => level)).toEqual(['error', 'warn', 'log', 'debug']);
    expect(seen[0]?.[1]).toEqual({ message: 'm', namespace: 'Connection', broker: 'b:1' });
  });
});

describe('kafkajs request queue (fixKafkaRequestQueue, applied on import)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the class the fix patches
  const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
    pending: unknown[];
    throttledUntil: number;
    throttleCheckTimeoutId: NodeJS.Timeout | null;
    checkPendingRequests(): void;
    canSendSocketRequestImmediately(): boolean;
  };
  const logger = { debug: () => undefined, warn: () => undefined, error: () => undefined, info: () => undefined };
  const queue = () => new RequestQueue({ maxInFlightRequests: null, requestTimeout: 1000, enforceRequestTimeout: true, clientId: 'spec', broker: 'b:1', logger });

  it('arms no timer while nothing waits (unpatched kafkajs re-arms a 1 ms timer for ever)', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks a waiting request when the throttle ends', () => {
    const q = queue();
    q.throttledUntil = Date.now() + 60_000;
    q.pending.push({});
    q.checkPendingRequests();
    expect(q.pending).toHaveLength(1);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    clearTimeout(q.throttleCheckTimeoutId!);
  });
});
