import { randomUUID, type webcrypto } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { canonicalJson } from '@datawell/domain';
import { SealedReadingError } from './errors';
import { rawPrivateKey, rawPublicKey } from './keys';

/**
 * A reading sealed to a DSP's MPC node: HPKE (RFC 9180) in base mode with DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256 and AES-256-GCM, one encapsulation per reading. The HPKE `info` is the reading's
 * context (owner, dataset, topic), so a ciphertext opens only for the dataset it was made for; the
 * event id is the AAD, so the id a node deduplicates on cannot be swapped.
 */
export const SEALED_READING_TYPE = 'datawell.iot.reading.sealed.v1';
export const SEALED_READING_CONTENT_TYPE = 'application/vnd.datawell.hpke-sealed+json';
/** Names the suite inside the event: an opener refuses any other (no algorithm negotiation). */
export const SEALED_READING_SUITE = 'hpke-base/dhkem-x25519-hkdf-sha256/hkdf-sha256/aes-256-gcm';
const SOURCE = '/datawell/iot';
const INFO_LABEL = 'datawell.iot.reading.v1';
/** Plaintexts are padded to a multiple of this, so a ciphertext's length does not tell a value's digits. */
const PAD = 64;
const MAX_PLAINTEXT = 4096;

/** A reading: a JSON object, e.g. `{"sensor": "s-7", "pm25": 31.5}`; every field is sealed. */
export type Reading = Readonly<Record<string, unknown>>;

/** What a sealed reading is for: the DSP (MSP id) that owns the dataset, the dataset's name and its topic. */
export interface ReadingContext {
  readonly owner: string;
  readonly dataset: string;
  readonly topic: string;
}

/** A CloudEvent whose only content is the encapsulated key and the ciphertext (base64). */
export interface SealedReading {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: typeof SEALED_READING_TYPE;
  readonly datacontenttype: typeof SEALED_READING_CONTENT_TYPE;
  readonly data: { readonly suite: string; readonly enc: string; readonly ct: string };
}

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const encoder = new TextEncoder();

/** The HPKE `info` of a context: a label and the context's canonical JSON. */
export function readingInfo(context: ReadingContext): Uint8Array {
  for (const field of ['owner', 'dataset', 'topic'] as const) {
    const v = (context as unknown as Record<string, unknown>)?.[field];
    if (typeof v !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(v)) throw new SealedReadingError('CONTEXT_INVALID', `the context's ${field} must be 1-249 letters, digits, '.', '_' or '-'`);
  }
  return encoder.encode(`${INFO_LABEL}\n${canonicalJson({ owner: context.owner, dataset: context.dataset, topic: context.topic })}`);
}

function plaintextOf(reading: Reading): Uint8Array {
  if (reading === null || typeof reading !== 'object' || Array.isArray(reading)) throw new SealedReadingError('READING_INVALID', 'a reading must be a JSON object');
  let json: string;
  try {
    json = JSON.stringify(reading);
  } catch (error) {
    throw new SealedReadingError('READING_INVALID', 'a reading must be serialisable as JSON', { cause: error });
  }
  const bytes = encoder.encode(json);
  if (bytes.length > MAX_PLAINTEXT) throw new SealedReadingError('READING_INVALID', `a reading must be at most ${MAX_PLAINTEXT} bytes of JSON`);
  // Trailing spaces are JSON whitespace: the opener parses the padded text as it is.
  const padded = new Uint8Array(Math.ceil((bytes.length + 1) / PAD) * PAD).fill(0x20);
  padded.set(bytes);
  return padded;
}

/** Seals one reading to the node whose public key is given (PEM, base64 of the raw key, or bytes). */
export async function sealReading(recipientPublicKey: string | Uint8Array, reading: Reading, context: ReadingContext): Promise<SealedReading> {
  const info = readingInfo(context);
  const plaintext = plaintextOf(reading);
  const id = randomUUID();
  let publicKey: webcrypto.CryptoKey;
  try {
    publicKey = await suite.kem.deserializePublicKey(rawPublicKey(recipientPublicKey));
  } catch (error) {
    if (error instanceof SealedReadingError) throw error;
    throw new SealedReadingError('KEY_INVALID', 'the readings public key is not a valid X25519 key', { cause: error });
  }
  const { enc, ct } = await suite.seal({ recipientPublicKey: publicKey, info }, plaintext, encoder.encode(id));
  return {
    specversion: '1.0',
    id,
    source: SOURCE,
    type: SEALED_READING_TYPE,
    datacontenttype: SEALED_READING_CONTENT_TYPE,
    data: { suite: SEALED_READING_SUITE, enc: Buffer.from(enc).toString('base64'), ct: Buffer.from(ct).toString('base64') },
  };
}

