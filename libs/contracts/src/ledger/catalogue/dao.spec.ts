import { ContractValidationError } from '../../errors';
import { decodeLedgerEvent, ledgerEventCloudEvent, toLedgerEvent } from '../ledger-event.v1';
import { DAO, agreementSchema, memberLeftPayloadSchema, revenueRecordedPayloadSchema, revenueSchema, versionCreatedPayloadSchema, type DaoEvent } from './dao';

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

describe('dao catalogue: events', () => {
  it('decodes a relayed ledger event into its typed VersionCreated, keeping extra fields', () => {
    const raw = toLedgerEvent({ channel: 'dao-d1-v1', blockNumber: 7n, transactionId: 'tx1', chaincodeName: 'dao', eventName: 'VersionCreated', payload: Buffer.from(JSON.stringify({ ...versionCreated, extra: 1 })) });
    const event = decodeLedgerEvent(Buffer.from(JSON.stringify(ledgerEventCloudEvent(raw))));
    const decoded = DAO.decode(event.data);
    expect(decoded?.name).toBe('VersionCreated');
    if (decoded?.name !== DAO.event.VersionCreated) throw new Error('expected VersionCreated');
    expect(decoded.payload.members[0]).toEqual(versionCreated.members[0]);
    expect(decoded.payload.infrastructureRequested).toEqual(versionCreated.infrastructureRequested);
    expect(decoded.payload['extra']).toBe(1);
  });

  it('narrows the payload by name in a switch', () => {
    const describe = (e: DaoEvent): string => {
      switch (e.name) {
        case DAO.event.MemberExited:
          return `${e.payload.mspId} ${e.payload.reason ?? '-'}`;
        case DAO.event.RevenueRecorded:
          return `rest ${e.payload.allocation.rest}`;
        default:
          return e.name;
      }
    };
    expect(describe(DAO.decode({ eventName: 'MemberExited', payload: { mspId: 'Org2MSP', reason: 'exit' } })!)).toBe('Org2MSP exit');
    expect(describe(DAO.decode({ eventName: 'RevenueRecorded', payload: { allocation: { level: 1, rest: 7, restTo: { group: 'D' } } } })!)).toBe('rest 7');
  });

  it('returns undefined for a name the chaincode does not emit, and refuses a known event with a bad payload', () => {
    expect(DAO.decode({ eventName: 'Wrote', payload: {} })).toBeUndefined();
    expect(() => DAO.decode({ eventName: 'VersionCreated', payload: { ...versionCreated, members: [] } })).toThrow(ContractValidationError);
    expect(() => DAO.decode({ eventName: 'VersionCreated', payload: null })).toThrow(/dao event VersionCreated/);
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

  it('reads allocation amounts as decimal strings and refuses negative or fractional ones', () => {
    const p = revenueRecordedPayloadSchema.parse({ revenueId: 'r1', allocation: { level: 1, rest: 49, restTo: { group: 'D' }, payouts: [{ mspId: 'Org1MSP', amount: 42 }, { mspId: 'Org2MSP', amount: '7' }] } });
    expect(p.allocation.payouts?.map((x) => x.amount)).toEqual(['42', '7']);
    expect(p.allocation.rest).toBe('49');
    const bad = (allocation: object) => revenueRecordedPayloadSchema.safeParse({ allocation: { level: 1, restTo: { group: 'D' }, ...allocation } }).success;
    expect(bad({ rest: 1, payouts: [{ mspId: 'Org1MSP', amount: -1 }] })).toBe(false);
    expect(bad({ rest: 1.5 })).toBe(false);
    expect(bad({ rest: -1 })).toBe(false);
  });
});

describe('dao catalogue: transactions', () => {
  it('names every transaction and event as a constant equal to its key', () => {
    expect(DAO.tx.RecordRevenue).toBe('RecordRevenue');
    expect(DAO.event.VersionCreated).toBe('VersionCreated');
    expect(DAO.transactionNames).toContain('EvaluateContractEnd');
    expect(DAO.eventNames).toHaveLength(21);
    expect(DAO.isEventName('MemberAbandoned')).toBe(true);
    expect(DAO.isEventName('InitVersion')).toBe(false);
  });

  it('builds a command with JSON arguments and one with id arguments', () => {
    const target = { commandId: 'test:1', channel: 'dao-d1-v2', actingMspId: 'DspMSP' };
    expect(DAO.command('RecordRevenue', target, { revenueId: 'r1', amount: '10', kind: 'use' })).toEqual({
      ...target,
      chaincode: 'dao',
      transaction: 'RecordRevenue',
      arguments: ['{"revenueId":"r1","amount":"10","kind":"use"}'],
    });
    expect(DAO.command('CastVote', { ...target, chaincode: 'dao-test' }, 'p1', 'yes')).toMatchObject({ chaincode: 'dao-test', transaction: 'CastVote', arguments: ['p1', 'yes'] });
    expect(DAO.command('RequestExit', target).arguments).toEqual([]);
  });

  it('refuses a query as a command and a wrong number of arguments', () => {
    const target = { commandId: 'test:1', channel: 'dao-d1-v2', actingMspId: 'DspMSP' };
    // @ts-expect-error GetVersion is a query
    expect(() => DAO.command('GetVersion', target)).toThrow(/query/);
    // @ts-expect-error one argument is missing
    expect(() => DAO.command('CastVote', target, 'p1')).toThrow(/takes 2/);
    expect(DAO.invocation('GetEntitlement', 'Org1MSP')).toEqual({ chaincode: 'dao', transaction: 'GetEntitlement', arguments: ['Org1MSP'] });
  });

  it('holds the argument schemas the chaincode validates with', () => {
    expect(DAO.transactions.RecordRevenue.args[0].schema).toBe(revenueSchema);
    expect(DAO.transactions.InitVersion.args[0]).toMatchObject({ name: 'agreement', json: true, schema: agreementSchema });
    expect(revenueSchema.parse({ revenueId: 'r1', amount: '10', kind: 'use' }).amount).toBe(10n);
    expect(revenueSchema.safeParse({ revenueId: 'r1', amount: '0', kind: 'use' }).success).toBe(false);
    expect(revenueSchema.safeParse({ revenueId: 'r1', amount: '10', kind: 'use', extra: 1 }).success).toBe(false);
  });
});
