import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files of a workload folder; tests and operators read the pid files. */
export const WORKLOAD_FILES = {
  config: 'workload.json',
  key: 'key.pem',
  /** The supervisor's pid: kill this one to simulate the workload's death (no restart, no heartbeats). */
  supervisorPid: 'supervisor.pid',
  /** The workload's own pid: kill this one and the supervisor restarts it. */
  workloadPid: 'workload.pid',
  supervisorLog: 'supervisor.log',
  workloadLog: 'workload.log',
  /** Present while the workload is being stopped on purpose: the supervisor then does not restart it. */
  stop: 'stop',
  seq: 'seq',
} as const;

export function filePath(dir: string, file: keyof typeof WORKLOAD_FILES): string {
  return join(dir, WORKLOAD_FILES[file]);
}

export function readPidFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a pid is a live process (a zombie counts as dead). */
export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}
