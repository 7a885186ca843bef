import { ContractValidationError } from '../../errors';
import { decodeCatalogueEvent } from './ledger-events';
import { MARKETPLACE, participantRegisteredPayloadSchema } from './marketplace';

const participant = { mspId: 'Org1MSP', role: 'DSP', name: 'Org 1', caCertPem: 'pem', status: 'active', registeredAtMs: 1, registeredBy: 'OperatorMSP' };

describe('marketplace catalogue', () => {
  it('has one ParticipantRegistered schema: the whole record, CA certificate required, status active', () => {
    expect(participantRegisteredPayloadSchema.parse(participant)).toMatchObject(participant);
    const { status: _status, ...withoutStatus } = participant;
    expect(participantRegisteredPayloadSchema.parse(withoutStatus).status).toBe('active');
    const { caCertPem: _ca, ...withoutCa } = participant;
    expect(participantRegisteredPayloadSchema.safeParse(withoutCa).success).toBe(false);
    expect(participantRegisteredPayloadSchema.safeParse({ ...participant, role: 'X' }).success).toBe(false);
  });

  it('builds commands of the marketplace chaincode', () => {
    const target = { commandId: 'marketplace:WithdrawOffer:1', channel: 'marketplace', actingMspId: 'Org1MSP' };
    expect(MARKETPLACE.command('WithdrawOffer', target, 'off-1')).toEqual({ ...target, chaincode: 'marketplace', transaction: 'WithdrawOffer', arguments: ['off-1'] });
    const feedback = MARKETPLACE.command('SubmitFeedback', target, { daoId: 'd1', target: 'Org2MSP', rating: 4, commentDigest: 'a'.repeat(64) });
    expect(JSON.parse(feedback.arguments[0]!)).toEqual({ daoId: 'd1', target: 'Org2MSP', rating: 4, commentDigest: 'a'.repeat(64) });
  });
});

describe('decodeCatalogueEvent', () => {
  it('reads the marketplace vocabulary on the marketplace channel and the dao vocabulary on DAO channels', () => {
    expect(decodeCatalogueEvent({ channel: 'marketplace', eventName: 'ParticipantRegistered', payload: participant })).toMatchObject({ chaincode: 'marketplace', name: 'ParticipantRegistered' });
    expect(decodeCatalogueEvent({ channel: 'dao-acme-v2', eventName: 'MemberExited', payload: { mspId: 'Org2MSP' } })).toMatchObject({ chaincode: 'dao', daoId: 'acme', level: 2, name: 'MemberExited' });
  });

  it('ignores another channel or a name of the other chaincode, and refuses a bad payload', () => {
    expect(decodeCatalogueEvent({ channel: 'probe', eventName: 'ParticipantRegistered', payload: participant })).toBeUndefined();
    expect(decodeCatalogueEvent({ channel: 'dao-acme-v2', eventName: 'ParticipantRegistered', payload: participant })).toBeUndefined();
    expect(decodeCatalogueEvent({ channel: 'marketplace', eventName: 'VersionCreated', payload: {} })).toBeUndefined();
    expect(() => decodeCatalogueEvent({ channel: 'marketplace', eventName: 'OfferWithdrawn', payload: { offerId: 'o1' } })).toThrow(ContractValidationError);
  });
});
