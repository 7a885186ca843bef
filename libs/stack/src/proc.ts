import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAlive, readPidFile } from '@datawell/workload-runtime';
import { StackError } from './errors';
import { osUser } from './os-user';

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly input?: string;
  /** Receives output lines as they come, for progress on long steps. */
  readonly onLine?: (line: string) => void;
  readonly timeoutMs?: number;
  /** Run as this OS user (uid and gid set at spawn, a clean environment). */
  readonly user?: string;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; a non-zero exit throws with the command and the tail of its output. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, [...args], {
      ...identity(opts.user, opts.cwd, opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let partial = '';
    const feed = (chunk: Buffer): void => {
      if (!opts.onLine) return;
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) opts.onLine(line);
    };
    child.stdout.on('data', (c: Buffer) => (out.push(c), feed(c)));
    child.stderr.on('data', (c: Buffer) => (err.push(c), feed(c)));
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new StackError('COMMAND_FAILED', `cannot run ${cmd}: ${e.message}`, cmd, { cause: e }));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolvePromise({ stdout, stderr });
      const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
      const how = timedOut ? `did not finish within ${opts.timeoutMs} ms and was killed` : signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(new StackError('COMMAND_FAILED', `${cmd} ${args.join(' ')} ${how}:\n${tail}`, cmd));
    });
    // A command that cannot start (or ignores its input) closes stdin: not an error of its own.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

export interface DaemonSpec {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logFile: string;
  readonly pidFile: string;
  /**
   * Run as this OS user: a domain's user, or PostgreSQL's (it refuses to run as root). The pid file
   * then holds the process itself, so /proc/<pid>/status shows the user it runs as.
   */
  readonly user?: string;
}

/**
 * Spawn options for a process of the tooling's own user, or of another OS user: uid and gid set by
 * the spawn itself (no runuser or su in between) and a clean environment, so nothing of the
 * tooling's environment reaches another domain's process.
 */
function identity(user: string | undefined, cwd: string | undefined, env: RunOptions['env']): SpawnOptions {
  if (!user) return { cwd, env: { ...process.env, ...env } as NodeJS.ProcessEnv };
  const u = osUser(user);
  // A domain's OS user is the machine's, shared by every stack folder on it, and its home is the
  // domain folder of the stack that created it: that folder may be gone (a stack removed), and a
  // process started in a missing folder fails at once (spawn … ENOENT). Then the given folder, else /.
  const home = existsSync(u.home) ? u.home : undefined;
  const dir = cwd ?? home ?? '/';
  const clean = { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOME: home ?? dir, USER: user, LOGNAME: user, LANG: 'C.UTF-8' };
  // The user's own folder by default: it may not be allowed into the tooling's working directory.
  return { cwd: dir, uid: u.uid, gid: u.gid, env: { ...clean, ...env } as NodeJS.ProcessEnv };
}

/** Starts a long-running process detached from this one, output appended to its log file. */
export function startDaemon(spec: DaemonSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const log = openSync(spec.logFile, 'a');
  const options: SpawnOptions = {
    ...identity(spec.user, spec.cwd, spec.env),
    detached: true,
    stdio: ['ignore', log, log],
  };
  const child = spawn(spec.cmd, [...spec.args], options);
  closeSync(log);
  if (child.pid === undefined) throw new StackError('START_FAILED', `could not start ${spec.name}`, spec.name);
  child.unref();
  writeFileSync(spec.pidFile, `${child.pid}\n`);
  return child.pid;
}

// Pid files and liveness: one definition for the stack's daemons and the workloads.
export { isAlive, readPidFile as readPid };

/** Stops the process group started by startDaemon: SIGTERM, then SIGKILL after the grace period. */
export async function stopDaemon(pidFile: string, graceMs = 15000): Promise<boolean> {
  const pid = readPidFile(pidFile);
  if (!isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  signalGroup(pid as number, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid as number, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  rmSync(pidFile, { force: true });
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns true or the timeout passes; the last error is kept for the message. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, component?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (e) {
      if (e instanceof StackError && e.code === 'START_FAILED') throw e;
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new StackError('UNHEALTHY', `${what} did not become ready within ${Math.round(timeoutMs / 1000)} s${why}`, component);
    }
    await sleep(250);
  }
}

/**
 * Waits for a daemon started by startDaemon to become healthy. If the process dies first (a port
 * taken by someone else, a bad config), fails at once with the end of its log instead of
 * mistaking another process on the same port for it.
 */
export async function waitForDaemon(what: string, spec: { pidFile: string; logFile: string }, check: () => Promise<boolean>, timeoutMs: number, component?: string): Promise<void> {
  await waitFor(what, async () => {
    if (!isAlive(readPidFile(spec.pidFile))) {
      const tail = existsSync(spec.logFile) ? readFileSync(spec.logFile, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
      throw new StackError('START_FAILED', `${what} exited while starting; end of ${spec.logFile}:\n${tail}`, component);
    }
    return check();
  }, timeoutMs, component);
}
