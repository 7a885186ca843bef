import 'reflect-metadata';
import { createPrivateKey, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { computationRequestSigningText } from '@datawell/domain';

/** An identity as its holder keeps it: the enrolled certificate and the private key that never leaves. */
export interface EnrolledIdentity {
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A fresh ECDSA P-256 key and a certificate request for `enrollmentId`, made where the key lives. */
export async function createKeyAndCsr(enrollmentId: string, options: { organizationalUnits?: readonly string[] } = {}): Promise<{ privateKeyPem: string; csrPem: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = (await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  // Several OUs share one RDN, as Fabric CA writes a type and an affiliation (OU=admin+OU=org1).
  const ous = options.organizationalUnits ?? [];
  const name = [...(ous.length > 0 ? [ous.map((ou) => `OU=${ou}`).join('+')] : []), `CN=${enrollmentId}`].join(', ');
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: ECDSA });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n').trim()}\n-----END PRIVATE KEY-----\n`;
  return { privateKeyPem, csrPem: csr.toString('pem') };
}

/** base64 DER ECDSA-SHA256 signature of `data` (a challenge, or an agreement's canonical bytes). */
export function signWithIdentity(privateKeyPem: string, data: string | Uint8Array): string {
  const key = createPrivateKey(privateKeyPem);
  return sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, key).toString('base64');
}

/** A POST /computations body (at the MPC coordinator) with the requester's signature fields. */
export interface ComputationRequestBody {
  readonly daoId: string;
  readonly version: number;
  readonly computation: string;
  readonly dataset: { readonly name: string; readonly owner?: string };
  readonly recipients: readonly string[];
  readonly requestId: string;
  readonly [field: string]: unknown;
}

/**
 * `body` signed by `identity` as its organisation's request (computationRequestSigningText over its
 * fields, issued now unless `issuedAtMs` is given): the body with issuedAtMs, certificatePem and signature.
 * `over` changes what is signed without changing the body (a test's forged or mismatched signature).
 */
export function signComputationRequest<B extends ComputationRequestBody>(
  identity: Pick<EnrolledIdentity, 'mspId' | 'certificatePem' | 'privateKeyPem'>,
  body: B,
  options: { issuedAtMs?: number; over?: { recipients?: readonly string[]; requester?: string; computation?: string } } = {},
): B & { issuedAtMs: number; certificatePem: string; signature: string } {
  const issuedAtMs = options.issuedAtMs ?? Date.now();
  const text = computationRequestSigningText({
    requestId: body.requestId,
    daoId: body.daoId,
    version: body.version,
    computation: options.over?.computation ?? body.computation,
    dataset: body.dataset.name,
    recipients: options.over?.recipients ?? body.recipients,
    requester: options.over?.requester ?? identity.mspId,
    issuedAtMs,
  });
  return { ...body, issuedAtMs, certificatePem: identity.certificatePem, signature: signWithIdentity(identity.privateKeyPem, text) };
}

/** Logs in at a Datawell service: challenge, signature, token. Throws with the service's code and message. */
export async function login(baseUrl: string, identity: Pick<EnrolledIdentity, 'certificatePem' | 'privateKeyPem'>): Promise<string> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`POST ${baseUrl}${path}: ${response.status} ${String(json['code'])} ${String(json['message'])}`);
    return json;
  };
  const { challenge } = (await post('/auth/challenge', {})) as { challenge: string };
  const { token } = (await post('/auth/token', { certificatePem: identity.certificatePem, challenge, signature: signWithIdentity(identity.privateKeyPem, challenge) })) as { token: string };
  return token;
}
