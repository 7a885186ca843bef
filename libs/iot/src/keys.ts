import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SealedReadingError } from './errors';

/**
 * A DSP node's key pair for readings: X25519, used only to open sealed readings (never for TLS or
 * heartbeats). Files are PEM: the private key PKCS#8, the public key SPKI. Producers may also take the
 * public key as the 32 raw bytes in base64 (what `./dev iot key --format base64` prints).
 */
export interface ReadingsKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export function generateReadingsKeyPair(): ReadingsKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

function x25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'x25519') throw new SealedReadingError('KEY_INVALID', `the ${what} is not an X25519 key`);
  return key;
}

/** The 32 raw bytes of a readings public key given as PEM (SPKI), base64 of the raw bytes, or bytes. */
export function rawPublicKey(input: string | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) {
    if (input.length !== 32) throw new SealedReadingError('KEY_INVALID', 'a readings public key is 32 bytes');
    return input;
  }
  const text = input.trim();
  // A producer never needs the node's private key; refusing it here keeps one from being handed out by mistake.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new SealedReadingError('KEY_INVALID', 'that is a private key: producers take the node\'s public key');
  if (text.startsWith('-----BEGIN')) {
    let key: KeyObject;
    try {
      key = createPublicKey(text);
    } catch {
      throw new SealedReadingError('KEY_INVALID', 'the readings public key is not a PEM public key');
    }
    return Buffer.from(x25519(key, 'readings public key').export({ format: 'jwk' }).x!, 'base64url');
  }
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(text)) throw new SealedReadingError('KEY_INVALID', 'the readings public key is neither PEM nor base64 of 32 bytes');
  return rawPublicKey(new Uint8Array(Buffer.from(text, 'base64')));
}

/** The 32 raw bytes of a readings private key given as PEM (PKCS#8). */
export function rawPrivateKey(pem: string): Uint8Array {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new SealedReadingError('KEY_INVALID', 'the readings private key is not a PEM private key');
  }
  return new Uint8Array(Buffer.from(x25519(key, 'readings private key').export({ format: 'jwk' }).d!, 'base64url'));
}

/** The public key of a private key, as PEM: what the provisioner exposes beside the private key it keeps. */
export function readingsPublicKeyPem(privateKeyPem: string): string {
  rawPrivateKey(privateKeyPem);
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }) as string;
}

/** base64 of the raw public key (a one-line form for devices and the command line). */
export function publicKeyBase64(input: string | Uint8Array): string {
  return Buffer.from(rawPublicKey(input)).toString('base64');
}
