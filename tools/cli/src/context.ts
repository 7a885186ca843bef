import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings, stderrProgress, StackError, type StackContext } from '@datawell/stack';
import { REPO_DIR } from './repo-dir';
import { UsageError } from './usage-error';

export { REPO_DIR };

/**
 * Builds the stack context from the environment. The orderer count is fixed when the network is
 * first created; a later different request is refused rather than silently ignored.
 */
export function stackContext(opts: { orderers?: string } = {}, overrides: Readonly<Record<string, string>> = {}): StackContext {
  try {
    const env = { ...process.env, ...overrides, ...(opts.orderers ? { DATAWELL_ORDERERS: opts.orderers } : {}) };
    let settings = loadSettings(REPO_DIR, env);
    const registryFile = join(settings.stackDir, 'fabric', 'network.json');
    if (existsSync(registryFile)) {
      const fixed = (JSON.parse(readFileSync(registryFile, 'utf8')) as { orderers: number }).orderers;
      if (opts.orderers && Number(opts.orderers) !== fixed) {
        throw new UsageError(`the network was created with ${fixed} orderer(s); run ./dev stack reset to change it`);
      }
      settings = { ...settings, orderers: fixed };
    }
    return { settings, progress: stderrProgress };
  } catch (e) {
    if (e instanceof StackError && e.code === 'BAD_SETTING') throw new UsageError(e.message);
    throw e;
  }
}
