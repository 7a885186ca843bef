import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { WORKLOAD_ATTRIBUTE, workloadOf } from '@datawell/auth';
import { httpsText } from '@datawell/config';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { NodeIdentity, NodeIdentityIssuer } from './node-identity';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The member's own Fabric CA, as the stack tooling describes it (PROVISIONER_MPC_ENROLL_*). */
export interface FabricCaEnrollmentSettings {
  /** https://host:port of the CA. */
  readonly url: string;
  readonly caName: string;
  /** PEM that verifies the CA's TLS certificate. */
  readonly tlsCaFile: string;
  /** `<enrollment id>:<secret>` of the node enroller (a registrar of client identities), read at each issue. */
  readonly secretFile: string;
}

export interface CaResponse {
  readonly status: number;
  readonly body: string;
}

/** One HTTP exchange with the CA's REST API (the port the unit specs stub). */
export type CaHttp = (method: 'POST' | 'PUT', path: string, body: string, authorization: string) => Promise<CaResponse>;

export type NodeIdentityErrorCode = 'CA_REFUSED' | 'CA_UNREACHABLE' | 'CA_FAILED' | 'BAD_SECRET_FILE' | 'BAD_NODE_NAME';

/** An identity could not be issued; the message names the CA and the step, never a secret. */
export class NodeIdentityError extends Error {
  override readonly name = 'NodeIdentityError';
  constructor(
    readonly code: NodeIdentityErrorCode,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const FILES = { cert: 'mpc-node.crt', key: 'mpc-node.key', ca: 'mpc-ca.crt', issuer: 'mpc-node.issuer.json' } as const;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Reissued below this many days left. */
const RENEW_DAYS = 30;
/**
 * Enrollment ids a node may not take: the stack's own at every CA (RESERVED_ENROLLMENT_ID in
 * libs/stack's csr-enrollment) and the enroller's, whose secret registering would replace.
 */
const RESERVED_NAME = /^(admin|ledger-bridge|mpc-node)$|^(admin|peer\d+|orderer\d+)\./;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/**
 * Every node identity is registered as a workload's (libs/auth WORKLOAD_ATTRIBUTE), written into its
 * certificate (`ecert`): the member's services admit it only on the routes a node needs (its ledger
 * reads, its result's delivery, its usage records, its registration), never as a person of the member.
 */
const NODE_ATTRIBUTES = [{ name: WORKLOAD_ATTRIBUTE, value: 'mpc-node', ecert: true }];
/** The order of P-256: Fabric CA accepts only low-S ECDSA signatures (s ≤ n/2). */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function pem(label: string, der: ArrayBuffer): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;
}

/** An unsigned big-endian integer as a DER INTEGER. */
function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** A raw (r‖s) P-256 signature as DER with a low S, as Fabric CA verifies it. */
export function lowSDer(raw: Uint8Array): Buffer {
  const r = BigInt(`0x${Buffer.from(raw.subarray(0, 32)).toString('hex')}`);
  let s = BigInt(`0x${Buffer.from(raw.subarray(32, 64)).toString('hex')}`);
  if (s > P256_N / 2n) s = P256_N - s;
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

interface Enrolled {
  readonly certificatePem: string;
  readonly caChainPem: string;
}

/** The identity in `dir`, when it was issued by this CA for `name`, matches its key and has more than 30 days left. */
function reusable(dir: string, name: string, issuer: string): NodeIdentity | undefined {
  const files = { certFile: join(dir, FILES.cert), keyFile: join(dir, FILES.key), caFile: join(dir, FILES.ca) };
  const issuerFile = join(dir, FILES.issuer);
  if (![files.certFile, files.keyFile, files.caFile, issuerFile].every((f) => existsSync(f))) return undefined;
  try {
    if (readFileSync(issuerFile, 'utf8') !== issuer) return undefined;
    const certificatePem = readFileSync(files.certFile, 'utf8');
    const caCertificatePem = readFileSync(files.caFile, 'utf8');
    const cert = new X509Certificate(certificatePem);
    const ca = new X509Certificate(caCertificatePem);
    const fresh = new Date(cert.validTo).getTime() - Date.now() > RENEW_DAYS * DAY_MS;
    const ours = cert.subject.split('\n').includes(`CN=${name}`) && cert.checkIssued(ca) && cert.verify(ca.publicKey);
    // One issued before node identities were workloads' (no attribute) is issued anew.
    if (workloadOf(cert) !== 'mpc-node') return undefined;
    if (!fresh || !ours || !cert.checkPrivateKey(createPrivateKey(readFileSync(files.keyFile)))) return undefined;
    return { ...files, certificatePem, caCertificatePem };
  } catch {
    // Unreadable or damaged files: issued anew.
    return undefined;
  }
}

/**
 * A member's MPC node identities from the member's own Fabric CA (trust domains, issue 12), over the
 * CA's REST API. Fabric CA makes a certificate's CN its enrollment id, so each node is its own client
 * identity named after the node: the enroller (`mpc-node`, a registrar of client identities whose
 * secret the stack tooling keeps in the domain's secrets folder) enrols a throw-away key of its own,
 * registers the node's name with a fresh secret (or gives an existing one a fresh secret), and the
 * node's certificate request, made beside the node's key, is enrolled under that name with the CA's
 * `tls` profile. The node's key is generated here and written only to its folder (mode 0600); no
 * secret is stored. An identity of this CA for this name with more than 30 days left is reused
 * without asking the CA.
 */
export class FabricCaNodeIdentityIssuer implements NodeIdentityIssuer {
  readonly #settings: FabricCaEnrollmentSettings;
  readonly #http: CaHttp;

  constructor(settings: FabricCaEnrollmentSettings, http?: CaHttp) {
    this.#settings = settings;
    this.#http = http ?? httpsCa(settings);
  }

  async issue(dir: string, name: string): Promise<NodeIdentity> {
    if (!NAME.test(name) || RESERVED_NAME.test(name)) {
      throw new NodeIdentityError('BAD_NODE_NAME', `"${name}" cannot name an MPC node at ${this.#where()}: 1-64 letters, digits, ".", "_", "@" or "-", and none of the CA's own identities`);
    }
    const issuer = `${JSON.stringify({ url: this.#settings.url, caName: this.#settings.caName })}\n`;
    const kept = reusable(dir, name, issuer);
    if (kept) return kept;

    const { id, secret } = this.#credentials();
    const enroller = await this.#enrollerToken(id, secret);
    const nodeSecret = randomBytes(24).toString('base64url');
    await this.#registerNode(enroller, name, nodeSecret);

    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: `CN=${name}`,
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
        ]),
      ],
    });
    const enrolled = await this.#enroll(name, nodeSecret, csr.toString('pem'), 'tls');

    const files = { certFile: join(dir, FILES.cert), keyFile: join(dir, FILES.key), caFile: join(dir, FILES.ca) };
    // The key first, never readable by others, then what refers to it; the issuer mark last (reuse checks it).
    writeAtomically(files.keyFile, keyPem, 0o600);
    writeAtomically(files.certFile, enrolled.certificatePem, 0o644);
    writeAtomically(files.caFile, enrolled.caChainPem, 0o644);
    writeAtomically(join(dir, FILES.issuer), issuer, 0o644);
    return { ...files, certificatePem: enrolled.certificatePem, caCertificatePem: enrolled.caChainPem };
  }

  #where(): string {
    return `the CA ${this.#settings.caName} at ${this.#settings.url}`;
  }

  #credentials(): { id: string; secret: string } {
    let text: string;
    try {
      text = readFileSync(this.#settings.secretFile, 'utf8').trim();
    } catch (error) {
      throw new NodeIdentityError('BAD_SECRET_FILE', `cannot read the MPC enrolment secret file ${this.#settings.secretFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, undefined, { cause: error });
    }
    const at = text.indexOf(':');
    if (at < 1 || at === text.length - 1) throw new NodeIdentityError('BAD_SECRET_FILE', `the MPC enrolment secret file ${this.#settings.secretFile} does not hold "<enrollment id>:<secret>"`);
    return { id: text.slice(0, at), secret: text.slice(at + 1) };
  }

  /** Enrols the enroller with a key that lives only in this call; returns a signer of Fabric CA tokens. */
  async #enrollerToken(id: string, secret: string): Promise<(method: string, path: string, body: string) => Promise<string>> {
    const keys = (await webcrypto.subtle.generateKey(ALG, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${id}`, keys, signingAlgorithm: ALG });
    const { certificatePem } = await this.#enroll(id, secret, csr.toString('pem'));
    const b64cert = Buffer.from(certificatePem).toString('base64');
    // Fabric CA's token: b64(cert).b64(sig over "method.b64(uri).b64(body).b64(cert)").
    return async (method, path, body) => {
      const payload = `${method}.${Buffer.from(path).toString('base64')}.${Buffer.from(body).toString('base64')}.${b64cert}`;
      const raw = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, Buffer.from(payload));
      return `${b64cert}.${lowSDer(new Uint8Array(raw)).toString('base64')}`;
    };
  }

  /** Registers `name` as a client identity with `secret`, or, registered already, gives it that secret. */
  async #registerNode(token: (method: string, path: string, body: string) => Promise<string>, name: string, secret: string): Promise<void> {
    const registration = JSON.stringify({ id: name, type: 'client', secret, max_enrollments: -1, caname: this.#settings.caName, attrs: NODE_ATTRIBUTES });
    const registered = await this.#send('POST', '/api/v1/register', registration, await token('POST', '/api/v1/register', registration), `registering ${name}`, true);
    if (registered.ok) return;
    const path = `/api/v1/identities/${encodeURIComponent(name)}`;
    const modification = JSON.stringify({ id: name, type: 'client', secret, max_enrollments: -1, caname: this.#settings.caName, attrs: NODE_ATTRIBUTES });
    await this.#send('PUT', path, modification, await token('PUT', path, modification), `renewing the secret of ${name}`);
  }

  async #enroll(id: string, secret: string, csrPem: string, profile?: string): Promise<Enrolled> {
    const body = JSON.stringify({ certificate_request: csrPem, caname: this.#settings.caName, ...(profile ? { profile } : {}) });
    const basic = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    const { result } = await this.#send('POST', '/api/v1/enroll', body, basic, `enrolling ${id}`);
    const cert = (result as { Cert?: string } | undefined)?.Cert;
    const chain = (result as { ServerInfo?: { CAChain?: string } } | undefined)?.ServerInfo?.CAChain;
    if (!cert || !chain) throw new NodeIdentityError('CA_FAILED', `${this.#where()} answered the enrolment of ${id} without a certificate or CA chain`);
    return { certificatePem: Buffer.from(cert, 'base64').toString('utf8'), caChainPem: Buffer.from(chain, 'base64').toString('utf8') };
  }

  /**
   * One call; a refusal (4xx) is a CA_REFUSED error with the CA's messages, unless `alreadyRegisteredOk`
   * and the CA says the identity exists (then `ok` is false).
   */
  async #send(method: 'POST' | 'PUT', path: string, body: string, authorization: string, step: string, alreadyRegisteredOk = false): Promise<{ ok: boolean; result?: unknown }> {
    let response: CaResponse;
    try {
      response = await this.#http(method, path, body, authorization);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new NodeIdentityError('CA_UNREACHABLE', `${this.#where()} cannot be reached (${step}): ${code ?? (error as Error).message}`, undefined, { cause: error });
    }
    let parsed: { success?: boolean; result?: unknown; errors?: { message?: string }[] } = {};
    try {
      parsed = JSON.parse(response.body) as typeof parsed;
    } catch {
      // Not JSON: reported by status below.
    }
    const messages = (parsed.errors ?? []).map((e) => e.message).filter(Boolean).join('; ');
    if (response.status >= 400 && response.status < 500) {
      if (alreadyRegisteredOk && /already registered/i.test(messages)) return { ok: false };
      throw new NodeIdentityError('CA_REFUSED', `${this.#where()} refused ${step} (HTTP ${response.status}): ${messages || 'no reason given'}`, response.status);
    }
    if (response.status < 200 || response.status >= 300 || parsed.success !== true) {
      throw new NodeIdentityError('CA_FAILED', `${this.#where()} failed ${step} (HTTP ${response.status}): ${messages || response.body.slice(0, 200)}`, response.status);
    }
    return { ok: true, result: parsed.result };
  }
}

function writeAtomically(file: string, content: string, mode: number): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, content, { mode });
  chmodSync(partial, mode);
  renameSync(partial, file);
}

/** The CA's REST API over HTTPS, trusting only the given TLS CA. */
function httpsCa(settings: FabricCaEnrollmentSettings): CaHttp {
  return (method, path, body, authorization) =>
    httpsText(new URL(path, settings.url), { method, ca: readFileSync(settings.tlsCaFile), headers: { authorization, 'content-type': 'application/json' } }, body, 30_000, 'no answer within 30 s');
}
