import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { defineService, memberModeIssues, optionalTextVariable as optional, optionalTopicVariable as optionalTopic, textVariable as withDefault, type ConfigIssue, type ConfigOf, type Environment, type ServiceExtension } from '@datawell/config';
import { memberHeartbeatsTopic, memberLedgerTopics, memberTopicPrefix, SERVICES, TOPICS } from '@datawell/contracts';
import { MSP_ID_PATTERN } from '@datawell/domain';
import { MpcError, parseOtExtensionChoice } from '@datawell/mpc';

/** Settings of the provisioner service beyond the common ones (see docs/provisioner.md). */
export interface ProvisionerSettings {
  /** Where OpenTofu configurations (one folder per DAO version) and workload folders live. */
  readonly workDir: string;
  /** The OpenTofu (or terraform) binary. */
  readonly tofuBinary: string;
  /** PostgreSQL schema of the OpenTofu `pg` backend (one state per workspace = DAO version). */
  readonly tofuPgSchema: string;
  readonly topics: { readonly ledgerEvents: string; readonly ledgerCommands: string; readonly telemetry: string };
  /** Kafka consumer group of the ledger-events consumer. */
  readonly eventsGroupId: string;
  /** BullMQ queue name (no ":"). */
  readonly queueName: string;
  /** Attempts of a provisioning job before it is reported as failed. */
  readonly jobAttempts: number;
  /**
   * How long a worker's lock on a running job lasts without renewal (renewed at half of it): a job of a
   * crashed process counts as stalled once its lock has expired.
   */
  readonly jobLockSeconds: number;
  /** How often a worker looks for stalled jobs (those of a crashed process) to run them again. */
  readonly stalledCheckSeconds: number;
  /**
   * The operator's MPC mesh CA (PEM certificate and PKCS#8 key files). With it, the managed `mpc-node`
   * workloads of a version (at least two) run the real SPDZ node, with certificates it issues; without
   * it they are heartbeating placeholders.
   */
  readonly mpcCa?: { readonly certFile: string; readonly keyFile: string };
  /** The certificate CNs allowed to call a node's control API (the coordinator's). */
  readonly mpcControlClientNames: readonly string[];
  /**
   * The OT extension of the MASCOT preprocessing of every MPC node the provisioner starts (their
   * MPC_NODE_OT_EXTENSION), in its canonical form `kos` or `softspoken:<k>`; unset: the nodes' default
   * (`kos`). One value for the whole mesh: nodes given different ones cannot set up (PROTOCOL_VIOLATION).
   */
  readonly mpcOtExtension?: string;
  /**
   * Member mode (trust domains, DESIGN.md "Services … and where they run"): the provisioner of this
   * member's own domain builds only this member's managed workloads and reports its part of each
   * revision as this member (`InfrastructurePartProvisioned` / `…Failed`). Absent: the operator-mode
   * provisioner, which builds every managed workload of a version and reports as its DSP.
   */
  readonly member?: { readonly mspId: string };
}

export const PROVISIONER_VARIABLES = {
  workDir: 'PROVISIONER_WORK_DIR',
  tofuBinary: 'PROVISIONER_TOFU_BINARY',
  tofuPgSchema: 'PROVISIONER_TOFU_PG_SCHEMA',
  eventsTopic: 'PROVISIONER_LEDGER_EVENTS_TOPIC',
  commandsTopic: 'PROVISIONER_LEDGER_COMMANDS_TOPIC',
  telemetryTopic: 'PROVISIONER_TELEMETRY_TOPIC',
  eventsGroupId: 'PROVISIONER_EVENTS_GROUP_ID',
  queueName: 'PROVISIONER_QUEUE',
  jobAttempts: 'PROVISIONER_JOB_ATTEMPTS',
  jobLockSeconds: 'PROVISIONER_JOB_LOCK_SECONDS',
  stalledCheckSeconds: 'PROVISIONER_STALLED_CHECK_SECONDS',
  mpcCaCertFile: 'PROVISIONER_MPC_CA_CERT_FILE',
  mpcCaKeyFile: 'PROVISIONER_MPC_CA_KEY_FILE',
  mpcControlClientNames: 'PROVISIONER_MPC_CONTROL_CLIENT_NAMES',
  mpcOtExtension: 'PROVISIONER_MPC_OT_EXTENSION',
  memberMspId: 'PROVISIONER_MEMBER_MSP_ID',
  /** Provided by `connectionEnv` of the native stack: the defaults of the work folder and the binary. */
  stackDir: 'DATAWELL_STACK_DIR',
  stackTofuBinary: 'DATAWELL_TOFU_BINARY',
} as const;

