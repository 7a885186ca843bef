import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { freePort, hex, readTopic, REPO_DIR, stackConnection, stackEnv, stackKafka, waitFor as waitUntil } from '@datawell/testing';
import { TofuWorkspace } from '../../src/provisioning/tofu.adapter';
import { createTopics, dataOf, db, killWorkloads, ledgerEventPublisher, processes, scratchSettings, versionCreatedPayload, workloadProcessesOf } from './harness';

/**
 * The provisioner as a separate OS process, killed while OpenTofu applies a DAO version, then started
 * again on the same settings: the job must finish once, with each workload running exactly once, one
 * unlocked state, and its ledger commands written once.
 */
jest.setTimeout(600_000);

const waitFor = <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, intervalMs = 500) =>
  waitUntil(what, probe, { timeoutMs: 180_000, intervalMs });

/** A short lock and stalled check, so a crashed process's job is run again within seconds. */
const QUICK_STALL = { PROVISIONER_JOB_LOCK_SECONDS: '8', PROVISIONER_STALLED_CHECK_SECONDS: '2', DATAWELL_KAFKA_SESSION_TIMEOUT_MS: '6000' };

interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly log: string;
  readonly exited: Promise<void>;
}

/** One scratch provisioner: its own database, topics, queue, consumer group and work folder. */
class ScratchProvisioner {
  readonly daoId = `pcr${hex()}`;
  readonly workDir = mkdtempSync(join(tmpdir(), 'prov-crash-'));
  readonly database = `prov_crash_${hex()}`;
  readonly url: string;
  readonly settings = scratchSettings(this.workDir);
  readonly kafka: Kafka = stackKafka(`prov-crash-${hex()}`);
  readonly events = ledgerEventPublisher(this.kafka, this.settings.topics.events, this.daoId);
  readonly started: Started[] = [];
  readonly workloadIds = [`${this.daoId}-v1-dsp-mpc`, `${this.daoId}-v1-vsp1-mpc`];
  readonly applyJob = `apply.${this.daoId}.v1.r1`;

  constructor() {
    const u = new URL(stackConnection().postgres.url);
    u.pathname = `/${this.database}`;
    this.url = u.toString();
  }

  async setUp(): Promise<void> {
    await db(`CREATE DATABASE "${this.database}"`);
    await createTopics(this.kafka, this.settings.topics);
  }

