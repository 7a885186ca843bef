import { bytesToBase64, namedCurveOf, p1363ToDer, pemToDer } from './signature';

/*
 * The signed-in identity's private key, held by this page only as a non-extractable WebCrypto key:
 * it signs the services' sign-in challenges and the agreements one accepts in the negotiation room.
 * It lives in this page's memory (never in storage, never sent): reloading the page or signing out
 * drops it, and the room then asks for the key file again.
 */
let held: { key: CryptoKey; mspId: string } | undefined;

/** Imports a PKCS#8 PEM EC key as a non-extractable ECDSA signing key (its curve from the key's OID). */
export async function importSigningKey(privateKeyPem: string): Promise<CryptoKey> {
  const pkcs8 = pemToDer(privateKeyPem, 'PRIVATE KEY');
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: namedCurveOf(pkcs8) }, false, ['sign']);
}

/** base64 DER ECDSA-SHA256 of `data` (UTF-8 text or bytes), as the services verify it. */
export async function signWith(key: CryptoKey, data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const p1363 = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, bytes));
  return bytesToBase64(p1363ToDer(p1363));
}

export function holdKey(key: CryptoKey, mspId: string): void {
  held = { key, mspId };
}

/** The held key of `mspId`'s signed-in identity, if this page still has it. */
export function heldKey(mspId: string | undefined): CryptoKey | undefined {
  return held && held.mspId === mspId ? held.key : undefined;
}

export function forgetKey(): void {
  held = undefined;
}
