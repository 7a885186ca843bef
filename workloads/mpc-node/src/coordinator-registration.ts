import { createPrivateKey, X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerCode, tokenSession, TokenSessionError, type TokenSession } from '@datawell/contracts';
import type { BridgeIdentity } from './ledger-bridge.adapter';
import type { NodeLog } from './op-queue';

/*
 * A node in its member's domain registers itself at the operator's coordinator (MPC_NODE_COORDINATOR_URL)
 * with its own identity: it logs in with its TLS key and certificate (a client identity of its
 * member, so the coordinator's principal is the member's MSP) and says where its control API is and
 * which certificate it presents there (the coordinator checks that it chains to the member's CA and
 * pins it). The coordinator may not know the DAO's version yet: the node tries again until it does.
 */

/** PUT /daos/:daoId/versions/:version/nodes as the node's member. */
export interface NodeRegistration {
  readonly daoId: string;
  readonly version: number;
  readonly partyIndex: number;
  readonly controlUrl: string;
  /** The node's own certificate (PEM, the leaf). */
  readonly certificatePem: string;
}

/** The port to the coordinator. */
export interface CoordinatorRegistry {
  registerNode(registration: NodeRegistration): Promise<void>;
}

/** The coordinator did not register the node: its HTTP status (undefined: no answer) and stable code. */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
  constructor(
    readonly status: number | undefined,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class CoordinatorClient implements CoordinatorRegistry {
  readonly #session: TokenSession;

  constructor(baseUrl: string, identity: BridgeIdentity, options: { readonly timeoutMs?: number; readonly fetch?: typeof fetch } = {}) {
    this.#session = tokenSession({
      baseUrl,
      identity: { key: createPrivateKey(identity.keyPem), certificatePem: new X509Certificate(identity.certificatePem).toString() },
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async registerNode(r: NodeRegistration): Promise<void> {
    const path = `/daos/${encodeURIComponent(r.daoId)}/versions/${r.version}/nodes`;
    let answer;
    try {
      answer = await this.#session.request('PUT', path, { partyIndex: r.partyIndex, controlUrl: r.controlUrl, certificatePem: r.certificatePem });
    } catch (error) {
      if (!(error instanceof TokenSessionError)) throw error;
      throw new RegistrationError(error.status, error.code ?? (error.status === undefined ? 'UNREACHABLE' : `HTTP_${error.status}`), `the coordinator ${error.message}`);
    }
    if (answer.status >= 200 && answer.status < 300) return;
    const code = answerCode(answer.body) ?? `HTTP_${answer.status}`;
    throw new RegistrationError(answer.status, code, `the coordinator answered PUT ${path} with ${answer.status} ${code}`);
  }
}

export interface RegistrationRetry {
  /** The first wait after a failure the coordinator may get over (no answer, 5xx, 404), doubled each time up to `maxDelayMs` (default 1 s). */
  readonly firstDelayMs?: number;
  /** Default 30 s. */
  readonly maxDelayMs?: number;
  /** The wait after a refusal (400, 403, …: settings may change), default 120 s. */
  readonly refusedDelayMs?: number;
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
}

/**
 * Registers the node until the coordinator takes it: retried with backoff (at most every `maxDelayMs`)
 * while the coordinator does not answer, answers 5xx or 404 (it has not seen the DAO's directory entry
 * yet), slowly after a refusal (400, 403). Each distinct failure is logged once (status and code,
 * never a PEM). Resolves true once registered, false when `signal` stopped it.
 */
export async function registerAtCoordinator(registry: CoordinatorRegistry, registration: NodeRegistration, log: NodeLog, retry: RegistrationRetry = {}): Promise<boolean> {
  const first = retry.firstDelayMs ?? 1000;
  const max = retry.maxDelayMs ?? 30_000;
  const wait = retry.sleep ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, signal ? { signal } : {}));
  const where = { daoId: registration.daoId, version: registration.version, partyIndex: registration.partyIndex, controlUrl: registration.controlUrl };
  let told: string | undefined;
  let delay = first;
  while (!retry.signal?.aborted) {
    try {
      await registry.registerNode(registration);
      log('registered at the coordinator', where);
      return true;
    } catch (error) {
      const e = error instanceof RegistrationError ? error : new RegistrationError(undefined, 'INTERNAL', error instanceof Error ? error.message : String(error));
      const passing = e.status === undefined || e.status >= 500 || e.status === 404;
      const seen = `${e.status ?? '-'}:${e.code}`;
      if (seen !== told) log('registration at the coordinator failed', { ...where, status: e.status ?? null, code: e.code, retrying: passing ? 'with backoff' : 'slowly' });
      told = seen;
      try {
        await wait(passing ? delay : (retry.refusedDelayMs ?? 120_000), retry.signal);
      } catch {
        return false;
      }
      delay = passing ? Math.min(max, delay * 2) : first;
    }
  }
  return false;
}
