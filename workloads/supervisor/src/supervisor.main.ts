import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { codeRootOf, workloadFile as filePath, workloadProgramArgs } from '@datawell/workload-runtime';

/**
 * Keeps one workload process running: restarts it when it exits unless told to stop (SIGTERM or the
 * `stop` file). The workload holds an IPC channel to this process and exits when it closes, so
 * killing the supervisor (even with SIGKILL) ends the workload and its heartbeats.
 */
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: supervisor.main <workload dir>\n');
  process.exit(2);
}
const log = (message: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, message, ...extra })}\n`);

let stopping = false;
let child: ChildProcess | undefined;
let restarts = 0;

function launch(): void {
  if (stopping || existsSync(filePath(dir!, 'stop'))) return finish();
  const out = openSync(filePath(dir!, 'workloadLog'), 'a');
  child = spawn(process.execPath, workloadProgramArgs(codeRootOf(__filename, 3), 'workload').concat(dir!), {
    stdio: ['ignore', out, out, 'ipc'],
    cwd: process.cwd(),
  });
  closeSync(out);
  if (child.pid !== undefined) writeFileSync(filePath(dir!, 'workloadPid'), `${child.pid}\n`);
  log('workload started', { workloadPid: child.pid, restarts });
  child.on('exit', (code, signal) => {
    log('workload exited', { code, signal });
    child = undefined;
    if (stopping || existsSync(filePath(dir!, 'stop'))) return finish();
    restarts += 1;
    // Back off a little so a workload that cannot start does not spin.
    setTimeout(launch, Math.min(1000 * restarts, 10_000));
  });
}

function finish(): void {
  rmSync(filePath(dir!, 'workloadPid'), { force: true });
  rmSync(filePath(dir!, 'supervisorPid'), { force: true });
  log('supervisor stopped');
  process.exit(0);
}

function stop(): void {
  stopping = true;
  if (child) child.kill('SIGTERM');
  else finish();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
writeFileSync(filePath(dir, 'supervisorPid'), `${process.pid}\n`);
launch();
