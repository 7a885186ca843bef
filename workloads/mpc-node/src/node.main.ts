import { ConfigError } from '@datawell/config';
import { loadMpcNodeConfig } from './node.config';
import { MeshIdentityError } from './mesh-file.adapter';
import { runMpcNode, serveMpcNode } from './mpc-node.service';

/**
 * Process shell of the MPC node: config (exit 2 on a bad environment). One-shot (MPC_NODE_JOB):
 * the run, one JSON line with this node's result on stdout (exit 0), or one line on stderr naming
 * the failure (exit 1). Serving: JSON log lines until SIGTERM (exit 0), a broken mesh (exit 1) or a mesh
 * file whose own party is not this node's certificate (exit 2).
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
  if (!config.job) {
    // Started with an IPC channel (by the provisioner's workload process): it ends when its parent does, however that dies.
    if (process.send) process.once('disconnect', () => process.exit(0));
    // A node of a mesh file learns its party index from the file (its log line 'mesh file read').
    const party = 'index' in config.mesh ? config.mesh.index : undefined;
    const log = (message: string, extra: Record<string, unknown> = {}) =>
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: 'mpc-node', party, message, ...extra })}\n`);
    try {
      const node = await serveMpcNode(config, log);
      const stop = () => void node.close().finally(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const error = await node.broken;
      // Someone else's mesh file is a configuration error (exit 2), as a bad environment is.
      const misconfigured = error instanceof MeshIdentityError;
      log(misconfigured ? 'exiting: the mesh file does not name this node' : 'exiting: the mesh is broken', { ...(misconfigured ? { code: error.code } : {}), error: error.message });
      await node.close().catch(() => undefined);
      process.exit(misconfigured ? 2 : 1);
    } catch (err) {
      process.stderr.write(`mpc-node ${party ?? ''}: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
    return;
  }
  try {
    const result = await runMpcNode(config);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    process.stderr.write(`mpc-node ${'index' in config.mesh ? config.mesh.index : ''}: ${code ? `${code}: ` : ''}${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
