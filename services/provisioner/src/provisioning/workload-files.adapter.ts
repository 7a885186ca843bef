import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAlive, readPidFile, stopWorkload, workloadConfigVersion, workloadFile as filePath } from '@datawell/workload-runtime';
import type { RenderContext, RenderedWorkload } from './tofu-config';

export { workloadConfigVersion } from '@datawell/workload-runtime';

/**
 * A workload's folder: its config and its own ECDSA P-256 key (mode 0600), made before OpenTofu starts
 * it. A key already there is kept, so re-applying never changes a registered key.
 */
export function prepareWorkloadFolder(w: RenderedWorkload): { publicKeyPem: string } {
  mkdirSync(w.dir, { recursive: true, mode: 0o700 });
  writeFileSync(filePath(w.dir, 'config'), `${JSON.stringify(w.config, null, 2)}\n`);
  const keyFile = w.config.keyFile;
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  }
  chmodSync(keyFile, 0o600);
  const publicKeyPem = createPublicKey(createPrivateKey(readFileSync(keyFile, 'utf8'))).export({ type: 'spki', format: 'pem' }) as string;
  return { publicKeyPem };
}

/**
 * An MPC node an earlier version of the DAO runs, which this version takes over (one node per member per
 * DAO): the version its folder's config names, or undefined for a workload of this version or a new one.
 * `restart` stops its processes, which still run the earlier version's mesh; the version's OpenTofu
 * resource (new in this version's workspace) starts it again with this version's config. Call it after
 * the folder holds the new config.
 */
export function takeOverWorkload(w: RenderedWorkload, version: number): { readonly version: number; restart(): Promise<boolean> } | undefined {
  const current = workloadConfigVersion(w.dir);
  if (current === undefined || current >= version) return undefined;
  return { version: current, restart: () => stopWorkload(w.dir) };
}

/**
 * A workload that is no longer desired: its key goes, and a supervisor still running is stopped. OpenTofu's
 * destroy-time `stop` already stopped every workload in its state; one still running here was started by
 * an apply that crashed before recording it in the state, and was not resumed. Resolves whether one was.
 */
export async function retireWorkload(dir: string): Promise<boolean> {
  const wasRunning = await stopWorkload(dir);
  rmSync(filePath(dir, 'key'), { force: true });
  return wasRunning;
}

export interface WorkloadProcesses {
  readonly supervisorPid: number | null;
  readonly workloadPid: number | null;
  readonly running: boolean;
}

export function workloadProcesses(dir: string): WorkloadProcesses {
  const supervisor = readPidFile(filePath(dir, 'supervisorPid'));
  const workload = readPidFile(filePath(dir, 'workloadPid'));
  return { supervisorPid: supervisor ?? null, workloadPid: workload ?? null, running: isAlive(supervisor) };
}

/**
 * Whether a desired workload's processes are gone though nobody stopped it: its folder and key are
 * there, no `stop` file (written when it is destroyed), and no live supervisor.
 */
export function needsResuming(dir: string): boolean {
  return existsSync(filePath(dir, 'key')) && !existsSync(filePath(dir, 'stop')) && !isAlive(readPidFile(filePath(dir, 'supervisorPid')));
}

/** Starts a workload's supervisor the way its OpenTofu resource does (`launch.main start <dir>`). */
export async function startWorkload(dir: string, context: Pick<RenderContext, 'nodeBinary' | 'repoDir' | 'launcher'>): Promise<void> {
  await promisify(execFile)(context.nodeBinary, [...context.launcher, 'start', dir], { cwd: context.repoDir, timeout: 90_000 });
}