  /** `node -r @swc-node/register services/provisioner/src/main.ts` as `./dev services` runs it, leader of its own process group. */
  async start(): Promise<Started> {
    const port = await freePort();
    const log = join(this.workDir, `provisioner-${this.started.length + 1}.log`);
    const out = openSync(log, 'a');
    const child = spawn(process.execPath, ['--enable-source-maps', '-r', '@swc-node/register', join(REPO_DIR, 'services', 'provisioner', 'src', 'main.ts')], {
      cwd: REPO_DIR,
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        ...stackEnv(),
        ...this.settings.env,
        ...QUICK_STALL,
        DATAWELL_POSTGRES_URL: this.url,
        PROVISIONER_HTTP_PORT: String(port),
        PROVISIONER_GRPC_PORT: '0',
        PROVISIONER_JOB_ATTEMPTS: '2',
        DATAWELL_LOG_LEVEL: 'log',
        NODE_ENV: 'development',
      },
    });
    closeSync(out);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const started: Started = { child, pid: child.pid!, port, log, exited };
    this.started.push(started);
    await waitFor(`the provisioner on port ${port} (log ${log})`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited: ${readFileSync(log, 'utf8').slice(-2000)}`);
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
      return res.ok;
    });
    return started;
  }

  async job(id: string): Promise<{ state: string; attempts: number; error: string | null } | undefined> {
    const [row] = await db<{ state: string; attempts: number; error: string | null }>(`SELECT state, attempts, error FROM provisioner.jobs WHERE id = $1`, [id], this.url);
    return row;
  }

  finished(id: string) {
    return waitFor(`job ${id} to finish`, async () => {
      const j = await this.job(id);
      return j && ['completed', 'failed'].includes(j.state) ? j : undefined;
    });
  }

  workloadDir(id: string): string {
    return join(this.workDir, 'workloads', id);
  }

  tofuApplies(pgid: number) {
    return processes().filter((p) => p.pgid === pgid && p.args[0] === stackConnection().opentofu.binary && p.args[1] === 'apply');
  }

  launchers(pgid: number) {
    return processes().filter((p) => p.pgid === pgid && p.args.some((a) => a.endsWith('launch.main.ts')) && p.args.includes('start'));
  }

  /** Each workload's supervisor and workload processes. */
  running() {
    return Object.fromEntries(this.workloadIds.map((id) => [id, workloadProcessesOf(this.workloadDir(id))]));
  }

  async bullJob(id: string): Promise<{ state: string; stalledCounter: number; attemptsMade: number; failedReason?: string }> {
    const connection = new Redis(stackConnection().redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(this.settings.env['PROVISIONER_QUEUE']!, { connection });
    try {
      const job = await queue.getJob(id);
      if (!job) throw new Error(`no BullMQ job ${id}`);
      return { state: await job.getState(), stalledCounter: job.stalledCounter, attemptsMade: job.attemptsMade, ...(job.failedReason ? { failedReason: job.failedReason } : {}) };
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }

  async outboxIds(): Promise<string[]> {
    return (await db<{ id: string }>(`SELECT id FROM provisioner.outbox ORDER BY seq`, [], this.url)).map((r) => r.id);
  }

  /** Every process this test started (the orphans of a killed process too) dies; the scratch resources go. */
  async tearDown(): Promise<void> {
    for (const s of this.started) {
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        // The group is gone.
      }
    }
    killWorkloads(this.workDir);
    await db(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
    const connection = new Redis(stackConnection().redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(this.settings.env['PROVISIONER_QUEUE']!, { connection });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();
    if (!process.env['KEEP_PROVISIONER_CRASH_DIR']) rmSync(this.workDir, { recursive: true, force: true });
  }
}

describe('the provisioner killed in the middle of `tofu apply`', () => {
  let p: ScratchProvisioner;
  beforeEach(async () => {
    p = new ScratchProvisioner();
    await p.setUp();
  });
  afterEach(async () => {
    await p.tearDown();
  });

  /**
   * Waits until the apply is past the point of no return for one workload (its supervisor is running)
   * while tofu has not finished (a launcher is still running in the provisioner's process group).
   */
  const midApply = (pgid: number) =>
    waitFor(
      'a workload started by `tofu apply` while the apply still runs',
      () => {
        const started = Object.values(p.running()).filter((r) => r.supervisors.length > 0).length;
        return p.tofuApplies(pgid).length > 0 && p.launchers(pgid).length > 0 && started > 0 ? { started } : undefined;
      },
      50,
    );

  /** After a restart: the job finished once, each workload runs once, one unlocked state, commands once. */
  async function expectConverged(): Promise<void> {
    const job = await p.finished(p.applyJob);
    expect(job).toEqual({ state: 'completed', attempts: 1, error: null });
    // BullMQ ran it again as a stalled job, and counts one attempt (the one that completed), none failed.
    // The job's own row is completed inside the processor; BullMQ moves the job to completed after the
    // processor returns, so under load it may still be active for a moment.
    const bull = await waitFor(`BullMQ to settle job ${p.applyJob}`, async () => {
      const j = await p.bullJob(p.applyJob);
      return j.state === 'active' ? undefined : j;
    });
    expect(bull).toMatchObject({ state: 'completed', stalledCounter: 1, attemptsMade: 1 });
    const logs = (await db<{ line: string }>(`SELECT line FROM provisioner.job_logs WHERE job_id = $1 ORDER BY seq`, [p.applyJob], p.url)).map((r) => r.line);
    expect(logs.filter((l) => l.startsWith(`job ${p.applyJob}: attempt 1 of 2`))).toHaveLength(2);

    // Exactly one supervisor and one workload process per workload, the ones in its pid files.
    const running = p.running();
    for (const id of p.workloadIds) {
      expect({ id, ...running[id] }).toEqual({ id, supervisors: [expect.any(Number)], workloads: [expect.any(Number)] });
      expect(Number(readFileSync(join(p.workloadDir(id), 'supervisor.pid'), 'utf8'))).toBe(running[id]!.supervisors[0]);
      expect(Number(readFileSync(join(p.workloadDir(id), 'workload.pid'), 'utf8'))).toBe(running[id]!.workloads[0]);
    }

    // One state, holding both workloads, and no advisory lock left in the backend's database.
    const states = await db<{ name: string; data: string }>(`SELECT name, data FROM "${p.settings.tofuSchema}".states`, [], p.url);
    expect(states.map((s) => s.name)).toEqual([`dao-${p.daoId}-v1`]);
    const instances = (JSON.parse(states[0]!.data) as { resources: Array<{ instances: Array<{ index_key: string }> }> }).resources.flatMap((r) => r.instances.map((i) => i.index_key));
    expect(instances.sort()).toEqual(p.workloadIds);
    expect(await db(`SELECT objid FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1`, [p.database])).toEqual([]);
    // Not locked: an apply that may not wait for the lock goes through, and finds nothing to change.
    const workspace = new TofuWorkspace({ binary: stackConnection().opentofu.binary, root: join(p.workDir, 'tofu'), postgresUrl: p.url }, `dao-${p.daoId}-v1`);
    const lines: string[] = [];
    await workspace.apply((l) => lines.push(l), '0s');
    expect(lines.join('\n')).toMatch(/No changes/);

    // The ledger commands were written once (deterministic ids in the outbox) and published once.
    const provisioned = `provisioner:provisioned:${p.daoId}:v1:r1`;
    expect(await p.outboxIds()).toEqual([...p.workloadIds.map((id) => `provisioner:register:dao-${p.daoId}-v1:${id}`), provisioned]);
    const commands = await readTopic(p.kafka, p.settings.topics.commands, (ms) => ms.some((m) => dataOf(m)['transaction'] === 'InfrastructureProvisioned'), {
      timeoutMs: 120_000,
      lingerMs: 3000,
      groupPrefix: 'prov-crash-reader',
    });
    expect(commands.map((m) => dataOf(m)['transaction'])).toEqual(['RegisterWorkload', 'RegisterWorkload', 'InfrastructureProvisioned']);
    expect(commands.map((m) => dataOf(m)['commandId'])).toEqual(await p.outboxIds());
  }

  /** Dissolution destroys through the provisioner's own path: the state was not left locked, nothing keeps running. */
  async function expectDestroyed(): Promise<void> {
    await p.events.publish('MemberExited', { mspId: 'DspMSP', group: 'D', role: 'DSP', levelEnded: true, dissolved: true });
    expect(await p.finished(`destroy.${p.daoId}.v1`)).toMatchObject({ state: 'completed' });
    expect(Object.values(p.running())).toEqual(p.workloadIds.map(() => ({ supervisors: [], workloads: [] })));
    expect(await db(`SELECT name FROM "${p.settings.tofuSchema}".states`, [], p.url)).toEqual([]);
  }

  it('resumes the job after the whole process group (node and its tofu) is SIGKILLed', async () => {
    const first = await p.start();
    await p.events.publish('VersionCreated', versionCreatedPayload(p.daoId));
    await midApply(first.pid);
    process.kill(-first.pid, 'SIGKILL');
    await first.exited;
    expect(p.tofuApplies(first.pid)).toEqual([]);
    expect((await p.job(p.applyJob))?.state).toBe('active');

    await p.start();
    await expectConverged();
    await expectDestroyed();
  });

  it('resumes the job after only the node process is SIGKILLed and its tofu is orphaned', async () => {
    const first = await p.start();
    await p.events.publish('VersionCreated', versionCreatedPayload(p.daoId));
    await midApply(first.pid);
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    expect((await p.job(p.applyJob))?.state).toBe('active');

    await p.start();
    await expectConverged();
    await expectDestroyed();
  });

  it('fails the job once, reports InfrastructureFailed once and still destroys cleanly when the process crashes again in the resumed apply', async () => {
    const first = await p.start();
    await p.events.publish('VersionCreated', versionCreatedPayload(p.daoId));
    await midApply(first.pid);
    process.kill(-first.pid, 'SIGKILL');
    await first.exited;

    // The resumed run crashes too, inside its own `tofu apply`.
    const second = await p.start();
    await waitFor('the resumed `tofu apply`', () => p.tofuApplies(second.pid).length > 0, 50);
    process.kill(-second.pid, 'SIGKILL');
    await second.exited;

    // BullMQ's stall limit fails the job without running it: the provisioner records it all the same.
    await p.start();
    expect(await p.finished(p.applyJob)).toEqual({ state: 'failed', attempts: 1, error: 'job stalled more than allowable limit' });
    expect(await p.bullJob(p.applyJob)).toMatchObject({ state: 'failed', stalledCounter: 2, failedReason: 'job stalled more than allowable limit' });
    const [version] = await db<{ status: string; failure: string }>(`SELECT status, failure FROM provisioner.versions WHERE dao_id = $1`, [p.daoId], p.url);
    expect(version).toEqual({ status: 'failed', failure: 'job stalled more than allowable limit' });
    expect(await p.outboxIds()).toEqual([`provisioner:failed:${p.daoId}:v1:r1`]);
    const commands = await readTopic(p.kafka, p.settings.topics.commands, (ms) => ms.length >= 1, { timeoutMs: 120_000, lingerMs: 3000, groupPrefix: 'prov-crash-reader' });
    expect(commands.map((m) => [dataOf(m)['transaction'], JSON.parse((dataOf(m)['arguments'] as string[])[0]!)])).toEqual([
      ['InfrastructureFailed', { revision: 1, reason: 'job stalled more than allowable limit' }],
    ]);
    expect(await db(`SELECT objid FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = $1`, [p.database])).toEqual([]);

    // Rolling back: whatever the crashed applies started, recorded in the state or not, is destroyed.
    await expectDestroyed();
  });

  it('starts again, with the keys they registered, the workloads of a provisioned version whose processes a host crash took; never destroyed ones', async () => {
    const first = await p.start();
    await p.events.publish('VersionCreated', versionCreatedPayload(p.daoId));
    expect(await p.finished(p.applyJob)).toMatchObject({ state: 'completed' });
    const before = p.running();
    const keys = p.workloadIds.map((id) => readFileSync(join(p.workloadDir(id), 'key.pem'), 'utf8'));
    const outbox = await p.outboxIds();
    // A host crash: the provisioner and every workload die at once.
    process.kill(-first.pid, 'SIGKILL');
    await first.exited;
    killWorkloads(p.workDir);
    await waitFor('the workloads gone', () => Object.values(p.running()).every((r) => r.supervisors.length === 0 && r.workloads.length === 0));

    const second = await p.start();
    const after = await waitFor('each workload running again', () => {
      const running = p.running();
      return Object.values(running).every((r) => r.supervisors.length === 1 && r.workloads.length === 1) ? running : undefined;
    });
    for (const id of p.workloadIds) expect(after[id]!.supervisors[0]).not.toBe(before[id]!.supervisors[0]);
    expect(p.workloadIds.map((id) => readFileSync(join(p.workloadDir(id), 'key.pem'), 'utf8'))).toEqual(keys);
    // Nothing applied or registered again: no new job, no new ledger command.
    expect(await p.outboxIds()).toEqual(outbox);
    expect((await db<{ id: string }>(`SELECT id FROM provisioner.jobs`, [], p.url)).map((r) => r.id)).toEqual([p.applyJob]);

    // Destroyed workloads stay down across another restart.
    await expectDestroyed();
    process.kill(-second.pid, 'SIGKILL');
    await second.exited;
    await p.start();
    await new Promise((r) => setTimeout(r, 5000));
    expect(Object.values(p.running())).toEqual(p.workloadIds.map(() => ({ supervisors: [], workloads: [] })));
  });
});
