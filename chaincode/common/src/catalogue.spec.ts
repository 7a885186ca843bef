import { DAO } from '@datawell/contracts';
import { emit, parseTxArgs } from './catalogue';
import { MemoryLedger } from './testing';

describe('the chaincode side of the ledger catalogue', () => {
  it('parses JSON and plain arguments with the catalogue\'s schemas into typed values', () => {
    const [revenue] = parseTxArgs(DAO.transactions.RecordRevenue, '{"revenueId":"r-1","amount":"1000000000000000000000","kind":"use"}');
    expect(revenue).toEqual({ revenueId: 'r-1', amount: 10n ** 21n, kind: 'use' });
    expect(parseTxArgs(DAO.transactions.CastVote, 'p-1', 'yes')).toEqual(['p-1', 'yes']);
    // A plain argument is not JSON: a quoted id is refused, not unwrapped.
    expect(() => parseTxArgs(DAO.transactions.GetProposal, '"p-1"')).toThrow(/^INVALID_ARGUMENT: proposalId: /);
  });

  it('names the argument and the field in an INVALID_ARGUMENT', () => {
    expect(() => parseTxArgs(DAO.transactions.RecordRevenue, '{"revenueId":"r","amount":"1.5","kind":"use"}')).toThrow(/^INVALID_ARGUMENT: revenue\.amount: must be a whole number/);
    expect(() => parseTxArgs(DAO.transactions.RecordRevenue, '{')).toThrow('INVALID_ARGUMENT: revenue is not valid JSON');
    expect(() => parseTxArgs(DAO.transactions.CastVote, 'p-1', 'maybe')).toThrow(/^INVALID_ARGUMENT: choice/);
  });

  it('refuses a call with another number of arguments than the catalogue has', () => {
    expect(() => (parseTxArgs as (tx: unknown, ...texts: string[]) => unknown)(DAO.transactions.CastVote, 'p-1')).toThrow(/2 argument\(s\) expected, got 1/);
  });

  it('emits the catalogue event with the canonical payload emitEvent writes', async () => {
    const ledger = new MemoryLedger('dao-acme-v1');
    await ledger.submit('DspMSP', async (ctx) => emit(ctx, DAO.emitted(DAO.event.ExitRequested, { mspId: 'VspOneMSP', requestedAtMs: 5 })));
    expect(ledger.events).toEqual([{ txId: 'tx000001', name: 'ExitRequested', payload: { channel: 'dao-acme-v1', txId: 'tx000001', type: 'ExitRequested', mspId: 'VspOneMSP', requestedAtMs: 5 } }]);
  });
});
