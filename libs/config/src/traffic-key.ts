import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';

/**
 * A member domain's traffic key and the envelope it seals Kafka values in (docs/security.md, "A
 * member's traffic on the operator's broker"). The broker and its disk are the operator's: what a
 * member's processes exchange through it is sealed with a key only the domain's principals hold,
 * with AES-256-GCM from Node's crypto (OpenSSL).
 *
 * Envelope, version 1 (bytes): `DWT1` | key id (8) | nonce (12, random) | ciphertext | tag (16).
 * The additional authenticated data binds the topic, the message key and the clear headers kept for
 * infrastructure (`ce_id`, `ce_type`, `content-type`), so a sealed value moved onto another topic,
 * under another key or CloudEvent id does not open. The key id (a hash of the key) names the key a
 * value was sealed with, so a reader can hold the previous key beside the current one while a
 * domain's key is rotated.
 */
export const TRAFFIC_KEY_BYTES = 32;
const MAGIC = Buffer.from('DWT1', 'latin1');
const KID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + KID_BYTES + NONCE_BYTES;
const AAD_LABEL = 'datawell.traffic.v1';

/** The only headers a sealed topic's messages carry in the clear: CloudEvent id and type, content type. No private data. */
export const CLEAR_TRAFFIC_HEADERS = ['ce_id', 'ce_type', 'content-type'] as const;

export type TrafficSealErrorCode =
  /** Producing to a sealed topic without the domain's key. */
  | 'TRAFFIC_KEY_REQUIRED'
  /** A header other than CLEAR_TRAFFIC_HEADERS, a header given twice, or no value (a tombstone). */
  | 'TRAFFIC_MESSAGE_REFUSED'
  /** A value that is not a sealed envelope (plaintext on a sealed topic). */
  | 'TRAFFIC_NOT_SEALED'
  /** Sealed with a key this process does not hold (another domain's, or a retired one). */
  | 'TRAFFIC_UNKNOWN_KEY'
  /** Tampered, or moved from another topic, message key or CloudEvent id. */
  | 'TRAFFIC_OPEN_FAILED'
  /** The key file is unreadable, readable by others, or not 32 bytes. */
  | 'TRAFFIC_KEY_INVALID';

