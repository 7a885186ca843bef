import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { ledgerEventCloudEvent, type LedgerEvent } from '@datawell/contracts';
import { createTopicsLed } from '@datawell/stack';
import { hex, stackConnection } from '@datawell/testing';
import { isAlive, readPidFile, workloadFile as filePath } from '@datawell/workload-runtime';

/** What the provisioner's integration tests share: scratch settings, the ledger events they publish, SQL, cleanup. */

/** Runs one statement on the stack's PostgreSQL (or the database at `url`). */
export async function db<T>(sql: string, params: unknown[] = [], url = stackConnection().postgres.url): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export interface ScratchTopics {
  readonly events: string;
  readonly commands: string;
  readonly telemetry: string;
}

/** Topics, queue, consumer group and OpenTofu schema of one test's own, as provisioner settings. */
export function scratchSettings(workDir: string): { topics: ScratchTopics; tofuSchema: string; env: Record<string, string> } {
  const topics = { events: `it.prov.events.${hex()}`, commands: `it.prov.commands.${hex()}`, telemetry: `it.prov.telemetry.${hex()}` };
  const tofuSchema = `prov_it_${hex()}`;
  return {
    topics,
    tofuSchema,
    env: {
      PROVISIONER_WORK_DIR: workDir,
      PROVISIONER_TOFU_PG_SCHEMA: tofuSchema,
      PROVISIONER_LEDGER_EVENTS_TOPIC: topics.events,
      PROVISIONER_LEDGER_COMMANDS_TOPIC: topics.commands,
      PROVISIONER_TELEMETRY_TOPIC: topics.telemetry,
      PROVISIONER_EVENTS_GROUP_ID: `prov-it-${hex()}`,
      PROVISIONER_QUEUE: `prov-it-${hex()}`,
    },
  };
}

export async function createTopics(kafka: Kafka, topics: ScratchTopics): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsLed(admin, Object.values(topics));
  } finally {
    await admin.disconnect();
  }
}

/** `VersionCreated` of version 1 of `daoId`: a DSP and a VSP, two managed workloads and a self-hosted one. */
export function versionCreatedPayload(daoId: string): Record<string, unknown> {
  return {
    daoId,
    version: 1,
    agreementId: 'agr-it',
    members: [
      { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800000 },
      { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200000 },
    ],
    terms: { durationDays: 365, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 1, abandonAfterSeconds: 30, exitNoticeSeconds: 0, computations: [] },
    infrastructureRequested: {
      revision: 1,
      spec: {
        workloads: [
          { name: 'dsp-mpc', owner: 'DspMSP', placement: 'managed', kind: 'mpc-node', parameters: { memoryMb: 128 } },
          { name: 'vsp1-mpc', owner: 'Vsp1MSP', placement: 'managed', kind: 'mpc-node' },
          { name: 'vsp1-own', owner: 'Vsp1MSP', placement: 'self-hosted', kind: 'service' },
        ],
      },
    },
  };
}

/** Publishes ledger events of channel `dao-<daoId>-v1` to `topic` as the ledger bridge would, in block order. */
export function ledgerEventPublisher(kafka: Kafka, topic: string, daoId: string) {
  let block = 10;
  const send = async (event: LedgerEvent) => {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ key: daoId, value: JSON.stringify(ledgerEventCloudEvent(event)) }] });
    } finally {
      await producer.disconnect();
    }
    return event;
  };
  const publish = async (eventName: string, payload: Record<string, unknown>, transactionId = `tx${hex(8)}`) =>
    send({ channel: `dao-${daoId}-v1`, blockNumber: String(block++), transactionId, eventIndex: 0, chaincodeId: 'dao', eventName, payloadEncoding: 'json', payload: payload as never, daoId });
  return { publish, redeliver: send };
}

/** The CloudEvent's data of a message. */
export const dataOf = (m: KafkaMessage) => (JSON.parse(String(m.value)) as { data: Record<string, unknown> }).data;

export interface ProcessInfo {
  readonly pid: number;
  readonly pgid: number;
  readonly args: readonly string[];
}

/** Live processes (zombies left out) of this machine, from /proc. */
export function processes(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      out.push({ pid: Number(entry), pgid: Number(fields[2]), args });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Supervisor and workload processes of the workload folder `dir`, by their command lines (pid files aside). */
export function workloadProcessesOf(dir: string): { supervisors: number[]; workloads: number[] } {
  const of = (script: string) => processes().filter((p) => p.args.some((a) => a.endsWith(script)) && p.args.at(-1) === dir).map((p) => p.pid);
  return { supervisors: of('supervisor.main.ts'), workloads: of('workload.main.ts') };
}

/** SIGKILLs every supervisor and workload a run left in `workDir` (a failed test's leftovers). */
export function killWorkloads(workDir: string): void {
  for (const p of processes()) {
    if (p.args.some((a) => a.endsWith('supervisor.main.ts') || a.endsWith('workload.main.ts')) && p.args.at(-1)?.startsWith(join(workDir, 'workloads'))) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  }
  const root = join(workDir, 'workloads');
  for (const dir of existsSync(root) ? readdirSync(root) : []) {
    for (const f of ['supervisorPid', 'workloadPid'] as const) {
      const pid = readPidFile(filePath(join(root, dir), f));
      if (isAlive(pid)) process.kill(pid!, 'SIGKILL');
    }
  }
}
