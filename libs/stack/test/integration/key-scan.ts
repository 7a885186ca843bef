import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under a folder (no symlinks followed), skipping the given subtrees. */
export function files(dir: string, skip: readonly string[] = []): string[] {
  if (skip.includes(dir) || !existsSync(dir)) return [];
  try {
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) return [];
    if (st.isFile()) return [dir];
    if (!st.isDirectory()) return [];
    return readdirSync(dir).flatMap((e) => files(join(dir, e), skip));
  } catch (e) {
    // Gone meanwhile (other tests change the stack).
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

const PEM_KEY = /-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----/g;

export function spki(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

/**
 * The public keys (SPKI, base64) of every PEM private key in a text, whether its line breaks are
 * real or escaped, once as in JSON (`\n`) or more (JSON inside a row's text form), each mapped to
 * `where`.
 */
export function privateKeysInText(text: string, where: string, into: Map<string, string> = new Map()): Map<string, string> {
  for (const pem of text.replace(/(?:\\+r)?\\+n/g, '\n').match(PEM_KEY) ?? []) {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch {
      continue;
    }
    into.set(spki(createPublicKey(key)), where);
  }
  return into;
}

/** The public keys (SPKI, base64) of every PEM private key found in the files (up to 8 MB each). */
export function privateKeysIn(paths: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of paths) {
    // Other tests change the stack meanwhile: a file may be gone by the time it is read.
    let text: string;
    try {
      if (statSync(file).size > 8 * 1024 * 1024) continue;
      text = readFileSync(file).toString('latin1');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENXIO') continue;
      throw e;
    }
    privateKeysInText(text, file, found);
  }
  return found;
}