/** Whether a parsed message claims to be a sealed reading (its type); `openReading` checks the rest. */
export function isSealedReading(message: unknown): boolean {
  return message !== null && typeof message === 'object' && (message as { type?: unknown }).type === SEALED_READING_TYPE;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parts(message: unknown): { id: string; enc: Uint8Array; ct: Uint8Array } {
  const m = message as Partial<SealedReading> | null;
  if (!isSealedReading(m) || m!.specversion !== '1.0' || m!.datacontenttype !== SEALED_READING_CONTENT_TYPE) throw new SealedReadingError('NOT_SEALED', 'not a sealed reading (type, content type or spec version)');
  const { id, data } = m!;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw new SealedReadingError('NOT_SEALED', 'a sealed reading needs an id');
  if (!data || typeof data !== 'object') throw new SealedReadingError('NOT_SEALED', 'a sealed reading needs data');
  if (data.suite !== SEALED_READING_SUITE) throw new SealedReadingError('NOT_SEALED', 'a sealed reading of another suite');
  if (typeof data.enc !== 'string' || typeof data.ct !== 'string' || !BASE64.test(data.enc) || !BASE64.test(data.ct)) throw new SealedReadingError('NOT_SEALED', 'a sealed reading needs base64 enc and ct');
  const enc = new Uint8Array(Buffer.from(data.enc, 'base64'));
  const ct = new Uint8Array(Buffer.from(data.ct, 'base64'));
  if (enc.length !== 32 || ct.length < 16 + PAD || ct.length > 16 + MAX_PLAINTEXT + PAD || (ct.length - 16) % PAD !== 0) throw new SealedReadingError('NOT_SEALED', 'a sealed reading of the wrong size');
  return { id, enc, ct };
}

/** A node's private key ready to open many readings (imported once). */
export interface ReadingsOpener {
  /** Opens one sealed reading for the context the caller expects (never a context read from the message). */
  open(sealed: unknown, context: ReadingContext): Promise<{ readonly id: string; readonly reading: Reading }>;
}

/** Imports a node's readings private key (PEM, PKCS#8). */
export async function readingsOpener(privateKeyPem: string): Promise<ReadingsOpener> {
  let key: webcrypto.CryptoKey;
  try {
    key = await suite.kem.deserializePrivateKey(rawPrivateKey(privateKeyPem));
  } catch (error) {
    if (error instanceof SealedReadingError) throw error;
    throw new SealedReadingError('KEY_INVALID', 'the readings private key is not a valid X25519 key', { cause: error });
  }
  return {
    async open(sealed, context) {
      const info = readingInfo(context);
      const { id, enc, ct } = parts(sealed);
      let plaintext: ArrayBuffer;
      try {
        plaintext = await suite.open({ recipientKey: key, enc, info }, ct, encoder.encode(id));
      } catch (error) {
        throw new SealedReadingError('OPEN_FAILED', 'the sealed reading does not open with this key for this context', { cause: error });
      }
      let reading: unknown;
      try {
        reading = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
      } catch {
        throw new SealedReadingError('READING_INVALID', 'the sealed reading does not hold JSON');
      }
      if (reading === null || typeof reading !== 'object' || Array.isArray(reading)) throw new SealedReadingError('READING_INVALID', 'the sealed reading does not hold a JSON object');
      return { id, reading: reading as Reading };
    },
  };
}

/** Opens one sealed reading with a node's private key (PEM) for the context the node expects. */
export async function openReading(privateKeyPem: string, sealed: unknown, context: ReadingContext): Promise<Reading> {
  return (await (await readingsOpener(privateKeyPem)).open(sealed, context)).reading;
}
