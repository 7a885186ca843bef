import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stopDaemon } from './proc';

/**
 * Stops the workloads a provisioner runs under `root` (its `workloads` folder: one folder per
 * workload with `supervisor.pid` and `workload.pid`). The supervisor stops its workload on SIGTERM and
 * does not restart it; a workload left without its supervisor is stopped by its own pid file.
 * Returns how many workloads had a process running.
 */
export async function stopWorkloadsUnder(root: string): Promise<number> {
  let stopped = 0;
  for (const id of existsSync(root) ? readdirSync(root) : []) {
    const supervisor = await stopDaemon(join(root, id, 'supervisor.pid'), 10_000);
    const workload = await stopDaemon(join(root, id, 'workload.pid'), 10_000);
    if (supervisor || workload) stopped++;
  }
  return stopped;
}