const V = PROVISIONER_VARIABLES;
const seconds = (value: string, max: number) =>
  withDefault(value).refine((n) => /^\d+$/.test(n) && Number(n) >= 1 && Number(n) <= max, `must be an integer 1-${max} (seconds)`);
const absolute = optional.refine((v) => v === undefined || isAbsolute(v), 'must be an absolute path');

/** An OT extension as the MPC node reads it (parseOtExtensionChoice), in canonical form; undefined when not one. */
export function otExtensionSetting(text: string): string | undefined {
  try {
    const choice = parseOtExtensionChoice(text);
    return choice.kind === 'kos' ? 'kos' : `softspoken:${choice.k}`;
  } catch (error) {
    if (error instanceof MpcError) return undefined;
    throw error;
  }
}

/**
 * The topics and events group of a mode, unless set: the shared ones for the operator's provisioner;
 * for a member's, its bridge's sealed events and commands topics and its workloads' heartbeats topic
 * (which its own telemetry folds), under its group prefix.
 */
function defaults(memberMspId: string | undefined): { topics: ProvisionerSettings['topics']; eventsGroupId: string } {
  if (!memberMspId) return { topics: { ledgerEvents: TOPICS.ledgerEvents, ledgerCommands: TOPICS.ledgerCommands, telemetry: TOPICS.telemetry }, eventsGroupId: 'datawell-provisioner' };
  const own = memberLedgerTopics(memberMspId);
  return { topics: { ledgerEvents: own.events, ledgerCommands: own.commands, telemetry: memberHeartbeatsTopic(memberMspId) }, eventsGroupId: `${memberTopicPrefix(memberMspId)}provisioner.events` };
}

/** A member's provisioner uses only its own topics and groups (the broker lets its principal have nothing else) and seals them with its domain's key. */
function memberIssues(env: Environment): ConfigIssue[] {
  return memberModeIssues(env, { service: 'provisioner', memberVariable: V.memberMspId, scoped: [V.eventsTopic, V.commandsTopic, V.telemetryTopic, V.eventsGroupId] });
}

