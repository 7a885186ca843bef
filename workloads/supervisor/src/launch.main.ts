import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { codeRootOf, isAlive, readPidFile, stopWorkload, workloadConfigVersion, workloadFile as filePath, workloadProgramArgs } from '@datawell/workload-runtime';

/**
 * Run by the OpenTofu resource of a workload: `start <dir>` launches the workload's supervisor
 * detached (idempotent: a live supervisor is left alone, so a re-applied or resumed apply does not
 * start a second one); `stop <dir> [version]` stops it and its workload, and succeeds when they are already
 * dead. With a version (what a version's OpenTofu resource says), only a workload whose folder still
 * belongs to that version is stopped: an MPC node a later version of the DAO took over (one node per
 * member per DAO, its config now naming the later version) is left running when the earlier version's
 * resource goes.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(dir: string): Promise<void> {
  rmSync(filePath(dir, 'stop'), { force: true });
  if (isAlive(readPidFile(filePath(dir, 'supervisorPid')))) return;
  const log = openSync(filePath(dir, 'supervisorLog'), 'a');
  // From the same code root as this launcher: compiled JavaScript under ./dev, sources under jest.
  const child = spawn(process.execPath, workloadProgramArgs(codeRootOf(__filename, 3), 'supervisor').concat(dir), {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: process.cwd(),
  });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start the supervisor of ${dir}`);
  for (let waited = 0; waited < 60_000; waited += 200) {
    if (readPidFile(filePath(dir, 'supervisorPid')) === child.pid && isAlive(readPidFile(filePath(dir, 'workloadPid')))) return;
    if (!isAlive(child.pid)) throw new Error(`the supervisor of ${dir} exited at start (see ${filePath(dir, 'supervisorLog')})`);
    await sleep(200);
  }
  throw new Error(`the supervisor of ${dir} did not start its workload within 60 s`);
}

async function stop(dir: string, version: string | undefined): Promise<void> {
  const current = workloadConfigVersion(dir);
  if (version !== undefined && current !== undefined && String(current) !== version) {
    process.stdout.write(`left ${dir} running: version ${current} runs it now, not version ${version}\n`);
    return;
  }
  await stopWorkload(dir);
}

const [action, dir, version] = process.argv.slice(2);
const done = action === 'start' && dir ? start(dir) : action === 'stop' && dir ? stop(dir, version) : Promise.reject(new Error('usage: launch.main start <dir> | stop <dir> [version]'));
done.then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
