import { createHmac, randomBytes, timingSafeEqual, verify as verifySignature, type X509Certificate } from 'node:crypto';
import { unauthenticated } from './errors';
import type { Principal } from './principal';

export const CHALLENGE_TTL_MS = 2 * 60 * 1000;
export const TOKEN_TTL_MS = 60 * 60 * 1000;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * Stateless challenges and bearer tokens, both MACed with this service's secret: a challenge is
 * `<nonce>.<expiry>.<mac>`, a token `<claims>.<mac>`. A challenge is good for one login only.
 */
export class TokenIssuer {
  readonly #secret: Buffer;
  readonly #used = new Map<string, number>();

  constructor(secret: string | undefined, private readonly clock: () => number = Date.now) {
    this.#secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  challenge(): { challenge: string; expiresAt: string } {
    const expires = this.clock() + CHALLENGE_TTL_MS;
    const body = `${b64url(randomBytes(24))}.${expires}`;
    return { challenge: `${body}.${this.#mac('challenge', body)}`, expiresAt: new Date(expires).toISOString() };
  }

  /** Checks that `challenge` is ours, unexpired and unused, and that `signature` signs it with the certificate's key. */
  redeemChallenge(challenge: string, signatureB64: string, certificate: X509Certificate): void {
    const parts = challenge.split('.');
    if (parts.length !== 3) throw unauthenticated('malformed challenge');
    const [nonce, expires, mac] = parts as [string, string, string];
    if (!this.#same(mac, this.#mac('challenge', `${nonce}.${expires}`))) throw unauthenticated('the challenge was not issued by this service');
    const now = this.clock();
    if (Number(expires) < now) throw unauthenticated('the challenge has expired; ask for a new one');
    const signature = Buffer.from(signatureB64, 'base64');
    let ok = false;
    try {
      const key = certificate.publicKey;
      ok = verifySignature(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.from(challenge, 'utf8'), key, signature);
    } catch {
      ok = false;
    }
    if (!ok) throw unauthenticated('the signature does not verify with the certificate\'s key');
    for (const [used, until] of this.#used) if (until < now) this.#used.delete(used);
    if (this.#used.has(nonce)) throw unauthenticated('the challenge was already used; ask for a new one');
    this.#used.set(nonce, Number(expires));
  }

  issue(principal: Principal): { token: string; expiresAt: string } {
    const exp = this.clock() + TOKEN_TTL_MS;
    const claims = b64url(JSON.stringify({ ...principal, exp }));
    return { token: `${claims}.${this.#mac('token', claims)}`, expiresAt: new Date(exp).toISOString() };
  }

  verify(token: string): Principal {
    const [claims, mac, extra] = token.split('.');
    if (!claims || !mac || extra !== undefined || !this.#same(mac, this.#mac('token', claims))) throw unauthenticated('the bearer token is not valid here');
    let parsed: Principal & { exp: number };
    try {
      parsed = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Principal & { exp: number };
    } catch (error) {
      throw unauthenticated('the bearer token is not valid here', error);
    }
    if (typeof parsed.exp !== 'number' || parsed.exp < this.clock()) throw unauthenticated('the bearer token has expired; log in again');
    const { mspId, enrollmentId, role, certificateFingerprint } = parsed;
    // `admin` too: without it an operator administrator's token was refused on the routes only administrators may call.
    // `workload` too: without it a workload's token would pass as a person's.
    return { mspId, enrollmentId, role, ...(parsed.admin === true ? { admin: true } : {}), ...(typeof parsed.workload === 'string' ? { workload: parsed.workload } : {}), certificateFingerprint };
  }

  #mac(purpose: string, body: string): string {
    return createHmac('sha256', this.#secret).update(`${purpose}:${body}`).digest('base64url');
  }

  #same(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }
}
