import { spawn, execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '@datawell/workload-runtime';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVICE_NAMES, SERVICES, type ServiceName, type WorkloadConfig } from '@datawell/contracts';
import type { StackConnection, StackContext } from '@datawell/stack';
import { DIST } from '../build/build';
import { buildServices, serviceEnv } from './runner';

/**
 * Start time and resident memory of every process `./dev` runs: each service as a second instance on
 * a free port (gRPC on any port, its own BullMQ queue and work folder, so it takes no job from the
 * running one), and one managed MPC workload pair (launcher → supervisor → workload → node) with a
 * scratch CA, folders and telemetry topic. Every process is stopped afterwards. `source` runs the
 * TypeScript through @swc-node/register as `./dev` did before the build step; `compiled` runs dist/.
 */
export type MeasureMode = 'source' | 'compiled';

export interface ProcessFigure {
  readonly process: string;
  /** From the process's start (kernel start time) to ready: /health 200, or its readiness log line. */
  readonly readyMs: number;
  readonly rssMbAtReady: number;
  /** CPU time (user + system) the process used until ready: what transpiling costs, less sensitive to the machine's load than wall time. */
  readonly cpuMsAtReady: number;
  /** After `settleMs` more. */
  readonly rssMbSettled: number;
  /** With `idleMs`: CPU used over that window after settling, in % of one core (what the process costs doing nothing). */
  readonly idleCpuPercent?: number;
  /** RSS at the end of the idle window. */
  readonly rssMbIdle?: number;
}

export interface Measurement {
  readonly mode: MeasureMode;
  readonly tree: string;
  readonly loadAverage: readonly number[];
  readonly settleMs: number;
  readonly together: boolean;
  readonly idleMs?: number;
  /** At the end of the idle window. */
  readonly loadAverageIdle?: readonly number[];
  readonly figures: readonly ProcessFigure[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICKS_PER_SECOND = 100;

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** When a process started, in epoch milliseconds (from /proc: boot time + start ticks). */
function startedAt(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const btime = Number(/btime (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))![1]);
  return btime * 1000 + (ticks * 1000) / TICKS_PER_SECOND;
}


async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 240_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function nodeArgs(tree: string, mode: MeasureMode, source: string): string[] {
  return mode === 'compiled' ? [join(tree, DIST, source.replace(/\.ts$/, '.js'))] : ['-r', '@swc-node/register', join(tree, source)];
}

async function measureService(ctx: StackContext, connection: StackConnection, tree: string, mode: MeasureMode, name: ServiceName, settleMs: number, scratch: string, idleMs = 0): Promise<ProcessFigure> {
  const port = await freePort();
  const spec = SERVICES[name];
  const log = join(scratch, `${name}.log`);
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs(tree, mode, `services/${name}/src/main.ts`)], {
    cwd: tree,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      ...(await serviceEnv(ctx, connection, tree, name)),
      [spec.portVariable]: String(port),
      [spec.grpcPortVariable]: '0',
      PROVISIONER_QUEUE: `measure-${name}`,
      MPC_COORDINATOR_QUEUE: `measure-${name}`,
      PROVISIONER_WORK_DIR: join(scratch, 'provisioner'),
    },
  });
  closeSync(out);
  const pid = child.pid!;
  try {
    await until(`${name} /health (log ${log})`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${readFileSync(log, 'utf8').slice(-1500)}`);
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? true : undefined;
    }).catch((e: unknown) => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${readFileSync(log, 'utf8').slice(-1500)}`);
      throw e;
    });
    const readyMs = Date.now() - startedAt(pid);
    const rssMbAtReady = rssMb(pid);
    const cpuMsAtReady = cpuMs(pid);
    await sleep(settleMs);
    const rssMbSettled = rssMb(pid);
    if (idleMs <= 0) return { process: `service ${name}`, readyMs, rssMbAtReady, cpuMsAtReady, rssMbSettled };
    const idleFrom = cpuMs(pid);
    await sleep(idleMs);
    const idleCpuPercent = Math.round(((cpuMs(pid) - idleFrom) / idleMs) * 10_000) / 100;
    return { process: `service ${name}`, readyMs, rssMbAtReady, cpuMsAtReady, rssMbSettled, idleCpuPercent, rssMbIdle: rssMb(pid) };
  } finally {
    child.kill('SIGTERM');
    await until(`${name} to stop`, () => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 30_000).catch(() => child.kill('SIGKILL'));
  }
}

/** The time of the first log line of a file (JSON lines with `time`) that contains `marker`. */
function logTime(file: string, marker: string): number | undefined {
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes(marker)) continue;
    try {
      return Date.parse((JSON.parse(line) as { time: string }).time);
    } catch {
      // Not one of ours.
    }
  }
  return undefined;
}

