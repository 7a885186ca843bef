import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpsText, type HttpsText } from '@datawell/config';
import type { StackContext } from '../components/component';
import { StackError } from '../errors';
import { caClient, caName, caTlsCert, enrollRegistrar } from './ca';
import { HOST, fabricDirs, fabricPorts, findOrg, loadRegistry, type OrgRecord } from './layout';
import { readMspPackage } from '../domains/msp-package';

/** The organisation's CA certificate, as its MSP holds it (`msp/cacerts/ca.pem`). */
export function orgCaCertificate(ctx: StackContext, mspId: string): string {
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId);
  // A domain's organisation: from its public MSP package (its own folder is closed to the operator).
  if (org.domain) return readMspPackage(ctx, org.domain).cacerts[0]!;
  return readFileSync(join(fabricDirs(ctx.settings).orgMsp(org), 'cacerts', 'ca.pem'), 'utf8');
}

/**
 * Enrollment ids the stack itself uses at every CA (its registrar, node and admin identities, the
 * ledger bridge's wallet identity, the member provisioner's enroller of MPC node identities): never
 * handed to anyone through a certificate request.
 */
export const RESERVED_ENROLLMENT_ID = /^(admin|ledger-bridge|mpc-node)$|^(admin|peer\d+|orderer\d+)\./;

/** The CA answered, but refused (4xx): the request, not the CA, is at fault. */
export class CaRejectedError extends Error {
  override readonly name = 'CaRejectedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CsrEnrollment {
  readonly certificatePem: string;
  readonly caCertPem: string;
}

/** The org's registrar (its CA admin home) runs fabric-ca-client, as the org's daemons' user (ca.ts caClient). */
function asRegistrar(ctx: StackContext, org: OrgRecord, args: string[], secretEnv: Record<string, string> = {}) {
  return caClient(ctx, org, [...args, '-u', `https://${HOST}:${fabricPorts(ctx.settings).ca(org).listen}`], fabricDirs(ctx.settings).caAdmin(org), secretEnv);
}

/**
 * Registers `id` as a client identity at the org's CA with a fresh one-time secret, or, when it is
 * registered already (a re-enrollment), gives it a fresh secret: the secret is never stored, so each
 * enrollment needs its own. Only client identities may be re-registered this way.
 */
async function registerWithFreshSecret(ctx: StackContext, org: OrgRecord, id: string): Promise<string> {
  const secret = randomBytes(18).toString('base64url');
  await enrollRegistrar(ctx, org);
  try {
    await asRegistrar(ctx, org, ['register', '--id.name', id, '--id.type', 'client'], { FABRIC_CA_CLIENT_ID_SECRET: secret });
    return secret;
  } catch (e) {
    if (!(e instanceof Error && /already registered/i.test(e.message))) throw e;
  }
  const listed = await asRegistrar(ctx, org, ['identity', 'list', '--id', id]);
  const type = /Type: ([A-Za-z]+)/.exec(listed.stdout)?.[1];
  if (type !== 'client') throw new CaRejectedError(409, `${id} is registered at ${org.mspId}'s CA as a ${type ?? 'non-client'} identity, not a client`);
  await asRegistrar(ctx, org, ['identity', 'modify', id, '--secret', secret]);
  return secret;
}

function postEnroll(ctx: StackContext, org: OrgRecord, id: string, secret: string, csrPem: string): Promise<HttpsText> {
  const payload = JSON.stringify({ certificate_request: csrPem, caname: caName(org) });
  return httpsText(
    `https://${HOST}:${fabricPorts(ctx.settings).ca(org).listen}/api/v1/enroll`,
    {
      method: 'POST',
      // The CA's TLS certificate is issued by its own root: Node trusts a chain, not a bare leaf.
      ca: [readFileSync(caTlsCert(ctx, org)), readFileSync(join(fabricDirs(ctx.settings).caHome(org), 'ca-cert.pem'))],
      servername: HOST,
      auth: `${id}:${secret}`,
      headers: { 'content-type': 'application/json' },
    },
    payload,
    30_000,
    `the CA of ${org.mspId} did not answer the enrollment in time`,
  );
}

/**
 * Registers `enrollmentId` at the org's Fabric CA (as its registrar) and enrolls it from a
 * certificate request made where the key lives (Fabric CA's REST `POST /api/v1/enroll`, basic auth
 * with the one-time secret, over the CA's TLS). The key never reaches the stack. Enrolling the same
 * id again, from a new request, issues a new certificate; earlier ones stay valid until revoked.
 * Throws CaRejectedError when the CA refuses the request (4xx).
 */
export async function enrollFromCsr(ctx: StackContext, mspId: string, enrollmentId: string, csrPem: string): Promise<CsrEnrollment> {
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId);
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(enrollmentId) || RESERVED_ENROLLMENT_ID.test(enrollmentId)) {
    throw new StackError('BAD_SETTING', `enrollment id "${enrollmentId}" is not allowed`, 'fabric');
  }
  const secret = await registerWithFreshSecret(ctx, org, enrollmentId);
  const { status, body } = await postEnroll(ctx, org, enrollmentId, secret, csrPem);
  let parsed: { success?: boolean; result?: { Cert?: string }; errors?: { code?: number; message?: string }[] } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON: reported with the status below.
  }
  if (status >= 400 && status < 500) {
    throw new CaRejectedError(status, parsed.errors?.map((e) => e.message).join('; ') || `the CA refused the enrollment (HTTP ${status})`);
  }
  if (status < 200 || status >= 300 || !parsed.success || !parsed.result?.Cert) {
    throw new StackError('COMMAND_FAILED', `enrollment of ${enrollmentId} at ${org.mspId}'s CA failed: HTTP ${status} ${body.slice(0, 300)}`, 'fabric');
  }
  return { certificatePem: Buffer.from(parsed.result.Cert, 'base64').toString('utf8'), caCertPem: orgCaCertificate(ctx, mspId) };
}
