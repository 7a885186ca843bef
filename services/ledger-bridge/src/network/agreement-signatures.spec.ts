import type { AgreementReached } from '@datawell/contracts';
import { AgreementSignatureError, verifyAgreementSignatures } from './agreement-signatures';
import { signAgreement, testCa, type TestCa } from './test-pki.spec-helper';

const DSP = 'DspMSP';
const VSP = 'VspMSP';
const JOINER = 'JoinerMSP';
const agreement = {
  agreementId: 'agr-1',
  daoId: 'd1',
  version: 1,
  betaPpm: 800_000,
  members: [
    { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800_000 },
    { mspId: VSP, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 },
  ],
  documentDigest: 'ab'.repeat(32),
};

describe('verifyAgreementSignatures', () => {
  let cas: Record<string, TestCa>;
  let ids: Record<string, { certPem: string; keyPem: string }>;
  const caOf = (msp: string) => cas[msp]?.certPem;

  beforeAll(async () => {
    cas = { [DSP]: await testCa('ca-dsp'), [VSP]: await testCa('ca-vsp'), OtherMSP: await testCa('ca-other'), [JOINER]: await testCa('ca-joiner') };
    ids = { [DSP]: await cas[DSP]!.issue('alice'), [VSP]: await cas[VSP]!.issue('bob'), [JOINER]: await cas[JOINER]!.issue('carol') };
  });

  const event = (signatures: AgreementReached['signatures'], body: Record<string, unknown> = agreement): AgreementReached => ({
    sessionId: 's1',
    agreementId: 'agr-1',
    daoId: 'd1',
    version: 1,
    agreement: body as AgreementReached['agreement'],
    signatures,
  });
  const sig = (msp: string, enrollmentId: string, body: unknown = agreement, id = ids[msp]!) => ({ mspId: msp, enrollmentId, certificatePem: id.certPem, signature: signAgreement(body, id.keyPem) });
  const fails = (e: AgreementReached, message: RegExp) => {
    expect(() => verifyAgreementSignatures(e, caOf)).toThrow(AgreementSignatureError);
    expect(() => verifyAgreementSignatures(e, caOf)).toThrow(message);
  };

  it('accepts an agreement signed by every member with certificates of their own CAs, whatever the key order', () => {
    expect(() => verifyAgreementSignatures(event([sig(DSP, 'alice'), sig(VSP, 'bob')]), caOf)).not.toThrow();
    const reordered = JSON.parse(JSON.stringify({ documentDigest: agreement.documentDigest, members: agreement.members, version: 1, daoId: 'd1', betaPpm: 800_000, agreementId: 'agr-1' }));
    expect(() => verifyAgreementSignatures(event([sig(DSP, 'alice'), sig(VSP, 'bob')], reordered), caOf)).not.toThrow();
  });

  it('refuses a signature over other content, a missing member, a stranger, another CA, a wrong name, an expired certificate', async () => {
    fails(event([sig(DSP, 'alice', { ...agreement, betaPpm: 900_000 }), sig(VSP, 'bob')]), /signatures\.0 \(DspMSP\/alice\): the signature does not verify/);
    fails(event([sig(DSP, 'alice'), sig(DSP, 'alice')]), /not signed by VspMSP/);
    const stranger = await cas['OtherMSP']!.issue('eve');
    fails(event([sig(DSP, 'alice'), sig(VSP, 'bob'), sig('OtherMSP', 'eve', agreement, stranger)]), /OtherMSP is not a member/);
    fails(event([sig(DSP, 'alice'), sig(VSP, 'bob', agreement, stranger)]), /signatures\.1 \(VspMSP\/bob\): the certificate was not issued by the CA of VspMSP/);
    fails(event([sig(DSP, 'mallory'), sig(VSP, 'bob')]), /the certificate is not mallory's/);
    const old = await cas[VSP]!.issue('bob', { offsetMs: -7200_000 });
    fails(event([sig(DSP, 'alice'), sig(VSP, 'bob', agreement, old)]), /the certificate is not valid now/);
    fails(event([sig(DSP, 'alice'), { ...sig(VSP, 'bob'), signature: 'AAAA' }]), /the signature does not verify/);
    fails(event([sig(DSP, 'alice'), { ...sig(VSP, 'bob'), certificatePem: 'nope' }]), /the certificate is not readable/);
    expect(() => verifyAgreementSignatures(event([sig(DSP, 'alice'), sig(VSP, 'bob')]), (m) => (m === DSP ? cas[DSP]!.certPem : undefined))).toThrow(/no CA certificate is known for VspMSP/);
    fails(event([sig(DSP, 'alice'), sig(VSP, 'bob')], { ...agreement, betaPpm: 0.5 }), /no canonical JSON/);
  });

  describe('a join (version 2)', () => {
    const join = (dspPpm: number, vspPpm: number) => ({
      ...agreement,
      version: 2,
      betaPpm: 750_000,
      members: [
        { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: dspPpm },
        { mspId: VSP, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: vspPpm },
        { mspId: JOINER, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 1_000_000 - dspPpm - vspPpm },
      ],
    });
    const signed = (body: Record<string, unknown>, who: string[]) =>
      event(who.map((m) => sig(m, { [DSP]: 'alice', [VSP]: 'bob', [JOINER]: 'carol' }[m]!, body)), body);

    it('needs the founding group and the joiners, and an ownership majority of the earlier members, not everyone', () => {
      const body = join(600_000, 150_000);
      expect(() => verifyAgreementSignatures(signed(body, [DSP, JOINER]), caOf)).not.toThrow();
      expect(() => verifyAgreementSignatures(signed(body, [DSP, VSP, JOINER]), caOf)).not.toThrow();
      fails(signed(body, [DSP, VSP]), /not signed by JoinerMSP/);
      fails(signed(body, [VSP, JOINER]), /not signed by DspMSP/);
    });

    it('refuses a join whose earlier signers hold no majority of the earlier ownership', () => {
      const body = join(300_000, 450_000);
      fails(signed(body, [DSP, JOINER]), /hold 300000 of 750000 ppm/);
      expect(() => verifyAgreementSignatures(signed(body, [DSP, VSP, JOINER]), caOf)).not.toThrow();
    });
  });
});
