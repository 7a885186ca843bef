import type { DataSource, EntityManager } from 'typeorm';
import { DAO, ledgerEventCloudEvent, type LedgerEvent } from '@datawell/contracts';
import { ledgerEventHandler, UnusableLedgerEventError, type LedgerEventHandlers } from './ledger-events';

/** A DataSource whose transactions keep the inbox in a Set, committed only when the callback resolves. */
function fakeInbox() {
  const claimed = new Set<string>();
  const dataSource = {
    async transaction<T>(run: (m: EntityManager) => Promise<T>): Promise<T> {
      const pending = new Set<string>();
      const manager = {
        queryRunner: { isTransactionActive: true },
        async query(_sql: string, [consumer, id]: [string, string]) {
          const key = `${consumer}/${id}`;
          if (claimed.has(key) || pending.has(key)) return [];
          pending.add(key);
          return [{ event_id: id }];
        },
      } as unknown as EntityManager;
      const result = await run(manager);
      for (const key of pending) claimed.add(key);
      return result;
    },
  } as unknown as DataSource;
  return { claimed, dataSource };
}

const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
const raw = (eventName: string, payload: unknown, channel = 'dao-d1-v1', eventIndex = 0): LedgerEvent => ({
  channel,
  blockNumber: '7',
  transactionId: 'tx1',
  eventIndex,
  chaincodeId: 'dao',
  eventName,
  payloadEncoding: 'json',
  payload: payload as LedgerEvent['payload'],
  daoId: 'd1',
});
const bytes = (e: LedgerEvent) => Buffer.from(JSON.stringify(ledgerEventCloudEvent(e)));
const member = { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 1_000_000 };

describe('ledgerEventHandler', () => {
  beforeEach(() => jest.clearAllMocks());

  it('runs the decision of the event name once per event id, typed by the catalogue, then its after-commit step and afterEvent', async () => {
    const { claimed, dataSource } = fakeInbox();
    const seen: string[] = [];
    const after = jest.fn();
    const handlers: LedgerEventHandlers = {
      [DAO.event.VersionCreated]: (event, meta) => async () => {
        seen.push(`${event.daoId}/${event.payload.version}/${event.payload.members[0]?.mspId}/${meta.ledger.channel}`);
        return after;
      },
    };
    const afterEvent = jest.fn(async () => undefined);
    const handle = ledgerEventHandler({ inbox: { dataSource, schema: 's', consumer: 'c' }, handlers, logger, afterEvent });
    const message = bytes(raw('VersionCreated', { daoId: 'd1', version: 1, members: [member] }));
    await expect(handle(message)).resolves.toBe(true);
    await expect(handle(message)).resolves.toBe(false);
    expect(seen).toEqual(['d1/1/DspMSP/dao-d1-v1']);
    expect(after).toHaveBeenCalledTimes(1);
    // afterEvent also runs on the redelivery, to finish what an earlier delivery left undone.
    expect(afterEvent).toHaveBeenCalledTimes(2);
    expect(claimed.size).toBe(1);
  });

  it('skips names without a decision and decisions without an effect, claiming nothing', async () => {
    const { claimed, dataSource } = fakeInbox();
    const handle = ledgerEventHandler({
      inbox: { dataSource, schema: 's', consumer: 'c' },
      handlers: { [DAO.event.MemberExited]: () => undefined },
      logger,
    });
    await expect(handle(bytes(raw('MemberExited', { mspId: 'VspMSP' })))).resolves.toBe(false);
    await expect(handle(bytes(raw('VersionSuperseded', {}, 'dao-d1-v1', 1)))).resolves.toBe(false);
    await expect(handle(bytes(raw('NotAnEvent', {}, 'dao-d1-v1', 2)))).resolves.toBe(false);
    expect(claimed.size).toBe(0);
  });

  it('logs and skips malformed messages, payloads that break the schema and unusable events', async () => {
    const { claimed, dataSource } = fakeInbox();
    class Mine extends Error {}
    const handle = ledgerEventHandler({
      inbox: { dataSource, schema: 's', consumer: 'c' },
      handlers: {
        [DAO.event.MemberExited]: () => {
          throw new UnusableLedgerEventError('no');
        },
        [DAO.event.MemberAbandoned]: () => async () => {
          throw new Mine('never');
        },
      },
      unusable: (e) => e instanceof Mine,
      logger,
    });
    await expect(handle(Buffer.from('not json'))).resolves.toBe(false);
    await expect(handle(bytes(raw('VersionCreated', { daoId: 'd1', version: 'one', members: [] })))).resolves.toBe(false);
    await expect(handle(bytes(raw('MemberExited', { mspId: 'VspMSP' }, 'dao-d1-v1', 1)))).resolves.toBe(false);
    await expect(handle(bytes(raw('MemberAbandoned', { mspId: 'VspMSP' }, 'dao-d1-v1', 2)))).resolves.toBe(false);
    expect(logger.warn).toHaveBeenCalledTimes(4);
    // The failed effect's claim rolled back with it.
    expect(claimed.size).toBe(0);
  });

  it('rejects on any other error, leaving the event unclaimed for the redelivery', async () => {
    const { claimed, dataSource } = fakeInbox();
    let fail = true;
    const handle = ledgerEventHandler({
      inbox: { dataSource, schema: 's', consumer: 'c' },
      handlers: {
        [DAO.event.MemberExited]: () => async () => {
          if (fail) throw new Error('database away');
        },
      },
      logger,
    });
    const message = bytes(raw('MemberExited', { mspId: 'VspMSP' }));
    await expect(handle(message)).rejects.toThrow('database away');
    expect(claimed.size).toBe(0);
    fail = false;
    await expect(handle(message)).resolves.toBe(true);
    expect(claimed.size).toBe(1);
  });
});
