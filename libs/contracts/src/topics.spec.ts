import { memberLedgerTopics, trafficSealedBy, TOPICS } from './topics';

describe('which topics carry sealed traffic', () => {
  it("names the member of every topic under a member's prefix", () => {
    for (const topic of Object.values(memberLedgerTopics('AcmeMSP'))) expect(trafficSealedBy(topic)).toBe('AcmeMSP');
    expect(trafficSealedBy('datawell.member.AcmeMSP.it-1.commands')).toBe('AcmeMSP');
  });

  it("leaves the operator's shared topics, non-MSP names and a dataset's readings (sealed to the MPC node by their producers) alone", () => {
    for (const topic of Object.values(TOPICS)) expect(trafficSealedBy(topic)).toBeUndefined();
    expect(trafficSealedBy('datawell.member.not-an-msp.events')).toBeUndefined();
    expect(trafficSealedBy('datawell.member.AcmeMSP.')).toBeUndefined();
    for (const readings of ['readings.v1', 'plain-readings.v1', 'other-readings.v2']) expect(trafficSealedBy(`datawell.member.AcmeMSP.${readings}`)).toBeUndefined();
    expect(trafficSealedBy('datawell.member.AcmeMSP.readings.v1.extra')).toBe('AcmeMSP');
  });
});
