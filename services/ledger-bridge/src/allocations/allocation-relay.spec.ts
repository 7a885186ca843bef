import { toLedgerEvent } from '@datawell/contracts';
import { allocationCommandFor, AllocationRelayError } from './allocation-relay';

function allocated(channel: string, payload: unknown, eventName = 'RevenueAllocated', chaincodeName = 'dao') {
  return toLedgerEvent({
    channel,
    blockNumber: 12n,
    transactionId: 'srctx',
    chaincodeName,
    eventName,
    payload: Buffer.from(JSON.stringify(payload)),
  });
}

describe('allocation relay', () => {
  it('turns RevenueAllocated on CH_i into AllocationReceived on CH_(i-1) as the DSP', () => {
    const command = allocationCommandFor(allocated('dao-acme-v3', { daoId: 'acme', level: 3, innerAmount: 12345 }), 'DspMSP');
    expect(command).toEqual({
      commandId: 'allocation:dao-acme-v3:00000000000000000012:srctx:0000',
      channel: 'dao-acme-v2',
      chaincode: 'dao',
      transaction: 'AllocationReceived',
      arguments: ['dao-acme-v3', 'srctx', '12345'],
      actingMspId: 'DspMSP',
    });
  });

  it('derives the same command id from the same event (idempotent relay)', () => {
    const event = allocated('dao-acme-v2', { daoId: 'acme', level: 2, innerAmount: '900719925474099300' });
    expect(allocationCommandFor(event, 'DspMSP')).toEqual(allocationCommandFor(event, 'DspMSP'));
    expect(allocationCommandFor(event, 'DspMSP')?.arguments[2]).toBe('900719925474099300');
  });

  it('relays nothing from CH_1 or for other events', () => {
    expect(allocationCommandFor(allocated('dao-acme-v1', { daoId: 'acme', level: 1, innerAmount: 5 }), 'D')).toBeUndefined();
    expect(allocationCommandFor(allocated('dao-acme-v2', {}, 'VersionCreated'), 'D')).toBeUndefined();
    expect(allocationCommandFor(allocated('marketplace', {}, 'RevenueAllocated', 'marketplace'), 'D')).toBeUndefined();
  });

  it('refuses an allocation that contradicts its channel or has a bad amount', () => {
    expect(() => allocationCommandFor(allocated('dao-acme-v3', { daoId: 'acme', level: 2, innerAmount: 5 }), 'D')).toThrow(AllocationRelayError);
    expect(() => allocationCommandFor(allocated('dao-acme-v3', { daoId: 'other', level: 3, innerAmount: 5 }), 'D')).toThrow(/channel is DAO acme/);
    expect(() => allocationCommandFor(allocated('dao-acme-v3', { daoId: 'acme', level: 3, innerAmount: -5 }), 'D')).toThrow(/innerAmount/);
    expect(() => allocationCommandFor(allocated('dao-acme-v3', { daoId: 'acme', level: 3, innerAmount: 1.5 }), 'D')).toThrow(/innerAmount/);
    expect(() => allocationCommandFor(allocated('marketplace', { daoId: 'acme', level: 3, innerAmount: 5 }), 'D')).toThrow(/not a DAO/);
  });
});
