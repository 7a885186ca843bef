import { X509Certificate } from 'node:crypto';
import { verifyAgainstDirectory } from './certificates';
import { AuthError } from './errors';
import type { DirectoryEntry } from './principal';
import { createKeyAndCsr, signWithIdentity, testCertificateAuthority } from '@datawell/testing';
import { TOKEN_TTL_MS, TokenIssuer } from './tokens';

async function identity(caName = 'ca.acme') {
  const ca = await testCertificateAuthority(caName);
  const { privateKeyPem, csrPem } = await createKeyAndCsr('alice');
  const certificatePem = await ca.issue(csrPem);
  const entry: DirectoryEntry = { mspId: 'AcmeMSP', role: 'DSP', name: 'Acme', status: 'active', caCertPem: ca.caCertPem };
  return { ca, privateKeyPem, certificatePem, entry };
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof AuthError ? error.code : `other: ${String(error)}`;
  }
};

describe('certificates against the identity directory', () => {
  it('finds the organisation whose CA issued the certificate, with the enrollment id', async () => {
    const a = await identity();
    const other = await identity('ca.other');
    const verified = verifyAgainstDirectory(new X509Certificate(a.certificatePem), [{ ...other.entry, mspId: 'OtherMSP' }, a.entry]);
    expect(verified.entry.mspId).toBe('AcmeMSP');
    expect(verified.enrollmentId).toBe('alice');
    expect(verified.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a certificate from an unregistered CA, an inactive organisation and an expired certificate', async () => {
    const a = await identity();
    const b = await identity('ca.other');
    expect(codeOf(() => verifyAgainstDirectory(new X509Certificate(a.certificatePem), [b.entry]))).toBe('UNAUTHENTICATED');
    expect(codeOf(() => verifyAgainstDirectory(new X509Certificate(a.certificatePem), [{ ...a.entry, status: 'removed' }]))).toBe('UNAUTHENTICATED');
    // Suspended by the marketplace's governance: it still signs in; the services refuse what the sanction forbids.
    expect(verifyAgainstDirectory(new X509Certificate(a.certificatePem), [{ ...a.entry, status: 'suspended' }]).entry.mspId).toBe('AcmeMSP');
    const later = new Date(Date.now() + 3 * 86_400_000);
    expect(codeOf(() => verifyAgainstDirectory(new X509Certificate(a.certificatePem), [a.entry], later))).toBe('UNAUTHENTICATED');
  });
});

describe('challenges and tokens', () => {
  it('redeems a challenge signed by the certificate key once, then issues a token that verifies', async () => {
    const a = await identity();
    const issuer = new TokenIssuer(undefined);
    const { challenge } = issuer.challenge();
    const cert = new X509Certificate(a.certificatePem);
    expect(() => issuer.redeemChallenge(challenge, signWithIdentity(a.privateKeyPem, challenge), cert)).not.toThrow();
    expect(codeOf(() => issuer.redeemChallenge(challenge, signWithIdentity(a.privateKeyPem, challenge), cert))).toBe('UNAUTHENTICATED');
    const principal = { mspId: 'AcmeMSP', enrollmentId: 'alice', role: 'DSP' as const, certificateFingerprint: 'f'.repeat(64) };
    const { token } = issuer.issue(principal);
    expect(issuer.verify(token)).toEqual(principal);
    // An administrator stays one: the operator's administrators call the network administration with their token.
    const admin = { mspId: 'OperatorMSP', enrollmentId: 'admin.operator', role: 'OPERATOR' as const, admin: true, certificateFingerprint: 'e'.repeat(64) };
    expect(issuer.verify(issuer.issue(admin).token)).toEqual(admin);
  });

  it('refuses a signature by another key, a forged or foreign challenge, a tampered or expired token', async () => {
    const a = await identity();
    const b = await identity();
    let now = 1_000_000;
    const issuer = new TokenIssuer('s'.repeat(32), () => now);
    const cert = new X509Certificate(a.certificatePem);
    const { challenge } = issuer.challenge();
    expect(codeOf(() => issuer.redeemChallenge(challenge, signWithIdentity(b.privateKeyPem, challenge), cert))).toBe('UNAUTHENTICATED');
    const foreign = new TokenIssuer('t'.repeat(32), () => now).challenge().challenge;
    expect(codeOf(() => issuer.redeemChallenge(foreign, signWithIdentity(a.privateKeyPem, foreign), cert))).toBe('UNAUTHENTICATED');
    const principal = { mspId: 'AcmeMSP', enrollmentId: 'alice', role: 'DSP' as const, certificateFingerprint: 'f'.repeat(64) };
    const { token } = issuer.issue(principal);
    const [claims, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...principal, mspId: 'OtherMSP', exp: now + 1000 })).toString('base64url');
    expect(codeOf(() => issuer.verify(`${forged}.${mac}`))).toBe('UNAUTHENTICATED');
    expect(issuer.verify(`${claims}.${mac}`).mspId).toBe('AcmeMSP');
    now += TOKEN_TTL_MS + 1;
    expect(codeOf(() => issuer.verify(token))).toBe('UNAUTHENTICATED');
    const stale = issuer.challenge().challenge;
    now += 10 * 60 * 1000;
    expect(codeOf(() => issuer.redeemChallenge(stale, signWithIdentity(a.privateKeyPem, stale), cert))).toBe('UNAUTHENTICATED');
  });
});
