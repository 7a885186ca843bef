import { createKeyAndCsr, testCertificateAuthority } from '@datawell/testing';
import { checkGenesis, GenesisRejectedError, type GenesisExpectations } from './genesis-check';

type Ca = Awaited<ReturnType<typeof testCertificateAuthority>>;

describe("a member's check of a genesis block before its peer joins", () => {
  let dsp: Ca;
  let vsp: Ca;
  let impostor: Ca;
  let dspSigner: string;
  let vspSigner: string;

  beforeAll(async () => {
    [dsp, vsp, impostor] = await Promise.all([testCertificateAuthority('ca.dsp'), testCertificateAuthority('ca.vsp'), testCertificateAuthority('ca.operator')]);
    dspSigner = await dsp.issue((await createKeyAndCsr('alice')).csrPem);
    vspSigner = await vsp.issue((await createKeyAndCsr('bob')).csrPem);
  });

  const expected = (): GenesisExpectations => ({
    self: { mspId: 'VspMSP', caCertPems: [vsp.caCertPem] },
    members: ['DspMSP', 'VspMSP'],
    signatures: [
      { mspId: 'DspMSP', certificatePem: dspSigner },
      { mspId: 'VspMSP', certificatePem: vspSigner },
    ],
  });

  it('accepts the block built from the members’ own MSPs', () => {
    expect(() => checkGenesis(expected(), [{ mspId: 'VspMSP', rootCertPems: [vsp.caCertPem] }, { mspId: 'DspMSP', rootCertPems: [dsp.caCertPem] }])).not.toThrow();
  });

  it('refuses a block with another organisation, or without one of the members', () => {
    const withOperator = [{ mspId: 'DspMSP', rootCertPems: [dsp.caCertPem] }, { mspId: 'VspMSP', rootCertPems: [vsp.caCertPem] }, { mspId: 'OperatorMSP', rootCertPems: [impostor.caCertPem] }];
    expect(() => checkGenesis(expected(), withOperator)).toThrow(/organisations are DspMSP, OperatorMSP, VspMSP, the agreement's members DspMSP, VspMSP/);
    expect(() => checkGenesis(expected(), [{ mspId: 'VspMSP', rootCertPems: [vsp.caCertPem] }])).toThrow(GenesisRejectedError);
  });

  it("refuses a block where its own MSP is not its own CA", () => {
    expect(() => checkGenesis(expected(), [{ mspId: 'VspMSP', rootCertPems: [impostor.caCertPem] }, { mspId: 'DspMSP', rootCertPems: [dsp.caCertPem] }])).toThrow(/VspMSP's MSP in the genesis block is not its own CA/);
    expect(() => checkGenesis({ ...expected(), self: { mspId: 'VspMSP', caCertPems: ['not a certificate'] } }, [{ mspId: 'VspMSP', rootCertPems: [vsp.caCertPem] }, { mspId: 'DspMSP', rootCertPems: [dsp.caCertPem] }])).toThrow(/not its own CA/);
  });

  it("refuses a block where a signer's organisation is not the CA that issued the signer's certificate", () => {
    // The operator swapped the DSP's MSP for one of its own: the DSP's signer's certificate no longer chains to it.
    expect(() => checkGenesis(expected(), [{ mspId: 'VspMSP', rootCertPems: [vsp.caCertPem] }, { mspId: 'DspMSP', rootCertPems: [impostor.caCertPem] }])).toThrow(/DspMSP's MSP in the genesis block did not issue the certificate/);
    // A signature naming an organisation whose certificate is unreadable is refused too.
    expect(() => checkGenesis({ ...expected(), signatures: [{ mspId: 'DspMSP', certificatePem: 'garbage' }] }, [{ mspId: 'VspMSP', rootCertPems: [vsp.caCertPem] }, { mspId: 'DspMSP', rootCertPems: [dsp.caCertPem] }])).toThrow(GenesisRejectedError);
  });
});
