import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { workloadFile as filePath } from './folder';
import { isAlive, readPidFile } from '@datawell/pid-files';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
async function stopPid(pid: number | undefined): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid!, 'SIGTERM');
  } catch {
    return;
  }
  for (let waited = 0; waited < 10_000 && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) {
    try {
      process.kill(pid!, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

/**
 * Stops a workload folder's supervisor and workload (the `stop` file first, so the supervisor does not
 * restart it) and removes their pid files. Succeeds when they are already dead; resolves whether one of
 * them was still running. The workload's key stays: OpenTofu replaces a workload whose configuration
 * changed by stopping and starting it, and the started one must sign with the key its channel has
 * registered; the provisioner removes the key of a workload that is no longer desired (retireWorkload).
 */
export async function stopWorkload(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  writeFileSync(filePath(dir, 'stop'), `${Date.now()}\n`);
  const supervisor = readPidFile(filePath(dir, 'supervisorPid'));
  const workload = readPidFile(filePath(dir, 'workloadPid'));
  const wasRunning = isAlive(supervisor) || isAlive(workload);
  await stopPid(supervisor);
  await stopPid(workload);
  for (const f of ['supervisorPid', 'workloadPid'] as const) rmSync(filePath(dir, f), { force: true });
  return wasRunning;
}
