import { ContractValidationError } from '../errors';
import { allocationPayoutsPayloadSchema, decodeLedgerEvent, memberLeftPayloadSchema, versionCreatedPayloadSchema } from './dao-events';
import { ledgerEventCloudEvent, toLedgerEvent } from './ledger-event.v1';

const versionCreated = {
  daoId: 'd1',
  version: 1,
  agreementId: 'a1',
  agreementDigest: 'x',
  betaPpm: 100_000,
  members: [{ mspId: 'Org1MSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 1_000_000 }],
  terms: { heartbeatIntervalSeconds: 30, abandonAfterSeconds: 300 },
  infrastructureRequested: { revision: 1, spec: { workloads: [] } },
};

describe('dao chaincode event payloads', () => {
  it('decodes a relayed ledger event and reads its VersionCreated payload, keeping extra fields', () => {
    const raw = toLedgerEvent({ channel: 'dao-d1-v1', blockNumber: 7n, transactionId: 'tx1', chaincodeName: 'dao', eventName: 'VersionCreated', payload: Buffer.from(JSON.stringify(versionCreated)) });
    const event = decodeLedgerEvent(Buffer.from(JSON.stringify(ledgerEventCloudEvent(raw))));
    expect(event.data.eventName).toBe('VersionCreated');
    const payload = versionCreatedPayloadSchema.parse(event.data.payload);
    expect(payload.members[0]).toEqual(versionCreated.members[0]);
    expect(payload['infrastructureRequested']).toEqual(versionCreated.infrastructureRequested);
  });

  it('refuses a value that is not a ledger event', () => {
    expect(() => decodeLedgerEvent(Buffer.from('{}'))).toThrow(ContractValidationError);
    expect(() => decodeLedgerEvent(null)).toThrow(ContractValidationError);
  });

  it('refuses a VersionCreated without members or with a member of an unknown group', () => {
    expect(versionCreatedPayloadSchema.safeParse({ ...versionCreated, members: [] }).success).toBe(false);
    expect(versionCreatedPayloadSchema.safeParse({ ...versionCreated, members: [{ ...versionCreated.members[0], group: 'X' }] }).success).toBe(false);
  });

  it('reads a member leaving, with or without dissolution', () => {
    expect(memberLeftPayloadSchema.parse({ mspId: 'Org2MSP', dissolved: true }).dissolved).toBe(true);
    expect(memberLeftPayloadSchema.parse({ mspId: 'Org2MSP' }).dissolved).toBeUndefined();
    expect(memberLeftPayloadSchema.safeParse({ dissolved: true }).success).toBe(false);
  });

  it('reads payout amounts as decimal strings', () => {
    const p = allocationPayoutsPayloadSchema.parse({ revenueId: 'r1', allocation: { payouts: [{ mspId: 'Org1MSP', amount: 42 }, { mspId: 'Org2MSP', amount: '7' }] } });
    expect(p.allocation.payouts.map((x) => x.amount)).toEqual(['42', '7']);
    expect(allocationPayoutsPayloadSchema.safeParse({ allocation: { payouts: [{ mspId: 'Org1MSP', amount: -1 }] } }).success).toBe(false);
  });
});
