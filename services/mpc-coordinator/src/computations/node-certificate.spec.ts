import { X509Certificate } from 'node:crypto';
import { createMpcCa, issueMpcCertificate, type MpcCa, type TlsIdentity } from '@datawell/mpc';
import { nodeCertificatePin } from './node-certificate';

/** A node in its member's own domain registers itself with a certificate of its member's own CA. */
describe("a self-registered node's certificate", () => {
  let memberCa: MpcCa;
  let otherCa: MpcCa;
  let node: TlsIdentity;
  let foreign: TlsIdentity;

  beforeAll(async () => {
    memberCa = await createMpcCa('member-ca', 1);
    otherCa = await createMpcCa('other-member-ca', 1);
    node = await issueMpcCertificate(memberCa, 'mpc-node', 1);
    foreign = await issueMpcCertificate(otherCa, 'mpc-node', 1);
  });

  it("is pinned with the caller's CA that issued it, when it chains to that CA", () => {
    const pin = nodeCertificatePin('VspMSP', node.cert, memberCa.cert);
    expect(new X509Certificate(pin.certificatePem).raw.equals(new X509Certificate(node.cert).raw)).toBe(true);
    expect(new X509Certificate(pin.caCertificatePem).raw.equals(new X509Certificate(memberCa.cert).raw)).toBe(true);
    // An MSP's CA entry may hold several certificates: the one that issued it is pinned.
    const both = nodeCertificatePin('VspMSP', node.cert, `${otherCa.cert}\n${memberCa.cert}`);
    expect(new X509Certificate(both.caCertificatePem).raw.equals(new X509Certificate(memberCa.cert).raw)).toBe(true);
  });

  const refusal = (pem: string, ca: string | undefined) => {
    try {
      nodeCertificatePin('VspMSP', pem, ca);
    } catch (error) {
      return error as { code: string; message: string };
    }
    throw new Error('accepted');
  };

  it("refuses another MSP's certificate, naming the field and never echoing the PEM", () => {
    const e = refusal(foreign.cert, memberCa.cert);
    expect(e).toMatchObject({ code: 'INVALID_REQUEST', message: 'certificatePem: not issued by the CA of VspMSP in the identity directory' });
    expect(e.message).not.toContain('BEGIN');
  });

  it('refuses a certificate whose issuer name matches but whose signature does not', async () => {
    // Same subject as the member's CA, another key: checkIssued alone would pass.
    const lookalike = await createMpcCa('member-ca', 1);
    expect(refusal(node.cert, lookalike.cert)).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^certificatePem: not issued by/) });
  });

  it.each([
    ['garbage', 'not a certificate'],
    ['a PEM block that does not parse', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
  ])('refuses %s', (_what, pem) => {
    const e = refusal(pem, memberCa.cert);
    expect(e).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^certificatePem: /) });
    expect(e.message).not.toContain(pem.trim());
  });

  it('refuses two certificates, a CA certificate, and a caller without a CA in the directory', () => {
    expect(refusal(`${node.cert}\n${node.cert}`, memberCa.cert).message).toBe('certificatePem: must be exactly one PEM certificate');
    expect(refusal(memberCa.cert, memberCa.cert).message).toBe('certificatePem: a CA certificate is not a node certificate');
    expect(refusal(node.cert, undefined).message).toBe('certificatePem: the identity directory holds no CA of VspMSP');
  });
});
