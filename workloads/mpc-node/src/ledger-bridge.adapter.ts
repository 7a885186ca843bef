import { createPrivateKey, X509Certificate } from 'node:crypto';
import { answerCode, tokenSession, TokenSessionError, type SessionResponse, type TokenSession, type UsageEntryInput } from '@datawell/contracts';
import { LedgerUnavailableError, type LedgerReader } from './ledger-check';
import { ResultDeliveryError, type ResultDelivery, type ResultToDeliver } from './result-delivery';
import { UsageRecordError, type UsageRecorder } from './usage-record';

/**
 * The member's own ledger bridge (MPC_NODE_LEDGER_URL), read as the node's own identity: its mesh TLS
 * key and certificate, a Fabric client identity of the member from the member's CA. It logs in as
 * every client of the platform does (libs/auth: POST /auth/challenge, sign the exact challenge,
 * POST /auth/token; the token session of @datawell/contracts), reads GET
 * /daos/{daoId}/versions/{version}/state (the dao chaincode's GetVersion through the member's own
 * peer), delivers the results of which the member is a recipient and records the usage entries the
 * node reports (refused or failed ops of the member's datasets). The token is kept until
 * shortly before it expires; a 401 logs in again once.
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

export class LedgerBridgeClient implements LedgerReader, ResultDelivery, UsageRecorder {
  readonly #session: TokenSession;

  constructor(baseUrl: string, identity: BridgeIdentity, options: LedgerBridgeOptions = {}) {
    this.#session = tokenSession({
      baseUrl,
      // The leaf only: the bridge checks it against the member's CA itself.
      identity: { key: createPrivateKey(identity.keyPem), certificatePem: new X509Certificate(identity.certificatePem).toString() },
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async versionState(daoId: string, version: number): Promise<unknown> {
    const path = `/daos/${encodeURIComponent(daoId)}/versions/${version}/state`;
    const { status, body, text } = await this.#request('GET', path);
    // The member's peer has no such version (or the member is not in it): the bridge's VERSION_NOT_FOUND.
    if (status === 404 && answerCode(body) === 'VERSION_NOT_FOUND') return undefined;
    if (status >= 200 && status < 300) {
      if (body === undefined && text !== '') throw new LedgerUnavailableError(`the ledger bridge answered GET ${path} with something other than JSON`);
      return body;
    }
    throw new LedgerUnavailableError(`the ledger bridge answered GET ${path} with ${status}${codeOf(body)}`);
  }

  /**
   * GET /daos/{daoId}/versions/{version}/channel: the root CA certificates of each organisation of the
   * version's channel, from Fabric's channel config as the member's own peer has it (`rootCertificates`);
   * undefined when the bridge does not follow that channel (VERSION_NOT_FOUND).
   */
  async organisationRoots(daoId: string, version: number): Promise<Readonly<Record<string, readonly string[]>> | undefined> {
    const path = `/daos/${encodeURIComponent(daoId)}/versions/${version}/channel`;
    const { status, body } = await this.#request('GET', path);
    if (status === 404 && answerCode(body) === 'VERSION_NOT_FOUND') return undefined;
    if (status < 200 || status >= 300) throw new LedgerUnavailableError(`the ledger bridge answered GET ${path} with ${status}${codeOf(body)}`);
    const roots = (body as { rootCertificates?: unknown } | undefined)?.rootCertificates;
    if (!roots || typeof roots !== 'object' || Object.values(roots).some((v) => !Array.isArray(v) || v.some((c) => typeof c !== 'string'))) {
      throw new LedgerUnavailableError(`the ledger bridge answered GET ${path} without the organisations' root certificates`);
    }
    return roots as Record<string, string[]>;
  }

  /**
   * POST /daos/{daoId}/versions/{version}/computations/{jobId}/result: the member's bridge records
   * ComputationCompleted as the member and keeps the result in the member's own database. Resolves on
   * 2xx; otherwise a ResultDeliveryError, `retryable` when the bridge did not answer or answered 5xx.
   */
  async deliverResult(delivery: ResultToDeliver): Promise<void> {
    const path = `/daos/${encodeURIComponent(delivery.daoId)}/versions/${delivery.version}/computations/${encodeURIComponent(delivery.jobId)}/result`;
    const { daoId: _d, version: _v, jobId: _j, ...body } = delivery;
    await this.#write(path, body, (retryable, code, message) => new ResultDeliveryError(retryable, code, message));
  }

  /**
   * POST /daos/{daoId}/versions/{version}/usage: the member's bridge records the entry with RecordUsage
   * as the member. Resolves on 2xx (a repeat of the same entry too); otherwise a UsageRecordError,
   * `retryable` when the bridge did not answer or answered 5xx.
   */
  async recordUsage(daoId: string, version: number, entry: UsageEntryInput): Promise<void> {
    await this.#write(`/daos/${encodeURIComponent(daoId)}/versions/${version}/usage`, entry, (retryable, code, message) => new UsageRecordError(retryable, code, message));
  }

  async #write(path: string, body: unknown, failure: (retryable: boolean, code: string, message: string) => Error): Promise<void> {
    let answer;
    try {
      answer = await this.#session.request('POST', path, body);
    } catch (error) {
      if (!(error instanceof TokenSessionError)) throw error;
      throw failure(error.status === undefined || error.status >= 500, error.code ?? (error.status === undefined ? 'UNREACHABLE' : `HTTP_${error.status}`), `the ledger bridge ${error.message}`);
    }
    if (answer.status >= 200 && answer.status < 300) return;
    const code = answerCode(answer.body) ?? `HTTP_${answer.status}`;
    throw failure(answer.status >= 500, code, `the ledger bridge answered POST ${path} with ${answer.status} ${code}`);
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<SessionResponse> {
    let answer: SessionResponse;
    try {
      answer = await this.#session.request(method, path, body);
    } catch (error) {
      if (!(error instanceof TokenSessionError)) throw error;
      // Unreachable, or a login refused (not an identity of its organisation, expired) or failing.
      throw new LedgerUnavailableError(`the ledger bridge ${error.message}`);
    }
    if (answer.status >= 500) throw new LedgerUnavailableError(`the ledger bridge answered ${method} ${path} with ${answer.status}`);
    return answer;
  }
}

function codeOf(body: unknown): string {
  const code = answerCode(body);
  return code ? ` ${code}` : '';
}
