import { chmodSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Progress } from '../progress';

/**
 * Lets a non-root service user (PostgreSQL's) reach a folder inside the checkout: adds the
 * execute bit for others on any ancestor that lacks it (mktemp -d folders are 0700).
 */
export function ensureTraversable(dir: string, progress: Progress): void {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, mode | 0o001);
      progress.step('postgres', `made ${d} traversable for its server's user`);
    }
    if (d === '/') break;
  }
}
