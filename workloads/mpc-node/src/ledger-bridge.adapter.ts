import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { signLoginChallenge } from '@datawell/contracts';
import { LedgerUnavailableError, type LedgerReader } from './ledger-check';

/**
 * The member's own ledger bridge (MPC_NODE_LEDGER_URL), read as the node's own identity: its mesh TLS
 * key and certificate, a Fabric client identity of the member from the member's CA. It logs in as
 * every client of the platform does (libs/auth: POST /auth/challenge, sign the exact challenge,
 * POST /auth/token) and reads GET /daos/{daoId}/versions/{version}/state: the dao chaincode's
 * GetVersion through the member's own peer. The token is kept until shortly before it expires; a 401
 * logs in again once.
 */
export interface BridgeIdentity {
  readonly keyPem: string;
  readonly certificatePem: string;
}

export interface LedgerBridgeOptions {
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
  /** The HTTP client (default: the global fetch); unit tests give a stub. */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** A token is not used in its last 30 s (or its last half, for a short one). */
const MARGIN_MS = 30_000;

export class LedgerBridgeClient implements LedgerReader {
  readonly #base: string;
  readonly #key: KeyObject;
  readonly #certificatePem: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  #token: { value: string; useUntil: number } | undefined;

  constructor(baseUrl: string, identity: BridgeIdentity, options: LedgerBridgeOptions = {}) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#key = createPrivateKey(identity.keyPem);
    // The leaf only: the bridge checks it against the member's CA itself.
    this.#certificatePem = new X509Certificate(identity.certificatePem).toString();
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  async versionState(daoId: string, version: number): Promise<unknown> {
    const path = `/daos/${encodeURIComponent(daoId)}/versions/${version}/state`;
    for (let attempt = 0; ; attempt++) {
      const token = await this.#login();
      const { status, body } = await this.#request('GET', path, undefined, token);
      if (status === 401 && attempt === 0) {
        // An expired or revoked token (the bridge restarted): log in again, once.
        this.#token = undefined;
        continue;
      }
      // The member's peer has no such version (or the member is not in it): the bridge's VERSION_NOT_FOUND.
      if (status === 404 && codeOf(body) === ' VERSION_NOT_FOUND') return undefined;
      if (status >= 200 && status < 300) return body;
      throw new LedgerUnavailableError(`the ledger bridge answered GET ${path} with ${status}${codeOf(body)}`);
    }
  }

  async #login(): Promise<string> {
    const now = this.#now();
    if (this.#token && now < this.#token.useUntil) return this.#token.value;
    const challenge = await this.#post('/auth/challenge', {});
    if (typeof challenge['challenge'] !== 'string') throw new LedgerUnavailableError('the ledger bridge gave no challenge');
    const signature = signLoginChallenge(challenge['challenge'], this.#key);
    const answer = await this.#post('/auth/token', { challenge: challenge['challenge'], signature, certificatePem: this.#certificatePem });
    const token = answer['token'];
    const expiresAt = Date.parse(String(answer['expiresAt']));
    if (typeof token !== 'string' || !Number.isFinite(expiresAt)) throw new LedgerUnavailableError('the ledger bridge gave no token');
    const lifetime = expiresAt - now;
    this.#token = { value: token, useUntil: now + Math.max(0, lifetime - MARGIN_MS, lifetime / 2) };
    return token;
  }

  async #post(path: string, body: unknown): Promise<Record<string, unknown>> {
    const { status, body: answer } = await this.#request('POST', path, body);
    if (status < 200 || status >= 300) {
      // 4xx: the bridge does not accept this node's identity (not an identity of its organisation, expired).
      throw new LedgerUnavailableError(`the ledger bridge refused the node's login (POST ${path}: ${status}${codeOf(answer)})`);
    }
    return (answer ?? {}) as Record<string, unknown>;
  }

  async #request(method: 'GET' | 'POST', path: string, body: unknown, token?: string): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new LedgerUnavailableError(`the ledger bridge did not answer ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response.status >= 500) throw new LedgerUnavailableError(`the ledger bridge answered ${method} ${path} with ${response.status}`);
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      if (response.ok) throw new LedgerUnavailableError(`the ledger bridge answered ${method} ${path} with something other than JSON`);
    }
    return { status: response.status, body: parsed };
  }
}

function codeOf(body: unknown): string {
  const code = (body as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? ` ${code}` : '';
}