const provisionerExtension: ServiceExtension<ProvisionerSettings> = {
  shape: {
    [V.workDir]: absolute,
    [V.tofuBinary]: optional,
    [V.tofuPgSchema]: withDefault('provisioner_tofu').refine((s) => /^[a-z_][a-z0-9_]{0,62}$/.test(s), 'must be a lower-case PostgreSQL identifier'),
    // Defaults depend on the mode (see defaults).
    [V.eventsTopic]: optionalTopic,
    [V.commandsTopic]: optionalTopic,
    [V.telemetryTopic]: optionalTopic,
    [V.eventsGroupId]: optional.refine((g) => g === undefined || /^[A-Za-z0-9._-]{1,200}$/.test(g), 'must be letters, digits, ".", "_" or "-"'),
    [V.queueName]: withDefault('provisioner').refine((q) => /^[A-Za-z0-9._-]{1,100}$/.test(q), 'must be letters, digits, ".", "_" or "-"'),
    [V.jobAttempts]: withDefault('3').refine((n) => /^\d+$/.test(n) && Number(n) >= 1 && Number(n) <= 20, 'must be an integer 1-20'),
    [V.jobLockSeconds]: seconds('60', 3600),
    [V.stalledCheckSeconds]: seconds('30', 3600),
    [V.mpcCaCertFile]: absolute,
    [V.mpcCaKeyFile]: absolute,
    [V.mpcControlClientNames]: withDefault('mpc-coordinator').refine((v) => v.split(',').every((n) => /^[A-Za-z0-9._-]{1,64}$/.test(n.trim())), 'must be comma-separated certificate common names'),
    [V.mpcOtExtension]: optional.refine((v) => v === undefined || otExtensionSetting(v) !== undefined, "must be 'kos', 'softspoken' or 'softspoken:<k>' with k an integer in 1..10"),
    [V.memberMspId]: optional.refine((v) => v === undefined || MSP_ID_PATTERN.test(v), 'must be an MSP id: letters and digits ending in "MSP"'),
    [V.stackDir]: absolute,
    [V.stackTofuBinary]: optional,
  },
  /** The mesh CA: both files or neither, and never in member mode (a member's nodes are not the operator's to certify); nor the mesh's OT extension. */
  issues: (env) => {
    const files = [V.mpcCaCertFile, V.mpcCaKeyFile] as const;
    const given = files.filter((name) => env[name]?.trim());
    if (env[V.memberMspId]?.trim()) {
      return [
        ...memberIssues(env),
        ...given.map((variable) => ({ variable, problem: `is the operator's MPC mesh CA and may not be set with ${V.memberMspId} (member mode)` })),
        ...(env[V.mpcOtExtension]?.trim() ? [{ variable: V.mpcOtExtension, problem: `sets the operator's MPC mesh and may not be set with ${V.memberMspId} (member mode)` }] : []),
      ];
    }
    if (given.length !== 1) return [];
    return files.filter((name) => !env[name]?.trim()).map((variable) => ({ variable, problem: `is required with ${given[0]} (both MPC CA files or neither)` }));
  },
  build: (values) => {
    const stackDir = values[V.stackDir] as string | undefined;
    const memberMspId = values[V.memberMspId] as string | undefined;
    const d = defaults(memberMspId);
    const given = (variable: string) => values[variable] as string | undefined;
    return {
      workDir: (values[V.workDir] as string | undefined) ?? (stackDir ? join(stackDir, 'provisioner') : join(tmpdir(), 'datawell-provisioner')),
      tofuBinary: (values[V.tofuBinary] as string | undefined) ?? (values[V.stackTofuBinary] as string | undefined) ?? 'tofu',
      tofuPgSchema: values[V.tofuPgSchema] as string,
      topics: {
        ledgerEvents: given(V.eventsTopic) ?? d.topics.ledgerEvents,
        ledgerCommands: given(V.commandsTopic) ?? d.topics.ledgerCommands,
        telemetry: given(V.telemetryTopic) ?? d.topics.telemetry,
      },
      eventsGroupId: given(V.eventsGroupId) ?? d.eventsGroupId,
      queueName: values[V.queueName] as string,
      jobAttempts: Number(values[V.jobAttempts]),
      jobLockSeconds: Number(values[V.jobLockSeconds]),
      stalledCheckSeconds: Number(values[V.stalledCheckSeconds]),
      ...(values[V.mpcCaCertFile] ? { mpcCa: { certFile: values[V.mpcCaCertFile] as string, keyFile: values[V.mpcCaKeyFile] as string } } : {}),
      mpcControlClientNames: (values[V.mpcControlClientNames] as string).split(',').map((n) => n.trim()),
      ...(given(V.mpcOtExtension) ? { mpcOtExtension: otExtensionSetting(given(V.mpcOtExtension)!)! } : {}),
      ...(memberMspId ? { member: { mspId: memberMspId } } : {}),
    };
  },
};

/** The provisioner service's configuration: its registry entry and its own settings. */
export const provisionerService = defineService(SERVICES['provisioner'], provisionerExtension);
export type ProvisionerConfig = ConfigOf<typeof provisionerService>;
