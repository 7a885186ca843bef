import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A managed workload's folder: what the provisioner writes there and the workload programs
 * (workloads/supervisor: launcher, supervisor, workload) read and write. Operators and tests read
 * the pid files.
 */
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

export function workloadFile(dir: string, file: keyof typeof WORKLOAD_FILES): string {
  return join(dir, WORKLOAD_FILES[file]);
}

/**
 * The DAO version a folder's workload runs for now (`version` of its workload.json), or undefined when
 * it has no readable config. One MPC node per member per DAO: a later version that takes a node over
 * rewrites its config, and the earlier version's resource then leaves it alone (the launcher's `stop`).
 */
export function workloadConfigVersion(dir: string): number | undefined {
  const file = workloadFile(dir, 'config');
  if (!existsSync(file)) return undefined;
  try {
    const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'number' ? version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The workload programs, relative to a code root: the repository (TypeScript, run through
 * @swc-node/register — jest and tests) or its compiled tree `dist/` (what `./dev` runs). A program
 * starts the next one from the same root, so compiled code only ever starts compiled code.
 */
export const WORKLOAD_PROGRAMS = {
  /** `launch.main start|stop <dir>`: what the OpenTofu resource of a workload runs. */
  launcher: 'workloads/supervisor/src/launch.main',
  supervisor: 'workloads/supervisor/src/supervisor.main',
  workload: 'workloads/supervisor/src/workload.main',
  mpcNode: 'workloads/mpc-node/src/main',
} as const;

/** The code root and file extension of the calling module, from its own `__filename` and its depth below the root. */
export function codeRootOf(filename: string, depth: number): { readonly root: string; readonly ext: '.ts' | '.js' } {
  return { root: join(filename, ...Array<string>(depth + 1).fill('..')), ext: filename.endsWith('.ts') ? '.ts' : '.js' };
}

/** The Node arguments that run a workload program from a code root. */
export function workloadProgramArgs(code: { readonly root: string; readonly ext: '.ts' | '.js' }, program: keyof typeof WORKLOAD_PROGRAMS): string[] {
  const file = join(code.root, `${WORKLOAD_PROGRAMS[program]}${code.ext}`);
  return code.ext === '.ts' ? ['-r', '@swc-node/register', file] : [file];
}
