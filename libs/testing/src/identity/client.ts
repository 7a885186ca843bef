import 'reflect-metadata';
import { createPrivateKey, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { parametersDigest } from '@datawell/contracts';
import { DEFAULT_FRACTIONAL_BITS } from '@datawell/mpc';
import { computationRequestSigningText, outdatedComputationRequestSigningText } from '@datawell/domain';

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

/** A POST /computations body (at the MPC coordinator), before the requester's signature fields: every field the signature binds. */
export interface ComputationRequestBody {
  readonly daoId: string;
  readonly version: number;
  readonly computation: string;
  /** fractionalBits as the coordinator fills it in when absent (DEFAULT_FRACTIONAL_BITS of @datawell/mpc), which the nodes then run with and check. */
  readonly parameters: { readonly columns: readonly string[]; readonly fractionalBits?: number };
  readonly dataset: { readonly name: string; readonly owner: string };
  readonly recipients: readonly string[];
  readonly requestId: string;
  readonly [field: string]: unknown;
}

/** What a test may sign instead of the body's own fields (a forged or mismatched signature), or `v1` for the outdated text. */
export interface SignedOver {
  readonly recipients?: readonly string[];
  readonly requester?: string;
  readonly computation?: string;
  readonly owner?: string;
  readonly columns?: readonly string[];
  readonly fractionalBits?: number;
  readonly v1?: boolean;
}

/**
 * `body` signed by `identity` as its organisation's request (computationRequestSigningText, v2, over
 * its fields: the dataset's owner and parametersDigest of its parameters included; issued now unless
 * `issuedAtMs` is given): the body with issuedAtMs, certificatePem and signature. `over` changes what
 * is signed without changing the body (a test's forged or mismatched signature; `v1` signs the
 * outdated text, which the coordinator and the nodes refuse).
 */
export function signComputationRequest<B extends ComputationRequestBody>(
  identity: Pick<EnrolledIdentity, 'mspId' | 'certificatePem' | 'privateKeyPem'>,
  body: B,
  options: { issuedAtMs?: number; over?: SignedOver } = {},
): B & { issuedAtMs: number; certificatePem: string; signature: string } {
  const issuedAtMs = options.issuedAtMs ?? Date.now();
  const over = options.over ?? {};
  const fields = {
    requestId: body.requestId,
    daoId: body.daoId,
    version: body.version,
    computation: over.computation ?? body.computation,
    dataset: body.dataset.name,
    recipients: over.recipients ?? body.recipients,
    requester: over.requester ?? identity.mspId,
    issuedAtMs,
  };
  const parameters = { columns: over.columns ?? body.parameters.columns, fractionalBits: over.fractionalBits ?? body.parameters.fractionalBits ?? DEFAULT_FRACTIONAL_BITS };
  const text = over.v1 ? outdatedComputationRequestSigningText(fields) : computationRequestSigningText({ ...fields, owner: over.owner ?? body.dataset.owner, parametersDigest: parametersDigest(parameters) });
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
