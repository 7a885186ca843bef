import type { DomainFormationResult } from '@datawell/testing';
import { describeDomains } from './scenario';

/** A DAO of domains with a computation, as runDomainFormation returns it (the fields the summary prints). */
const formed = {
  daoId: 'up1',
  versions: [{ version: 1, channel: 'dao-up1-v1', members: ['UpDspMSP', 'UpVsp1MSP'] }],
  readBy: { UpDspMSP: { members: ['UpDspMSP', 'UpVsp1MSP'], status: 'active' }, UpVsp1MSP: { members: ['UpDspMSP', 'UpVsp1MSP'], status: 'active' } },
  payouts: { UpDspMSP: '800000', UpVsp1MSP: '200000' },
  otherMemberAtBridge: { status: 403, code: 'FORBIDDEN' },
  computation: {
    id: 'cmp-1',
    dataset: { name: 'readings', topic: 'datawell.member.UpDspMSP.pm25-0a1b2c3d-readings.v1', file: '/x/readings.jsonl', column: 'pm25' },
    published: 65,
    requester: 'UpVsp1MSP',
    recipients: ['UpVsp1MSP'],
    atCoordinator: { status: 'completed', resultDigest: 'ab'.repeat(32), resultAnswer: { status: 409, code: 'RESULT_IN_RECIPIENT_DOMAIN' } },
    nodes: [],
    atRecipients: { UpVsp1MSP: { result: { n: 3, mean: 2 }, resultDigest: 'ab'.repeat(32), txId: 'tx-cc' } },
    atDsp: { status: 404, code: 'RESULT_NOT_FOUND' },
  },
  usage: [
    { txId: 'tx-g', usageId: 'cmp-1', requester: 'UpVsp1MSP', computation: 'mean', recipients: ['UpVsp1MSP'], outcome: 'granted', rows: 3, resultDigest: 'ab'.repeat(32), recordedBy: 'UpVsp1MSP' },
    { txId: 'tx-r', usageId: 'cmp-2', requester: 'UpVsp1MSP', computation: 'mean', recipients: ['UpDspMSP'], outcome: 'refused', check: 'recipients-allowed', recordedBy: 'UpDspMSP' },
  ],
} as unknown as DomainFormationResult;

describe("the summary of a DAO of domains (./dev up, ./dev scenario domains)", () => {
  it('tells where the result went and how to read it, and the DSP’s usage trail with its transactions', () => {
    const text = describeDomains(formed);
    expect(text).toContain("the DSP's sensors published 65 readings of readings to datawell.member.UpDspMSP.pm25-0a1b2c3d-readings.v1, each sealed to the DSP's node");
    expect(text).toContain('computation cmp-1: UpVsp1MSP asked for the mean of readings');
    expect(text).toContain('the result itself: 409 RESULT_IN_RECIPIENT_DOMAIN');
    expect(text).toContain('UpVsp1MSP        received it in its own domain: {"n":3,"mean":2} (ComputationCompleted tx tx-cc); ./dev result --dao up1 --version 1 --id cmp-1 --as UpVsp1MSP');
    expect(text).toContain('(./dev usage --dataset readings --dao up1 --as UpDspMSP)');
    expect(text).toContain('tx tx-g: UpVsp1MSP mean to UpVsp1MSP: granted, recorded by UpVsp1MSP');
    expect(text).toContain('tx tx-r: UpVsp1MSP mean to UpDspMSP: refused (recipients-allowed), recorded by UpDspMSP');
  });

  it('lists payouts under what made them (recorded revenue, the metered computation), and none without either', () => {
    expect(describeDomains(formed)).toContain("  the computation, metered at the terms' price by its recipient's bridge; each member's payout as it reads it through its own bridge:\n    UpDspMSP         800000");
    const paid = describeDomains({ ...formed, revenueTxId: 'tx-rev' } as DomainFormationResult);
    expect(paid).toContain("revenue recorded by the DSP in its own domain (tx tx-rev) and the computation, metered at the terms' price");
    const { computation: _c, usage: _u, ...plain } = formed as unknown as Record<string, unknown>;
    expect(describeDomains(plain as unknown as DomainFormationResult)).not.toContain('800000');
  });

  it('says nothing of a computation when none ran', () => {
    const { computation: _c, usage: _u, ...plain } = formed as unknown as Record<string, unknown>;
    expect(describeDomains(plain as unknown as DomainFormationResult)).not.toContain('computation');
  });
});
