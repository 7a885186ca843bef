import { allocationCommandId, commandIssuer, ledgerCommandId } from './command-id';

describe('ledger command id', () => {
  it('is <issuer>:<part>… and derives the same id from the same facts', () => {
    expect(ledgerCommandId('telemetry', 'record', 's1')).toBe('telemetry:record:s1');
    expect(ledgerCommandId('telemetry', 'abandon', 'dao-a-v1', 'Vsp1MSP', 120000, 1)).toBe('telemetry:abandon:dao-a-v1:Vsp1MSP:120000:1');
    expect(allocationCommandId('dao-acme-v3:00000000000000000012:srctx:0000')).toBe('allocation:dao-acme-v3:00000000000000000012:srctx:0000');
    expect(commandIssuer('marketplace:PostOffer:x')).toBe('marketplace');
    expect(commandIssuer('no-issuer')).toBeUndefined();
  });

  it('refuses a bad issuer, no or empty parts and ids over 200 characters', () => {
    expect(() => ledgerCommandId('Tele metry', 'x')).toThrow(RangeError);
    expect(() => ledgerCommandId('telemetry')).toThrow(RangeError);
    expect(() => ledgerCommandId('telemetry', '')).toThrow(RangeError);
    expect(() => ledgerCommandId('telemetry', 'x'.repeat(200))).toThrow(/200/);
  });
});
