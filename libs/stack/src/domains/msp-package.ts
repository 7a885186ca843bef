import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { StackError } from '../errors';
import { fabricDirs, HOST, type OrgRecord } from '../fabric/layout';
import { peerProcess } from '../fabric/nodes';
import { domainPaths, type DomainRecord } from './domain';

/**
 * What a member domain gives the operator (registration will carry it): its MSP's public part and
 * its peer's endpoint. Certificates only, never a key.
 */
export interface MspPackage {
  readonly mspId: string;
  readonly role: DomainRecord['role'];
  /** PEM root certificates of the MSP (its CA's certificate). */
  readonly cacerts: readonly string[];
  /** PEM root certificates of the TLS CA (the same CA issues TLS certificates here). */
  readonly tlscacerts: readonly string[];
  /** The MSP's config.yaml (NodeOUs), as written in the MSP folder. */
  readonly nodeOUs: string;
  readonly peer: { readonly endpoint: string; readonly hostAlias: string; readonly tlsCaCert: string };
}

export const MSP_PACKAGE_FILE = 'msp-package.json';

/**
 * Writes the package to the domain's public folder, both as a Fabric MSP folder (msp/cacerts,
 * msp/tlscacerts, msp/config.yaml) and as one JSON document, and returns it.
 */
export function writeMspPackage(ctx: StackContext, org: OrgRecord, d: DomainRecord): MspPackage {
  const msp = fabricDirs(ctx.settings).orgMsp(org);
  const peer = peerProcess(ctx, org);
  const ca = readFileSync(join(msp, 'cacerts', 'ca.pem'), 'utf8');
  const tlsCa = readFileSync(join(msp, 'tlscacerts', 'ca.pem'), 'utf8');
  const pkg: MspPackage = {
    mspId: org.mspId,
    role: d.role,
    cacerts: [ca],
    tlscacerts: [tlsCa],
    nodeOUs: readFileSync(join(msp, 'config.yaml'), 'utf8'),
    peer: { endpoint: peer.endpoint, hostAlias: HOST, tlsCaCert: readFileSync(join(peer.home, 'tls', 'ca.crt'), 'utf8') },
  };
  verifyMspPackage(pkg);
  const out = domainPaths(ctx.settings, d.name).publicDir;
  for (const sub of ['cacerts', 'tlscacerts']) {
    mkdirSync(join(out, 'msp', sub), { recursive: true, mode: 0o755 });
    copyFileSync(join(msp, sub, 'ca.pem'), join(out, 'msp', sub, 'ca.pem'));
  }
  writeFileSync(join(out, 'msp', 'config.yaml'), pkg.nodeOUs, { mode: 0o644 });
  writeFileSync(join(out, 'peer-tls-ca.pem'), pkg.peer.tlsCaCert, { mode: 0o644 });
  writeFileSync(join(out, MSP_PACKAGE_FILE), `${JSON.stringify(pkg, null, 2)}\n`, { mode: 0o644 });
  return pkg;
}

export function readMspPackage(ctx: StackContext, name: string): MspPackage {
  return JSON.parse(readFileSync(join(domainPaths(ctx.settings, name).publicDir, MSP_PACKAGE_FILE), 'utf8')) as MspPackage;
}

/**
 * Checks a package as a receiver would: every certificate parses, the roots are CA certificates
 * that sign themselves, the peer's TLS CA is one of the TLS roots, the NodeOUs point at the
 * roots, and nothing that looks like a private key is inside.
 */
export function verifyMspPackage(pkg: MspPackage): void {
  const bad = (why: string): never => {
    throw new StackError('BAD_MSP_PACKAGE', `MSP package of ${pkg.mspId}: ${why}`, 'domains');
  };
  if (/PRIVATE KEY/.test(JSON.stringify(pkg))) bad('holds a private key');
  const roots = (pems: readonly string[], what: string) => {
    if (pems.length === 0) bad(`no ${what}`);
    return pems.map((pem) => {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(pem);
      } catch (e) {
        return bad(`a ${what} certificate does not parse: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (!cert.ca) bad(`a ${what} certificate is not a CA certificate`);
      if (!cert.verify(cert.publicKey) || !cert.checkIssued(cert)) bad(`a ${what} certificate is not a self-signed root`);
      return cert;
    });
  };
  roots(pkg.cacerts, 'cacerts');
  const tls = roots(pkg.tlscacerts, 'tlscacerts');
  const peerCa = new X509Certificate(pkg.peer.tlsCaCert);
  if (!tls.some((t) => t.fingerprint256 === peerCa.fingerprint256)) bad("the peer's TLS CA is not one of its tlscacerts");
  if (!/Enable: true/.test(pkg.nodeOUs) || !/Certificate: cacerts\/ca\.pem/.test(pkg.nodeOUs)) bad('config.yaml does not enable NodeOUs over cacerts/ca.pem');
}
