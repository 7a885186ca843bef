import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings, run } from '@datawell/stack';

/** The Go program's folder: its go.mod pins compose-go (the Compose specification's loader). */
export const COMPOSE_CHECK_DIR = __dirname;

/** What the binary is built from: every Go source and the module files. */
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(COMPOSE_CHECK_DIR).filter((n) => n.endsWith('.go') || n === 'go.mod' || n === 'go.sum').sort()) {
    hash.update(name).update('\0').update(readFileSync(join(COMPOSE_CHECK_DIR, name))).update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

/**
 * Builds tools/compose-check once per source version into the machine-wide cache, as the stack builds
 * Fabric (libs/stack/src/install/go-build.ts: Go module proxy, local toolchain, `.partial` then
 * rename), and returns the binary's path; a second call with unchanged sources builds nothing.
 */
export async function composeCheckBinary(repoDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { cacheDir } = loadSettings(repoDir, env);
  const binDir = join(cacheDir, 'compose-check', sourceHash());
  const binary = join(binDir, 'compose-check');
  if (existsSync(binary)) return binary;
  mkdirSync(binDir, { recursive: true });
  const partial = `${binary}.partial.${process.pid}`;
  await run('go', ['build', '-trimpath', '-o', partial, '.'], {
    cwd: COMPOSE_CHECK_DIR,
    env: { GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' },
  });
  renameSync(partial, binary);
  return binary;
}
