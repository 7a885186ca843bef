import { buildCloudEvent, LEDGER_EVENT_TYPE, networkEventCloudEvent } from '@datawell/contracts';
import { agreementOutcomeOf } from '../sessions/agreement-outcomes';
import { daoUpdateOf } from './dao-events';

const ledgerEvent = (channel: string, eventName: string, payload: unknown) =>
  Buffer.from(
    JSON.stringify(
      buildCloudEvent({
        id: `${channel}:7:tx:0`,
        source: 'urn:t',
        type: LEDGER_EVENT_TYPE,
        data: { channel, blockNumber: '7', transactionId: 'tx', eventIndex: 0, chaincodeId: 'dao', eventName, payloadEncoding: 'json', payload, daoId: null },
      }),
    ),
  );
const member = { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 1_000_000 };

describe('DAO read-model updates from ledger events', () => {
  const warnings: string[] = [];
  const warn = (p: string) => warnings.push(p);

  it('takes VersionCreated of a DAO channel, with the version from the channel', () => {
    expect(daoUpdateOf(ledgerEvent('dao-d1-v2', 'VersionCreated', { daoId: 'd1', version: 2, agreementId: 'a', members: [member], terms: {} }), warn)).toMatchObject({
      kind: 'version',
      daoId: 'd1',
      version: 2,
      members: [member],
      eventId: 'dao-d1-v2:7:tx:0',
    });
  });

  it('takes departures with their status and dissolution', () => {
    expect(daoUpdateOf(ledgerEvent('dao-d1-v1', 'MemberAbandoned', { mspId: 'VMSP', dissolved: false }), warn)).toMatchObject({ kind: 'departure', version: 1, status: 'abandoned', dissolved: false });
    expect(daoUpdateOf(ledgerEvent('dao-d1-v1', 'MemberExited', { mspId: 'DspMSP', dissolved: true }), warn)).toMatchObject({ status: 'exited', dissolved: true });
  });

  it('ignores other channels and events, and warns about malformed ones', () => {
    expect(daoUpdateOf(ledgerEvent('marketplace', 'VersionCreated', {}), warn)).toBeUndefined();
    expect(daoUpdateOf(ledgerEvent('dao-d1-v1', 'RevenueRecorded', {}), warn)).toBeUndefined();
    warnings.length = 0;
    expect(daoUpdateOf(ledgerEvent('dao-d1-v1', 'VersionCreated', { daoId: 'other', version: 1, agreementId: 'a', members: [member] }), warn)).toBeUndefined();
    expect(daoUpdateOf(Buffer.from('not json'), warn)).toBeUndefined();
    expect(warnings).toHaveLength(2);
  });
});

describe('agreement outcomes from network events', () => {
  const encode = (e: Parameters<typeof networkEventCloudEvent>[0]) => Buffer.from(JSON.stringify(networkEventCloudEvent(e, 'urn:t')));

  it('maps dao-version-created and command-failed of agreement commands', () => {
    expect(agreementOutcomeOf(encode({ kind: 'dao-version-created', commandId: 'agreement:agr-1', daoId: 'd', version: 1, channel: 'dao-d-v1', members: [], initTxId: 't' }), () => undefined)).toMatchObject({ kind: 'formed', agreementId: 'agr-1', channel: 'dao-d-v1' });
    expect(agreementOutcomeOf(encode({ kind: 'command-failed', commandId: 'agreement:agr-2', subject: 'd', code: 'BAD_SIGNATURE', message: 'm' }), () => undefined)).toMatchObject({ kind: 'failed', agreementId: 'agr-2', code: 'BAD_SIGNATURE' });
  });

  it('ignores other commands', () => {
    expect(agreementOutcomeOf(encode({ kind: 'command-failed', commandId: 'onboard:x', subject: 'd', code: 'C', message: 'm' }), () => undefined)).toBeUndefined();
  });
});