/** Why a value cannot be sealed or opened, or a key not read; messages never hold key material or plaintext. */
export class TrafficSealError extends Error {
  override readonly name = 'TrafficSealError';
  constructor(
    readonly code: TrafficSealErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a sealed value is bound to: its topic, its Kafka message key and its clear headers. */
export interface TrafficBinding {
  readonly topic: string;
  readonly key?: Buffer | string | null | undefined;
  readonly headers?: Readonly<Record<string, Buffer | string | ReadonlyArray<Buffer | string> | undefined>> | undefined;
}

/** A domain's traffic key. The key bytes stay in a private field: JSON, toString and util.inspect show only its id. */
export class TrafficKey {
  /** 16 hex digits naming the key (a hash of it): written in every envelope it seals. */
  readonly id: string;
  readonly #key: Buffer;

  constructor(
    key: Uint8Array,
    /** The file it was read from, if any (shown in the configuration's dump). */
    readonly file?: string,
  ) {
    if (key.length !== TRAFFIC_KEY_BYTES) throw new TrafficSealError('TRAFFIC_KEY_INVALID', `a traffic key is ${TRAFFIC_KEY_BYTES} bytes, not ${key.length}`);
    this.#key = Buffer.from(key);
    this.id = keyId(this.#key).toString('hex');
  }

  /** Seals a value for `binding.topic`, with a fresh random nonce. */
  seal(value: Buffer | string, binding: TrafficBinding): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(binding));
    const body = Buffer.concat([cipher.update(typeof value === 'string' ? Buffer.from(value, 'utf8') : value), cipher.final()]);
    return Buffer.concat([MAGIC, Buffer.from(this.id, 'hex'), nonce, body, cipher.getAuthTag()]);
  }

  /** Opens an envelope this key sealed (the caller checked the key id). */
  open(envelope: Buffer, binding: TrafficBinding): Buffer {
    const nonce = envelope.subarray(MAGIC.length + KID_BYTES, HEADER_BYTES);
    const body = envelope.subarray(HEADER_BYTES, envelope.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(binding));
    decipher.setAuthTag(envelope.subarray(envelope.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new TrafficSealError('TRAFFIC_OPEN_FAILED', `a value sealed with key ${this.id} does not open on ${binding.topic}: tampered, or moved from another topic, message key or event id`);
    }
  }

  toJSON(): Record<string, string> {
    return { id: this.id, ...(this.file === undefined ? {} : { file: this.file }) };
  }

  toString(): string {
    return `TrafficKey(${this.id})`;
  }

  [inspect.custom](): Record<string, string> {
    return this.toJSON();
  }
}

/** 32 random bytes: a new domain's traffic key (written by the stack tooling, libs/stack domains). */
export function newTrafficKeyBytes(): Buffer {
  return randomBytes(TRAFFIC_KEY_BYTES);
}

function keyId(key: Buffer): Buffer {
  return createHash('sha256').update('datawell.traffic.key-id\0').update(key).digest().subarray(0, KID_BYTES);
}

/** Reads a key file: exactly 32 bytes, readable by its owner only (like the Kafka credentials file). */
export function readTrafficKeyFile(file: string): TrafficKey {
  let mode: number;
  let bytes: Buffer;
  try {
    mode = statSync(file).mode;
    bytes = readFileSync(file);
  } catch (error) {
    throw new TrafficSealError('TRAFFIC_KEY_INVALID', `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if ((mode & 0o077) !== 0) throw new TrafficSealError('TRAFFIC_KEY_INVALID', `${file} may be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
  if (bytes.length !== TRAFFIC_KEY_BYTES) throw new TrafficSealError('TRAFFIC_KEY_INVALID', `${file} holds ${bytes.length} bytes; a traffic key is ${TRAFFIC_KEY_BYTES} random bytes`);
  return new TrafficKey(bytes, file);
}

/** Whether a value has the sealed envelope's shape (magic and room for nonce and tag). */
export function isSealedTraffic(value: Buffer | null | undefined): value is Buffer {
  return !!value && value.length >= HEADER_BYTES + TAG_BYTES && value.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Seals a message value for a sealed topic; refuses a header outside CLEAR_TRAFFIC_HEADERS and a missing value. */
export function sealTraffic(key: TrafficKey, value: Buffer | string | null | undefined, binding: TrafficBinding): Buffer {
  if (value === null || value === undefined) throw new TrafficSealError('TRAFFIC_MESSAGE_REFUSED', `a message on ${binding.topic} needs a value to seal (no tombstones on a sealed topic)`);
  checkHeaders(binding);
  return key.seal(value, binding);
}

/** Opens a sealed value with the key (of `keys`) whose id it names; every refusal is a TrafficSealError. */
export function openTraffic(keys: readonly TrafficKey[], value: Buffer | null | undefined, binding: TrafficBinding): Buffer {
  if (!isSealedTraffic(value)) throw new TrafficSealError('TRAFFIC_NOT_SEALED', `a message on ${binding.topic} is not sealed with a domain's traffic key`);
  checkHeaders(binding);
  const id = value.subarray(MAGIC.length, MAGIC.length + KID_BYTES).toString('hex');
  const key = keys.find((k) => k.id === id);
  if (!key) throw new TrafficSealError('TRAFFIC_UNKNOWN_KEY', `a message on ${binding.topic} is sealed with key ${id}, not with this domain's (${keys.map((k) => k.id).join(', ') || 'none held'})`);
  return key.open(value, binding);
}

function checkHeaders(binding: TrafficBinding): void {
  for (const [name, value] of Object.entries(binding.headers ?? {})) {
    if (value === undefined) continue;
    if (!(CLEAR_TRAFFIC_HEADERS as readonly string[]).includes(name)) {
      throw new TrafficSealError('TRAFFIC_MESSAGE_REFUSED', `header "${name}" would travel in the clear on ${binding.topic}; only ${CLEAR_TRAFFIC_HEADERS.join(', ')} may`);
    }
    if (Array.isArray(value)) throw new TrafficSealError('TRAFFIC_MESSAGE_REFUSED', `header "${name}" is given more than once on ${binding.topic}`);
  }
}

/** The AAD: label, topic, message key and clear headers, unambiguously (a JSON array; bytes as base64). */
function additionalData(binding: TrafficBinding): Buffer {
  const bytes = (v: Buffer | string | ReadonlyArray<Buffer | string> | null | undefined): string | null =>
    v === null || v === undefined ? null : Buffer.from(Array.isArray(v) ? String(v) : (v as Buffer | string)).toString('base64');
  const headers = CLEAR_TRAFFIC_HEADERS.map((name) => bytes(binding.headers?.[name]));
  return Buffer.from(JSON.stringify([AAD_LABEL, binding.topic, bytes(binding.key), ...headers]), 'utf8');
}
