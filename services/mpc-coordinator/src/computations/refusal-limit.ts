import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ConnectionLogger } from '@datawell/messaging';

/** How many refused computation requests an organisation may send per window before it is throttled. */
export interface RefusalLimitSettings {
  /** Refusals recorded per requester and window; the next ones are throttled until the window ends. */
  readonly perWindow: number;
  readonly windowSeconds: number;
}

/** A refusal may be recorded (`allowed`), or the requester is over its limit for `retryAfterSeconds` more. */
export type RefusalVerdict = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * The limit on refused requests per requester (organisation): every refused request takes one point
 * of the requester's window; a refusal beyond the window's points is throttled, neither recorded on
 * the ledger nor answered with its check. Granted requests take nothing.
 */
export interface RefusalLimit {
  take(requester: string): Promise<RefusalVerdict>;
}

/** Whole seconds until the window ends, at least 1 (HTTP's Retry-After). */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

/**
 * The limit in Redis (rate-limiter-flexible's fixed window: one counter per requester, INCR with its
 * expiry in one Lua call), shared by every coordinator instance of the same queue. When Redis does
 * not answer, the refusal is let through (recorded as before): the trail loses nothing because the
 * limit's store is away; it is logged.
 */
export class RedisRefusalLimit implements RefusalLimit {
  readonly #limiter: RateLimiterRedis;
  readonly #throttled: Counter<'requester'> | undefined;

  constructor(
    redis: Redis,
    /** Keys are `<namespace>:refusals:<MSP id>`. */
    namespace: string,
    settings: RefusalLimitSettings,
    private readonly logger: ConnectionLogger,
    registry?: Registry,
  ) {
    this.#limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${namespace}:refusals`, points: settings.perWindow, duration: settings.windowSeconds, rejectIfRedisNotReady: true });
    this.#throttled = registry
      ? new Counter({ name: 'datawell_mpc_refusals_throttled_total', help: 'Refused computation requests beyond the requester\'s limit: answered 429 TOO_MANY_REFUSALS, not recorded on the ledger', labelNames: ['requester'], registers: [registry] })
      : undefined;
  }

  async take(requester: string): Promise<RefusalVerdict> {
    try {
      await this.#limiter.consume(requester);
      return { allowed: true };
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) {
        this.#throttled?.inc({ requester });
        return { allowed: false, retryAfterSeconds: retryAfterSeconds(outcome.msBeforeNext) };
      }
      this.logger.warn({ message: 'the refusal limit could not be read (Redis); the refusal is recorded', requester, error: String(outcome) });
      return { allowed: true };
    }
  }
}
