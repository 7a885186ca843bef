import { spawnSync } from 'node:child_process';
import { bullConnection, checkRedis, closeRedis, createRedis } from './redis';

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

describe('bullConnection and quietAfterClose', () => {
  // A queue and a worker closed while their clients' starts are still pending (their first attempts
  // failed, later ones are in flight), in a process of their own that counts unhandled rejections:
  // jest would take one as this test's own failure. The stand-in for Redis is a TCP server that resets
  // the connections of its first 300 ms and holds later ones open without answering.
  const SCENARIO = `
    const { createServer } = require('node:net');
    const { Queue, Worker } = require('bullmq');
    const { bullConnection, quietAfterClose } = require(process.argv[1]);
    const quiet = process.argv[2] === 'quiet' ? quietAfterClose : (x) => x;
    let unhandled = 0;
    process.on('unhandledRejection', () => { unhandled += 1; });
    (async () => {
      const held = [];
      let resetting = true;
      const server = createServer((s) => (resetting ? s.resetAndDestroy() : held.push(s)));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const url = 'redis://127.0.0.1:' + server.address().port;
      let heard = 0;
      const queue = quiet(new Queue('q', { connection: bullConnection(url) }));
      queue.on('error', () => { heard += 1; });
      const worker = quiet(new Worker('q', async () => undefined, { connection: bullConnection(url), autorun: false }));
      worker.on('error', () => { heard += 1; });
      await new Promise((r) => setTimeout(r, 300));
      resetting = false;
      // The queue's client, the worker's and its blocking one: each with an attempt in flight.
      for (const deadline = Date.now() + 10000; held.length < 3 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      const inFlight = held.length;
      const heardBeforeClose = heard;
      await worker.close();
      await queue.close();
      // Redis's end of the attempts in flight closes too: their starts end now.
      for (const s of held) s.destroy();
      server.close();
      await new Promise((r) => setTimeout(r, 500));
      process.stdout.write(JSON.stringify({ inFlight, heardBeforeClose: heardBeforeClose > 0, unhandled }));
      process.exit(0);
    })();
  `;
  const run = (mode: 'quiet' | 'as BullMQ leaves them') => {
    const child = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', SCENARIO, require.resolve('./redis'), mode], { encoding: 'utf8', timeout: 60_000 });
    if (child.status !== 0) throw new Error(`the scenario exited ${child.status}: ${child.stderr}`);
    return JSON.parse(child.stdout) as { inFlight: number; heardBeforeClose: boolean; unhandled: number };
  };

  it('leave no unhandled rejection when a queue and a worker close while Redis cannot be reached, and errors before are heard (control: BullMQ alone leaves some)', () => {
    const control = run('as BullMQ leaves them');
    expect(control).toMatchObject({ inFlight: 3, heardBeforeClose: true });
    expect(control.unhandled).toBeGreaterThan(0);
    expect(run('quiet')).toEqual({ inFlight: 3, heardBeforeClose: true, unhandled: 0 });
  }, 120_000);

  it("retry as the services' own clients do", () => {
    expect(bullConnection('redis://h:1')).toMatchObject({ url: 'redis://h:1', maxRetriesPerRequest: null });
    expect([1, 5, 50].map(bullConnection('redis://h:1').retryStrategy)).toEqual([200, 1000, 2000]);
  });
});
