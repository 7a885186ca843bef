import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newTrafficKeyBytes, TRAFFIC_KEY_BYTES } from '@datawell/config';
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