/** A child process of `pid` (the kernel's children list is not always available: scan /proc). */
function childOf(pid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** A managed MPC workload pair as the provisioner runs it (folders written here as the provisioner writes them). */
async function measureWorkloads(connection: StackConnection, tree: string, mode: MeasureMode, settleMs: number, scratch: string): Promise<ProcessFigure[]> {
  const launcherSource = existsSync(join(tree, 'workloads/supervisor/src/launch.main.ts')) ? 'workloads/supervisor/src/launch.main.ts' : 'services/provisioner/src/workload/launch.main.ts';
  const { createMpcCa, issueMpcCertificate } = await import('./mpc-lazy'); // loaded here only: see runner.ts
  const ca = await createMpcCa('measure-mpc-ca');
  const ids = [0, 1].map((i) => `measure${randomBytes(3).toString('hex')}-v1-node${i}`);
  const ports = await Promise.all(ids.map(async () => ({ mesh: await freePort(), control: await freePort() })));
  const dirs = ids.map((id) => join(scratch, 'workloads', id));
  for (const [i, id] of ids.entries()) {
    const dir = dirs[i]!;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const cert = await issueMpcCertificate(ca, id);
    writeFileSync(join(dir, 'mpc-node.key'), cert.key, { mode: 0o600 });
    writeFileSync(join(dir, 'mpc-node.crt'), cert.cert);
    writeFileSync(join(dir, 'mpc-ca.crt'), cert.ca);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    // The provisioner's workload.json, in the contract's shape (a change of the contract fails the type check here).
    const config: WorkloadConfig = {
      workloadId: id,
      daoId: 'measure',
      version: 1,
      name: `node${i}`,
      owner: i === 0 ? 'DspMSP' : 'Vsp1MSP',
      kind: 'mpc-node',
      parameters: {},
      heartbeatIntervalSeconds: 5,
      kafkaBrokers: connection.kafka.brokers,
      ...(connection.kafka.credentialsFile ? { kafkaCredentialsFile: connection.kafka.credentialsFile } : {}),
      telemetryTopic: `datawell.measure.telemetry.${ids[0]}`,
      keyFile: join(dir, 'key.pem'),
      mpc: {
        partyIndex: i,
        names: ids,
        endpoints: ports.map((p) => `127.0.0.1:${p.mesh}`),
        controlPort: ports[i]!.control,
        controlClientNames: ['mpc-coordinator'],
        tls: { certFile: join(dir, 'mpc-node.crt'), keyFile: join(dir, 'mpc-node.key'), caFile: join(dir, 'mpc-ca.crt') },
      },
    };
    writeFileSync(join(dir, 'workload.json'), `${JSON.stringify(config, null, 2)}\n`);
  }
  const launcher = nodeArgs(tree, mode, launcherSource);
  const figures: ProcessFigure[] = [];
  try {
    const launched = Date.now();
    await Promise.all(dirs.map((dir) => promisify(execFile)(process.execPath, [...launcher, 'start', dir], { cwd: tree, timeout: 120_000 })));
    const pids = await until('the MPC nodes to listen', () => {
      const all = dirs.map((dir) => {
        const supervisor = Number(readFileSync(join(dir, 'supervisor.pid'), 'utf8'));
        const workload = Number(readFileSync(join(dir, 'workload.pid'), 'utf8'));
        const node = childOf(workload);
        return logTime(join(dir, 'workload.log'), 'control listening') !== undefined && node ? { dir, supervisor, workload, node } : undefined;
      });
      return all.every(Boolean) ? (all as Array<{ dir: string; supervisor: number; workload: number; node: number }>) : undefined;
    });
    const total = Date.now() - launched;
    const { dir, supervisor, workload, node } = pids[0]!;
    const at = { supervisor: rssMb(supervisor), workload: rssMb(workload), node: rssMb(node) };
    const cpu = { supervisor: cpuMs(supervisor), workload: cpuMs(workload), node: cpuMs(node) };
    await sleep(settleMs);
    const ready = {
      supervisor: logTime(join(dir, 'supervisor.log'), 'workload started')! - startedAt(supervisor),
      workload: logTime(join(dir, 'workload.log'), 'starting the MPC node')! - startedAt(workload),
      node: logTime(join(dir, 'workload.log'), 'control listening')! - startedAt(node),
    };
    for (const p of ['supervisor', 'workload', 'node'] as const) {
      figures.push({ process: `workload ${p === 'node' ? 'mpc-node' : p}`, readyMs: Math.round(ready[p]), rssMbAtReady: at[p], cpuMsAtReady: cpu[p], rssMbSettled: rssMb(pids[0]![p]) });
    }
    figures.push({ process: 'workload pair: launch → both nodes listening', readyMs: total, rssMbAtReady: NaN, cpuMsAtReady: NaN, rssMbSettled: NaN });
  } finally {
    await Promise.all(dirs.map((dir) => promisify(execFile)(process.execPath, [...launcher, 'stop', dir], { cwd: tree, timeout: 60_000 }).catch(() => undefined)));
  }
  return figures;
}

export async function measureProcesses(ctx: StackContext, connection: StackConnection, options: { tree: string; mode: MeasureMode; settleMs: number; only?: readonly string[]; together?: boolean; idleMs?: number }): Promise<Measurement> {
  const { tree, mode, settleMs, idleMs = 0 } = options;
  if (mode === 'compiled') await buildServices(ctx, tree);
  const scratch = mkdtempSync(join(tmpdir(), 'datawell-measure-'));
  const loadAverage = loadavg().map((l) => Math.round(l * 100) / 100);
  const figures: ProcessFigure[] = [];
  try {
    const names = SERVICE_NAMES.filter((name) => !options.only || options.only.includes(name));
    if (options.together) {
      // All at once, as `./dev up` starts them: they compete for the cores.
      ctx.progress.step('measure', `${names.join(', ')} together (${mode})`);
      figures.push(...(await Promise.all(names.map((name) => measureService(ctx, connection, tree, mode, name, settleMs, scratch, idleMs)))));
    } else {
      for (const name of names) {
        ctx.progress.step('measure', `${name} (${mode})`);
        figures.push(await measureService(ctx, connection, tree, mode, name, settleMs, scratch, idleMs));
      }
    }
    if (!options.only || options.only.includes('workloads')) {
      ctx.progress.step('measure', `an MPC workload pair (${mode})`);
      figures.push(...(await measureWorkloads(connection, tree, mode, settleMs, scratch)));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const loadAverageIdle = loadavg().map((l) => Math.round(l * 100) / 100);
  return { mode, tree, loadAverage, settleMs, together: options.together ?? false, ...(idleMs > 0 ? { idleMs, loadAverageIdle } : {}), figures };
}
