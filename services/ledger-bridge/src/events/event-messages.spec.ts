import { LEDGER_COMMAND_TYPE, LEDGER_EVENT_TYPE } from '@datawell/contracts';
import { messagesForEvent } from './event-messages';

const topics = { events: 'ev', commands: 'cmd', receipts: 'rc' };
const raw = (channel: string, eventName: string, payload: unknown, chaincodeName = 'dao') => ({
  channel,
  blockNumber: 3n,
  transactionId: 'tx9',
  chaincodeName,
  eventName,
  payload: Buffer.from(JSON.stringify(payload)),
});
const channel = (name: string, actingMspId: string | null = 'DspMSP') => ({ name, chaincodes: ['dao'], actingMspId, startBlock: 0n });

describe('messagesForEvent', () => {
  it('relays an event on the events topic keyed by its DAO, with the event id as the message id', () => {
    const { messages, problem } = messagesForEvent(raw('dao-acme-v1', 'VersionCreated', { x: 1 }), channel('dao-acme-v1'), topics);
    expect(problem).toBeUndefined();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ id: 'dao-acme-v1:00000000000000000003:tx9:0000', topic: 'ev', key: 'acme' });
    expect(messages[0]?.payload).toMatchObject({ id: messages[0]?.id, type: LEDGER_EVENT_TYPE, subject: 'VersionCreated' });
  });

  it('adds the AllocationReceived command for CH_(i-1) to the same write', () => {
    const { messages } = messagesForEvent(raw('dao-acme-v2', 'RevenueRecorded', { allocation: { level: 2, rest: '70', restTo: { channel: 'dao-acme-v1' } } }), channel('dao-acme-v2'), topics);
    expect(messages.map((m) => m.topic)).toEqual(['ev', 'cmd']);
    expect(messages[1]).toMatchObject({ id: 'allocation:dao-acme-v2:00000000000000000003:tx9:0000', key: 'dao-acme-v1' });
    expect(messages[1]?.payload).toMatchObject({
      type: LEDGER_COMMAND_TYPE,
      data: {
        channel: 'dao-acme-v1',
        transaction: 'AllocationReceived',
        arguments: [JSON.stringify({ sourceChannel: 'dao-acme-v2', sourceTxId: 'tx9', amount: '70', sourceChaincode: 'dao' })],
        actingMspId: 'DspMSP',
      },
    });
  });

  it("relays no allocation from a VSP's own bridge (only founding members may), only the event", () => {
    const event = raw('dao-acme-v2', 'RevenueRecorded', { allocation: { level: 2, rest: '70', restTo: { channel: 'dao-acme-v1' } } });
    const { messages, problem } = messagesForEvent(event, channel('dao-acme-v2'), topics, new Date(), false);
    expect(messages.map((m) => m.topic)).toEqual(['ev']);
    expect(problem).toBeUndefined();
  });

  it('still relays the event when its allocation cannot be relayed, and reports why', () => {
    const bad = messagesForEvent(raw('dao-acme-v2', 'RevenueRecorded', { allocation: { level: 2 } }), channel('dao-acme-v2'), topics);
    expect(bad.messages.map((m) => m.topic)).toEqual(['ev']);
    expect(bad.problem?.code).toBe('ALLOCATION_EVENT_INVALID');
    const noDsp = messagesForEvent(raw('dao-acme-v2', 'AllocationReceived', { allocation: { level: 2, rest: 1, restTo: { channel: 'dao-acme-v1' } } }), channel('dao-acme-v2', null), topics);
    expect(noDsp.messages).toHaveLength(1);
    expect(noDsp.problem?.message).toMatch(/no DSP registered/);
  });
});
