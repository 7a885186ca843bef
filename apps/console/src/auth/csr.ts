import { bytesToBase64, p1363ToDer } from './signature';

/*
 * A new identity's key and certificate request, made in the page: WebCrypto generates an ECDSA P-256
 * key pair, and the page writes the PKCS#10 request (RFC 2986) itself, DER by hand: the subject is
 * CN=<enrollmentId>, the key is WebCrypto's SubjectPublicKeyInfo, no attributes, signed with
 * ecdsa-with-SHA256 by the new key. The request goes to the marketplace for enrollment at the
 * organisation's CA; the private key goes only to the person, as a file to keep.
 */

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, content: Uint8Array): Uint8Array<ArrayBuffer> {
  const header = [tag, ...length(content.length)];
  const out = new Uint8Array(header.length + content.length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const sequence = (...parts: Uint8Array[]) => tlv(0x30, concat(parts));
const set = (...parts: Uint8Array[]) => tlv(0x31, concat(parts));

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(bytes));
}

const COMMON_NAME = '2.5.4.3';
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/** What a Fabric CA takes as an enrollment id (and the marketplace's enrollment id rule). */
export const ENROLLMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function pem(label: string, der: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${bytesToBase64(der).replace(/(.{64})/g, '$1\n').trim()}\n-----END ${label}-----\n`;
}

/** The DER certificate request of `keys` for CN=`commonName`. */
export async function certificationRequest(keys: CryptoKeyPair, commonName: string): Promise<Uint8Array> {
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  const subject = sequence(set(sequence(oid(COMMON_NAME), tlv(0x0c, new TextEncoder().encode(commonName)))));
  // version 0, subject, subjectPKInfo, attributes [0] (none)
  const info = sequence(tlv(0x02, new Uint8Array([0])), subject, spki, new Uint8Array([0xa0, 0x00]));
  const p1363 = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, info));
  const signature = tlv(0x03, concat([new Uint8Array([0]), p1363ToDer(p1363)]));
  return sequence(info, sequence(oid(ECDSA_WITH_SHA256)), signature);
}

/** A new P-256 key (PKCS#8 PEM, for the person to keep) and its certificate request (PEM) for `enrollmentId`. */
export async function newKeyAndRequest(enrollmentId: string): Promise<{ privateKeyPem: string; csrPem: string }> {
  if (!ENROLLMENT_ID.test(enrollmentId)) throw new Error('the enrollment id must be 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit');
  // Extractable once, so that the person can save it: the page keeps it only until then.
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const csr = await certificationRequest(keys, enrollmentId);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { privateKeyPem: pem('PRIVATE KEY', pkcs8), csrPem: pem('CERTIFICATE REQUEST', csr) };
}
