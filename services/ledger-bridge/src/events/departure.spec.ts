import { isDepartureOf } from './event-relay.service';

const event = (eventName: string, payload: unknown) => ({ eventName, payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)) });

describe("the relay's reading of its own organisation's departure", () => {
  it('is a completed transfer whose leaver is the organisation itself', () => {
    expect(isDepartureOf(event('MemberTransferred', { transferId: 't', from: 'Vsp2MSP', to: 'NewMSP' }), 'Vsp2MSP')).toEqual({ to: 'NewMSP' });
  });

  it("is not another member's transfer, a step of an open transfer, an exit, or an unreadable payload", () => {
    expect(isDepartureOf(event('MemberTransferred', { from: 'Vsp1MSP', to: 'Vsp2MSP' }), 'Vsp2MSP')).toBeUndefined();
    expect(isDepartureOf(event('TransferAccepted', { from: 'Vsp2MSP', to: 'NewMSP' }), 'Vsp2MSP')).toBeUndefined();
    // An exited or abandoned member stays on the channel (its payouts are there).
    expect(isDepartureOf(event('MemberExited', { mspId: 'Vsp2MSP' }), 'Vsp2MSP')).toBeUndefined();
    expect(isDepartureOf(event('MemberTransferred', '{not json'), 'Vsp2MSP')).toBeUndefined();
    expect(isDepartureOf(event('MemberTransferred', { from: 'Vsp2MSP' }), 'Vsp2MSP')).toBeUndefined();
  });
});
