import type { EntityManager } from 'typeorm';
import { claimInbox } from './inbox';
import { writeOutbox } from './outbox';
import { runsByTopic } from './relay';

describe('runsByTopic', () => {
  it('groups consecutive rows of a topic and keeps the overall order', () => {
    const rows = [
      { topic: 'a', n: 1 },
      { topic: 'a', n: 2 },
      { topic: 'b', n: 3 },
      { topic: 'a', n: 4 },
    ];
    expect(runsByTopic(rows)).toEqual([
      { topic: 'a', rows: [rows[0], rows[1]] },
      { topic: 'b', rows: [rows[2]] },
      { topic: 'a', rows: [rows[3]] },
    ]);
    expect(runsByTopic([])).toEqual([]);
  });
});

describe('outbox and inbox writes', () => {
  const outsideTransaction = { queryRunner: undefined, query: jest.fn() } as unknown as EntityManager;

  it('refuse to run outside a transaction, where they could not commit with the state', async () => {
    await expect(writeOutbox(outsideTransaction, 's', [{ id: 'x', topic: 't', key: null, payload: {} }])).rejects.toThrow(/open transaction/);
    await expect(claimInbox(outsideTransaction, 's', 'c', 'x')).rejects.toThrow(/open transaction/);
    expect(outsideTransaction.query).not.toHaveBeenCalled();
  });
});
