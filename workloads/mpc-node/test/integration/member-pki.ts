import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createMpcCa, type MpcCa } from '@datawell/mpc';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A node's identity from its member's CA: its key and certificate (PEM), and its member's CA certificate. */
export interface MemberIdentity {
  readonly key: string;
  readonly cert: string;
  readonly caCert: string;
}

/** A member's own CA, as its Fabric CA is: a self-signed root that issues enrolment certificates. */
export function memberCa(member: string): Promise<MpcCa> {
  return createMpcCa(`ca.${member}`, 1);
}

/**
 * An enrolment certificate as Fabric CA issues it: KeyUsage digitalSignature only (critical), not a CA,
 * no ExtendedKeyUsage, and a CN that is an enrolment id (the same for several nodes).
 */
export async function enrol(ca: MpcCa, enrolmentId: string): Promise<MemberIdentity> {
  const issuer = new x509.X509Certificate(ca.cert);
  const signingKey = await webcrypto.subtle.importKey('pkcs8', Buffer.from(ca.key.replace(/-----[^-]+-----|\s/g, ''), 'base64'), ALG, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    subject: `CN=${enrolmentId},OU=client`,
    issuer: issuer.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    signingKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true), new x509.BasicConstraintsExtension(false, undefined, true)],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64').replace(/.{64}/g, '$&\n');
  return { key: `-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----\n`, cert: cert.toString('pem'), caCert: ca.cert };
}
