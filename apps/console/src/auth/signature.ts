/**
 * The bytes of a sign-in: the services verify a base64 DER ECDSA-SHA256 signature of the challenge
 * (libs/auth), while WebCrypto signs in IEEE P1363 form (r ‖ s, each the curve's size). Pure
 * functions, so that they run in the page and in node's unit tests alike.
 */

/** DER of a PEM block (`-----BEGIN <label>-----`), or an error naming what was expected. */
export function pemToDer(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) throw new Error(`expected a PEM block "${label}"`);
  return base64ToBytes(match[1]!.replace(/\s+/g, ''));
}

/** An unsigned big-endian integer as DER INTEGER content: no leading zeros, a 0x00 before a high bit. */
function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const pad = trimmed[0]! & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + trimmed.length);
  out[0] = 0x02;
  out[1] = pad + trimmed.length;
  out.set(trimmed, 2 + pad);
  return out;
}

/** An ECDSA signature r ‖ s (P1363, as WebCrypto returns it) as DER `SEQUENCE { INTEGER r, INTEGER s }`. */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.length === 0 || signature.length % 2 !== 0 || signature.length > 132) throw new Error(`not an ECDSA P1363 signature (${signature.length} bytes)`);
  const half = signature.length / 2;
  const r = derInteger(signature.subarray(0, half));
  const s = derInteger(signature.subarray(half));
  const length = r.length + s.length;
  // P-521 signatures pass 127 bytes of content: the long form of the length.
  const header = length < 0x80 ? [0x30, length] : [0x30, 0x81, length];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(r, header.length);
  out.set(s, header.length + r.length);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The curve of a PKCS#8 EC key, from its named-curve OID, for WebCrypto's importKey. */
export function namedCurveOf(pkcs8: Uint8Array): 'P-256' | 'P-384' | 'P-521' {
  const hex = Array.from(pkcs8, (b) => b.toString(16).padStart(2, '0')).join('');
  if (!hex.includes('2a8648ce3d0201')) throw new Error('the private key is not an EC key (ECDSA)');
  if (hex.includes('2a8648ce3d030107')) return 'P-256';
  if (hex.includes('2b81040022')) return 'P-384';
  if (hex.includes('2b81040023')) return 'P-521';
  throw new Error('the EC key is on a curve other than P-256, P-384 or P-521');
}
