import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository's root, where `./dev` runs the CLI. */
export const ROOT = resolve(__dirname, '..', '..', '..', '..');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI in a child process, as `./dev <args…>` runs it (tools/cli/launch.js: compiled when dist/ is current, else built first). */
export function runCli(...args: string[]): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, ['tools/cli/launch.js', ...args], { cwd: ROOT, env: { ...process.env, DEBUG: '' } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Bad input: exit 2, nothing on stdout, one line on stderr that says what is wrong. */
export function expectBadInput(r: CliRun, message: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
}
