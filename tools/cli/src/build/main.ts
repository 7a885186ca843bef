import { REPO_DIR } from '../repo-dir';
import { buildDist } from './build';

/**
 * `node -r @swc-node/register tools/cli/src/build/main.ts`: brings dist/ up to date, silently (what
 * tools/cli/launch.js runs, in a process of its own, before it starts the compiled CLI). Exit 1 when the
 * build failed, with its error on stderr.
 */
buildDist(REPO_DIR).catch((err: unknown) => {
  process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
