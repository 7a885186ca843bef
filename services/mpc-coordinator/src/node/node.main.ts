import { ConfigError } from '@datawell/config';
import { loadMpcNodeConfig } from './node.config';
import { runMpcNode } from './mpc-node.service';

/**
 * Process shell of the MPC node: config (exit 2 on a bad environment), the run, one JSON line with
 * this node's result on stdout (exit 0), or one line on stderr naming the failure (exit 1).
 */
export async function runNodeProcess(env: Readonly<Record<string, string | undefined>>): Promise<void> {
  let config;
  try {
    config = loadMpcNodeConfig(env);
  } catch (err) {
    process.stderr.write(`mpc-node: ${(err as Error).message}\n`);
    process.exitCode = err instanceof ConfigError ? 2 : 1;
    return;
  }
  try {
    const result = await runMpcNode(config);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    process.stderr.write(`mpc-node ${config.index}: ${code ? `${code}: ` : ''}${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
