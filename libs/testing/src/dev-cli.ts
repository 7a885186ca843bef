import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_DIR } from './stack-context';

export interface DevRun {
  /** The exit code (null when a signal ended it). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `./dev <args>` as a user runs it, without blocking the test's event loop while it works (spawnSync
 * would: the test's pooled HTTP connections then miss the server closing them, and its next request
 * fails with "other side closed"). Never rejects on a non-zero exit: the caller checks `status`.
 */
export function runDev(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<DevRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_DIR, 'dev'), [...args], { cwd: REPO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A progress report on stderr (libs/stack's stderrProgress): `[hh:mm:ss] component: message`. */
const PROGRESS_LINE = /^\[\d\d:\d\d:\d\d\] [\w.-]+: /;

/**
 * What `./dev` said on stderr other than its progress reports: its error, one line when it fails. A
 * command may wait for another one changing the stack and say so ("waiting for process …"), which the
 * e2e tier's two files at once make happen.
 */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '' && !PROGRESS_LINE.test(line));
}

/** `./dev <args> --json`'s one JSON object; a non-zero exit throws with the command and its error line. */
export async function runDevJson<T = Record<string, unknown>>(args: readonly string[]): Promise<T> {
  const r = await runDev(args);
  if (r.status !== 0) throw new Error(`./dev ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}
