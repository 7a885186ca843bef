import { checkRedis, closeRedis, createRedis } from './redis';

describe('checkRedis', () => {
  it('answers with the PING reply when connected', async () => {
    await expect(checkRedis({ status: 'ready', ping: async () => 'PONG' })).resolves.toEqual({ pong: 'PONG' });
  });

  it('fails at once when the client is not connected, without queueing a command', async () => {
    const ping = jest.fn(async () => 'PONG');
    await expect(checkRedis({ status: 'reconnecting', ping })).rejects.toThrow('redis not connected (client reconnecting)');
    expect(ping).not.toHaveBeenCalled();
  });

  it('fails when Redis does not answer in time', async () => {
    await expect(checkRedis({ status: 'ready', ping: () => new Promise(() => undefined) }, 20)).rejects.toThrow(
      'redis PING timed out after 20ms',
    );
  });
});

describe('createRedis', () => {
  it('does not connect on construction and logs each distinct error once', async () => {
    const warn = jest.fn();
    const redis = createRedis({
      url: 'redis://127.0.0.1:1',
      connectionName: 'datawell-test',
      logger: { warn, error: jest.fn(), log: jest.fn(), debug: jest.fn() },
    });
    expect(redis.status).toBe('wait');
    expect(redis.options.maxRetriesPerRequest).toBeNull();
    redis.emit('error', new Error('ECONNREFUSED'));
    redis.emit('error', new Error('ECONNREFUSED'));
    redis.emit('error', new Error('ETIMEDOUT'));
    expect(warn.mock.calls.map(([m]) => (m as { error: string }).error)).toEqual(['ECONNREFUSED', 'ETIMEDOUT']);
    await closeRedis(redis);
    expect(redis.status).toBe('end');
  });
});
