import { LEDGER_EVENT_TYPE, ledgerEventCloudEvent, ledgerEventKey, ledgerEventSchema, toLedgerEvent } from './ledger-event.v1';
import { parseCloudEvent } from '../cloudevent';

const raw = (channel: string, payload: string) => ({
  channel,
  blockNumber: 7n,
  transactionId: 'tx1',
  chaincodeName: 'hello',
  eventName: 'ProbePut',
  payload: Buffer.from(payload),
});

describe('ledger event v1', () => {
  it('keeps a JSON payload as JSON and takes the DAO id from it on the marketplace channel', () => {
    const event = toLedgerEvent(raw('marketplace', '{"daoId":"d1","x":1}'));
    expect(event).toEqual({
      channel: 'marketplace',
      blockNumber: '7',
      transactionId: 'tx1',
      eventIndex: 0,
      chaincodeId: 'hello',
      eventName: 'ProbePut',
      payloadEncoding: 'json',
      payload: { daoId: 'd1', x: 1 },
      daoId: 'd1',
    });
    expect(ledgerEventKey(event)).toBe('d1');
  });

  it('takes the DAO id from a DAO channel name, over the payload', () => {
    expect(toLedgerEvent(raw('dao-acme-v3', '{"daoId":"other"}')).daoId).toBe('acme');
  });

  it('carries a non-JSON payload in base64 and keys by channel without a DAO', () => {
    const event = toLedgerEvent(raw('marketplace', 'not json'));
    expect(event.payloadEncoding).toBe('base64');
    expect(Buffer.from(event.payload as string, 'base64').toString()).toBe('not json');
    expect(event.daoId).toBeNull();
    expect(ledgerEventKey(event)).toBe('marketplace');
  });

  it('wraps an event in an envelope whose id is the event id, and validates back', () => {
    const event = toLedgerEvent(raw('marketplace', '{}'));
    const envelope = ledgerEventCloudEvent(event);
    expect(envelope.id).toBe('marketplace:00000000000000000007:tx1:0000');
    expect(envelope.type).toBe(LEDGER_EVENT_TYPE);
    expect(parseCloudEvent(JSON.parse(JSON.stringify(envelope)), LEDGER_EVENT_TYPE, ledgerEventSchema).data).toEqual(event);
  });
});
