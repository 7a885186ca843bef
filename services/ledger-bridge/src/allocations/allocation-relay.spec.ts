import { toLedgerEvent } from '@datawell/contracts';
import { allocationCommandFor, AllocationRelayError } from './allocation-relay';

function event(channel: string, payload: unknown, eventName = 'RevenueRecorded', chaincodeName = 'dao') {
  return toLedgerEvent({
    channel,
    blockNumber: 12n,
    transactionId: 'srctx',
    chaincodeName,
    eventName,
    payload: Buffer.from(JSON.stringify(payload)),
  });
}

/** The allocation part of the dao chaincode's payload, as docs/ledger.md shows it. */
const allocation = (level: number, rest: number | string, restTo: object) => ({
  revenueId: 'r-1',
  allocation: { allocationId: 'revenue:r-1', level, lump: '1000003', betaPpm: 750000, joiningShare: '250000', rest, restTo, payouts: [] },
});

describe('allocation relay', () => {
  it('turns RevenueRecorded on CH_i into AllocationReceived on CH_(i-1) as the DSP, with the chaincode argument shape', () => {
    const command = allocationCommandFor(event('dao-acme-v3', allocation(3, 12345, { channel: 'dao-acme-v2' })), 'DspMSP');
    expect(command).toEqual({
      commandId: 'allocation:dao-acme-v3:00000000000000000012:srctx:0000',
      channel: 'dao-acme-v2',
      chaincode: 'dao',
      transaction: 'AllocationReceived',
      arguments: [JSON.stringify({ sourceChannel: 'dao-acme-v3', sourceTxId: 'srctx', amount: '12345', sourceChaincode: 'dao' })],
      actingMspId: 'DspMSP',
    });
  });

  it('relays a relayed lump further in (AllocationReceived on CH_2 → CH_1) and keeps big amounts exact', () => {
    const command = allocationCommandFor(event('dao-acme-v2', allocation(2, '900719925474099300', { channel: 'dao-acme-v1' }), 'AllocationReceived'), 'DspMSP');
    expect(command?.channel).toBe('dao-acme-v1');
    expect(JSON.parse(command!.arguments[0]!)).toMatchObject({ amount: '900719925474099300' });
  });

  it('derives the same command from the same event (idempotent relay)', () => {
    const e = event('dao-acme-v2', allocation(2, 7, { channel: 'dao-acme-v1' }));
    expect(allocationCommandFor(e, 'DspMSP')).toEqual(allocationCommandFor(e, 'DspMSP'));
  });

  it('relays nothing from CH_1 (the rest is paid to D there) or for other events', () => {
    expect(allocationCommandFor(event('dao-acme-v1', allocation(1, 5, { group: 'D' })), 'D')).toBeUndefined();
    expect(allocationCommandFor(event('dao-acme-v2', {}, 'VersionCreated'), 'D')).toBeUndefined();
    expect(allocationCommandFor(event('marketplace', {}, 'RevenueRecorded', 'marketplace'), 'D')).toBeUndefined();
  });

  it('refuses an allocation that contradicts its channel or has a bad amount', () => {
    expect(() => allocationCommandFor(event('dao-acme-v3', allocation(2, 5, { channel: 'dao-acme-v1' })), 'D')).toThrow(AllocationRelayError);
    expect(() => allocationCommandFor(event('dao-acme-v3', allocation(3, 5, { channel: 'dao-other-v2' })), 'D')).toThrow(/expected dao-acme-v2/);
    expect(() => allocationCommandFor(event('dao-acme-v3', allocation(3, 5, { group: 'D' })), 'D')).toThrow(/only CH_1 does/);
    expect(() => allocationCommandFor(event('dao-acme-v1', allocation(1, 5, { channel: 'dao-acme-v0' })), 'D')).toThrow(/expected group D/);
    expect(() => allocationCommandFor(event('dao-acme-v3', allocation(3, -5, { channel: 'dao-acme-v2' })), 'D')).toThrow(/allocation.rest/);
    expect(() => allocationCommandFor(event('dao-acme-v3', allocation(3, 1.5, { channel: 'dao-acme-v2' })), 'D')).toThrow(/allocation.rest/);
    expect(() => allocationCommandFor(event('marketplace', allocation(3, 5, { channel: 'x' })), 'D')).toThrow(/not a DAO/);
  });
});
