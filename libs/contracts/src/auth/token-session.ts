import type { KeyObject } from 'node:crypto';
import { signLoginChallenge } from './login-signature';

/**
 * A client's session at a Datawell service, logged in as every client of the platform is (libs/auth):
 * `POST /auth/challenge`, the exact challenge signed with the enrolled key (signLoginChallenge),
 * `POST /auth/token {challenge, signature, certificatePem}`; then each request carries the bearer
 * token. The token is kept until shortly before it expires (30 s, or its last half for a short one;
 * without an expiry, until it is refused); a 401 forgets it and logs in again, once per request. No
 * framework: the MPC node and the member's bridge use it alike.
 */
export interface SessionIdentity {
  /** The enrolled key (PEM or a KeyObject). */
  readonly key: KeyObject | string;
  /** The enrolled certificate, sent as given (the service checks it against the organisation's CA). */
  readonly certificatePem: string;
}

export interface TokenSessionOptions {
  /** The service's base URL (a final "/" is ignored). */
  readonly baseUrl: string;
  /** The identity, or how to get it (read when logging in). */
  readonly identity: SessionIdentity | (() => Promise<SessionIdentity>);
  /** Per HTTP request (default 10 s). */
  readonly timeoutMs?: number;
  /** The HTTP client (default: the global fetch); unit tests give a stub. */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** A service's answer: its status and JSON body (undefined when empty or not JSON; `text` is what came). */
export interface SessionResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/**
 * The session could not get an answer: `unreachable` (no HTTP answer: refused, reset, timed out),
 * `login` (the service refused the login, `status` and its `code`), `malformed` (a login answer
 * without a challenge or token). The message is a predicate ("did not answer POST /x: …"): callers
 * put the service's name before it.
 */
export class TokenSessionError extends Error {
  override readonly name = 'TokenSessionError';
  constructor(
    readonly reason: 'unreachable' | 'login' | 'malformed',
    message: string,
    readonly status?: number,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface TokenSession {
  /** One request with the session's token (logging in first when needed; a 401 logs in again once). Any HTTP status is answered, not thrown. */
  request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<SessionResponse>;
  /** Forgets the token: the next request logs in. */
  forget(): void;
}

/** A token is not used in its last 30 s (or its last half, for a short one). */
const MARGIN_MS = 30_000;

/** The stable `code` of a service's JSON error answer, if it has one. */
export function answerCode(body: unknown): string | undefined {
  const code = (body as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function tokenSession(options: TokenSessionOptions): TokenSession {
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let token: { value: string; useUntil: number } | undefined;

  const send = async (method: string, path: string, body: unknown, bearer?: string): Promise<SessionResponse> => {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new TokenSessionError('unreachable', `did not answer ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, undefined, undefined, { cause: error });
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text };
  };

  const loginStep = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const answer = await send('POST', path, body);
    if (answer.status < 200 || answer.status >= 300) {
      const code = answerCode(answer.body);
      throw new TokenSessionError('login', `refused the login (POST ${path}: ${answer.status}${code ? ` ${code}` : ''})`, answer.status, code);
    }
    return (answer.body ?? {}) as Record<string, unknown>;
  };

  const login = async (): Promise<string> => {
    const at = now();
    if (token && at < token.useUntil) return token.value;
    const identity = typeof options.identity === 'function' ? await options.identity() : options.identity;
    const { challenge } = await loginStep('/auth/challenge', {});
    if (typeof challenge !== 'string') throw new TokenSessionError('malformed', 'gave no challenge');
    const answer = await loginStep('/auth/token', { challenge, signature: signLoginChallenge(challenge, identity.key), certificatePem: identity.certificatePem });
    if (typeof answer['token'] !== 'string') throw new TokenSessionError('malformed', 'gave no token');
    const expiresAt = Date.parse(String(answer['expiresAt']));
    const lifetime = expiresAt - at;
    token = { value: answer['token'], useUntil: Number.isFinite(expiresAt) ? at + Math.max(0, lifetime - MARGIN_MS, lifetime / 2) : Number.POSITIVE_INFINITY };
    return token.value;
  };

  return {
    async request(method, path, body) {
      for (let attempt = 0; ; attempt++) {
        const answer = await send(method, path, body, await login());
        if (answer.status !== 401 || attempt > 0) return answer;
        // An expired or revoked token (the service restarted): log in again, once.
        token = undefined;
      }
    },
    forget() {
      token = undefined;
    },
  };
}
