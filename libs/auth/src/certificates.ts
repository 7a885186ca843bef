import { createHash, X509Certificate } from 'node:crypto';
// @peculiar/x509 (its DI container) needs the reflect polyfill loaded first.
import 'reflect-metadata';
import { X509Certificate as ParsedCertificate } from '@peculiar/x509';
import { issuingCa } from '@datawell/domain';
import { unauthenticated } from './errors';
import type { DirectoryEntry } from './principal';

export interface VerifiedCertificate {
  readonly entry: DirectoryEntry;
  readonly enrollmentId: string;
  /** OU=admin: Fabric CA's `admin` identity type (NodeOUs). */
  readonly admin: boolean;
  /** The workload this identity is for (WORKLOAD_ATTRIBUTE), when it is one: not a person. */
  readonly workload?: string;
  readonly fingerprint: string;
  readonly certificate: X509Certificate;
}

export function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw unauthenticated('certificatePem is not a readable X.509 certificate', error);
  }
}

export function fingerprintOf(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('hex');
}

/** The CN of the subject: Fabric CA puts the enrollment id there. */
export function commonName(certificate: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
}

/**
 * Whether the subject has OU=admin, which Fabric CA writes for an identity registered with type admin
 * (with an affiliation it shares a multi-valued RDN with it, which Node prints as `OU=admin + OU=org1`).
 */
export function isAdminCertificate(certificate: X509Certificate): boolean {
  return certificate.subject.split('\n').some((rdn) => rdn.split(' + ').includes('OU=admin'));
}

/** Fabric CA's extension of enrollment certificate attributes: JSON `{"attrs": {name: value}}` (its attrmgr). */
export const FABRIC_ATTRIBUTES_OID = '1.2.3.4.5.6.7.8.1';

/**
 * The attribute a member's CA writes into the certificate of a workload's identity (an MPC node's:
 * `mpc-node`), registered with `ecert: true` by the member's provisioner. Such an identity is the
 * workload's, not a person's: the services admit it only on the routes its workload needs.
 */
export const WORKLOAD_ATTRIBUTE = 'datawell.workload';
const WORKLOAD_VALUE = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * The certificate's Fabric CA attributes, or undefined when it has none (or not as Fabric CA writes
 * them). A certificate whose attribute extension cannot be read is not taken for a person's: the
 * caller refuses it (see workloadOf).
 */
export function fabricAttributes(certificate: X509Certificate): Record<string, string> | undefined | 'unreadable' {
  let value: ArrayBuffer | undefined;
  try {
    value = new ParsedCertificate(certificate.raw).getExtension(FABRIC_ATTRIBUTES_OID)?.value;
  } catch {
    return 'unreadable';
  }
  if (!value) return undefined;
  try {
    const attrs = (JSON.parse(Buffer.from(value).toString('utf8')) as { attrs?: unknown }).attrs;
    if (!attrs || typeof attrs !== 'object' || Array.isArray(attrs)) return 'unreadable';
    return Object.fromEntries(Object.entries(attrs as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  } catch {
    return 'unreadable';
  }
}

/**
 * The workload an identity's certificate is for (WORKLOAD_ATTRIBUTE), or undefined for a person's.
 * An unreadable attribute extension, or a workload value that is no name, is refused (401): it cannot
 * be told apart from a workload's.
 */
export function workloadOf(certificate: X509Certificate): string | undefined {
  const attrs = fabricAttributes(certificate);
  if (attrs === 'unreadable') throw unauthenticated(`the certificate's attribute extension (${FABRIC_ATTRIBUTES_OID}) is not readable`);
  const workload = attrs?.[WORKLOAD_ATTRIBUTE];
  if (workload === undefined) return undefined;
  if (!WORKLOAD_VALUE.test(workload)) throw unauthenticated(`the certificate's ${WORKLOAD_ATTRIBUTE} attribute is not a workload name`);
  return workload;
}

/**
 * The directory statuses whose identities sign in. A participant suspended by the marketplace's
 * governance still does (it reads, withdraws its offers); the services refuse what the sanction
 * forbids (posting offers, opening negotiations, joining DAOs).
 */
export const AUTHENTICATED_STATUSES: ReadonlySet<string> = new Set(['active', 'suspended']);

/**
 * Finds the registered participant whose CA issued `certificate` and checks the signature and the
 * validity period. Only active participants count: a removed organisation's identities are refused.
 */
export function verifyAgainstDirectory(certificate: X509Certificate, entries: readonly DirectoryEntry[], now = new Date()): VerifiedCertificate {
  for (const entry of entries) {
    if (!issuingCa(certificate, entry.caCertPem)) continue;
    if (!AUTHENTICATED_STATUSES.has(entry.status)) throw unauthenticated(`${entry.mspId} is not an active participant (status ${entry.status})`);
    if (now < new Date(certificate.validFrom) || now > new Date(certificate.validTo)) {
      throw unauthenticated(`the certificate is not valid now (valid ${certificate.validFrom} to ${certificate.validTo})`);
    }
    const enrollmentId = commonName(certificate);
    if (!enrollmentId) throw unauthenticated('the certificate has no common name');
    const workload = workloadOf(certificate);
    return { entry, enrollmentId, admin: isAdminCertificate(certificate), ...(workload ? { workload } : {}), fingerprint: fingerprintOf(certificate), certificate };
  }
  throw unauthenticated('the certificate was not issued by the CA of any registered participant');
}

export { issuingCa };
