import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

/**
 * The signature a client gives `POST /auth/token` (libs/auth verifies it): the exact challenge of
 * `POST /auth/challenge` as UTF-8, signed with the enrolled key, ECDSA-SHA256, DER, base64.
 */
export function signLoginChallenge(challenge: string, key: KeyObject | string): string {
  return sign('sha256', Buffer.from(challenge, 'utf8'), typeof key === 'string' ? createPrivateKey(key) : key).toString('base64');
}
