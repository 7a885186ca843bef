import { ContractValidationError } from '../../errors';
import { decodeCatalogueEvent } from './ledger-events';
import { decayFactorPpb, emptyReputation, feedbackSubmittedPayloadSchema, MARKETPLACE, participantRegisteredPayloadSchema, REPUTATION_HALF_LIFE_MS, reputationAt, reputationWith } from './marketplace';

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

describe('reputation with decay', () => {
  it('halves weights every half-life, in integers, and never grows them for a clock that went back', () => {
    const H = REPUTATION_HALF_LIFE_MS;
    expect(H).toBe(15_552_000_000);
    expect([0, -1, H, 2 * H, 10 * H].map((t) => decayFactorPpb(t, H))).toEqual([1e9, 1e9, 5e8, 2.5e8, 976_563]);
    const rated = reputationWith(emptyReputation('Org1MSP', 0), 0, { rating: 5 });
    expect(rated).toMatchObject({ count: 1, sum: 5, weightMicro: 1_000_000, sumMicro: 5_000_000, scoreMilli: 4000 });
    expect(reputationAt(rated, 3 * H)).toMatchObject({ weightMicro: 125_000, sumMicro: 625_000, asOfMs: 3 * H, scoreMilli: 3222 });
    expect(reputationAt(reputationAt(rated, H), 2 * H)).toEqual(reputationAt(rated, 2 * H));
    expect(reputationWith(rated, 0, { abandonment: true })).toMatchObject({ abandonments: 1, weightMicro: 3_000_000, sumMicro: 5_000_000, scoreMilli: 2000 });
  });

  it('reads a FeedbackSubmitted reputation written before decay as having no abandonments', () => {
    const payload = { feedback: { daoId: 'd1', from: 'Org1MSP', target: 'Org2MSP' }, reputation: { mspId: 'Org2MSP', count: 1, sum: 4, scoreMilli: 4000 } };
    expect(feedbackSubmittedPayloadSchema.parse(payload).reputation).toMatchObject({ abandonments: 0, halfLifeMs: REPUTATION_HALF_LIFE_MS });
    expect(feedbackSubmittedPayloadSchema.parse(payload).reputation.weightMicro).toBeUndefined();
  });
});
