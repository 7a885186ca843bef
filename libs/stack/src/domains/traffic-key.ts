import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newTrafficKeyBytes, TRAFFIC_KEY_BYTES, TrafficKey } from '@datawell/config';
import type { StackContext } from '../components/component';
import { StackError } from '../errors';
import { osUser } from '../os-user';
import { domainPaths, type DomainRecord } from './domain';

/**
 * The domain's traffic key (docs/security.md, "A member's traffic on the operator's broker"): 32
 * random bytes in its secrets folder (`<domain>/secrets/traffic.key`, mode 0600, owned by the
 * domain's user), made with the domain and kept afterwards. Its services are given the file's path
 * (DATAWELL_TRAFFIC_KEY_FILE), and seal with it whatever they put on their member topics
 * (libs/config createKafka); the operator, whose broker carries those topics, never holds it.
 * Returns the file's path; refuses a file that is not a key (never replaced: values sealed with it
 * would no longer open).
 */
export function ensureDomainTrafficKey(ctx: StackContext, d: DomainRecord): string {
  const secrets = domainPaths(ctx.settings, d.name).secrets;
  const file = join(secrets, 'traffic.key');
  const { uid, gid } = osUser(d.osUser);
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  chownSync(secrets, uid, gid);
  try {
    // Exclusive: a concurrent caller's key is kept, not overwritten.
    writeFileSync(file, newTrafficKeyBytes(), { mode: 0o600, flag: 'wx' });
    chownSync(file, uid, gid);
    ctx.progress.step('domains', `domain ${d.name}: traffic key made in ${file}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const size = readFileSync(file).length;
  if (size !== TRAFFIC_KEY_BYTES) throw new StackError('BAD_SETTING', `${file} holds ${size} bytes, not a ${TRAFFIC_KEY_BYTES}-byte traffic key; restore the domain's key from its backup`, 'domains');
  return file;
}

/** The domain's traffic keys: the current one's file and id, and the files of the previous ones (still to open, never to seal). */
export interface DomainTrafficKeys {
  readonly current: { readonly file: string; readonly id: string };
  /** `traffic-<id>.key` files left by rotations: DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES until retired. */
  readonly previous: ReadonlyArray<{ readonly file: string; readonly id: string }>;
}

const PREVIOUS = /^traffic-([0-9a-f]{16})\.key$/;

/** The domain's current traffic key (made if missing) and the previous ones its rotations left. */
export function domainTrafficKeys(ctx: StackContext, d: DomainRecord): DomainTrafficKeys {
  const file = ensureDomainTrafficKey(ctx, d);
  const secrets = domainPaths(ctx.settings, d.name).secrets;
  const previous = readdirSync(secrets)
    .map((f) => ({ f, id: PREVIOUS.exec(f)?.[1] }))
    .filter((x): x is { f: string; id: string } => x.id !== undefined)
    .map(({ f, id }) => ({ file: join(secrets, f), id }))
    .sort((a, b) => a.file.localeCompare(b.file));
  return { current: { file, id: new TrafficKey(readFileSync(file)).id }, previous };
}

/**
 * Rotates the domain's traffic key: the current key moves beside it as `traffic-<id>.key` (a previous
 * key: the domain's services keep it in DATAWELL_TRAFFIC_PREVIOUS_KEY_FILES, so what it sealed still
 * opens, until the topics' retention has dropped that; then `retireDomainTrafficKey` deletes it), and a new random key
 * takes `traffic.key`, which the services seal with from their next start.
 */
export function rotateDomainTrafficKey(ctx: StackContext, d: DomainRecord): DomainTrafficKeys {
  const before = domainTrafficKeys(ctx, d);
  const previous = join(domainPaths(ctx.settings, d.name).secrets, `traffic-${before.current.id}.key`);
  if (existsSync(previous)) throw new StackError('BAD_SETTING', `${previous} exists already: the current key was rotated out before`, 'domains');
  renameSync(before.current.file, previous);
  ensureDomainTrafficKey(ctx, d);
  const after = domainTrafficKeys(ctx, d);
  ctx.progress.step('domains', `domain ${d.name}: traffic key ${before.current.id} rotated out, ${after.current.id} seals from now on`);
  return after;
}

/** Deletes a previous traffic key (by id) once nothing it sealed is left on the broker; never the current one. */
export function retireDomainTrafficKey(ctx: StackContext, d: DomainRecord, id: string): DomainTrafficKeys {
  const found = domainTrafficKeys(ctx, d).previous.find((k) => k.id === id);
  if (!found) throw new StackError('BAD_SETTING', `domain ${d.name} has no previous traffic key ${id}`, 'domains');
  rmSync(found.file);
  ctx.progress.step('domains', `domain ${d.name}: previous traffic key ${id} retired`);
  return domainTrafficKeys(ctx, d);
}
