import fc from 'fast-check';
import { ledgerEventId, parseLedgerEventId } from './event-id';

describe('ledger event id', () => {
  it('has the documented shape', () => {
    expect(ledgerEventId({ channel: 'marketplace', blockNumber: 42n, transactionId: 'abc', eventIndex: 0 })).toBe(
      'marketplace:00000000000000000042:abc:0000',
    );
  });

  it('parses back to the same position, and sorts by block as a string', () => {
    const position = fc.record({
      channel: fc.constantFrom('marketplace', 'dao-x-v1', 'dao-a.b-v12'),
      blockNumber: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      transactionId: fc.stringMatching(/^[0-9a-f]{64}$/),
      eventIndex: fc.integer({ min: 0, max: 9999 }),
    });
    fc.assert(
      fc.property(position, position, (a, b) => {
        const idA = ledgerEventId(a);
        expect(parseLedgerEventId(idA)).toEqual(a);
        if (a.channel === b.channel && a.blockNumber !== b.blockNumber) {
          const idB = ledgerEventId(b);
          expect(idA < idB).toBe(a.blockNumber < b.blockNumber);
        }
      }),
    );
  });

  it('rejects what would make the id ambiguous', () => {
    const ok = { channel: 'marketplace', blockNumber: 1n, transactionId: 't', eventIndex: 0 };
    expect(() => ledgerEventId({ ...ok, channel: 'Market:place' })).toThrow(RangeError);
    expect(() => ledgerEventId({ ...ok, transactionId: 'a:b' })).toThrow(RangeError);
    expect(() => ledgerEventId({ ...ok, blockNumber: -1n })).toThrow(RangeError);
    expect(() => ledgerEventId({ ...ok, eventIndex: 10000 })).toThrow(RangeError);
    expect(parseLedgerEventId('marketplace:42:abc:0')).toBeUndefined();
  });
});
