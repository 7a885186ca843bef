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
  /**
   * Member mode, the member's own MPC nodes (issue 12): their TLS identities are issued by the member's
   * own Fabric CA (its MSP root), through its REST API, with the node enroller's `<id>:<secret>` read
   * from `secretFile` at each issue; their control API trusts the coordinator's CA (public). Set by the
   * stack tooling once the operator has an MPC coordinator; absent: the member's nodes are placeholders.
   */
  readonly memberMesh?: {
    readonly enroll: { readonly url: string; readonly caName: string; readonly tlsCaFile: string; readonly secretFile: string };
    readonly coordinatorCaFile: string;
    /** The member's own ledger bridge, where its nodes read their ledger view before taking part in a computation. */
    readonly ledgerUrl?: string;
    /** The operator's MPC coordinator, where its nodes register themselves with their own identities. */
    readonly coordinatorUrl?: string;
  };
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
  mpcEnrollUrl: 'PROVISIONER_MPC_ENROLL_URL',
  mpcEnrollCaName: 'PROVISIONER_MPC_ENROLL_CA_NAME',
  mpcEnrollTlsCaFile: 'PROVISIONER_MPC_ENROLL_TLS_CA_FILE',
  mpcEnrollSecretFile: 'PROVISIONER_MPC_ENROLL_SECRET_FILE',
  mpcCoordinatorCaFile: 'PROVISIONER_MPC_COORDINATOR_CA_FILE',
  mpcLedgerUrl: 'PROVISIONER_MPC_LEDGER_URL',
  mpcCoordinatorUrl: 'PROVISIONER_MPC_COORDINATOR_URL',
  /** Provided by `connectionEnv` of the native stack: the defaults of the work folder and the binary. */
  stackDir: 'DATAWELL_STACK_DIR',
  stackTofuBinary: 'DATAWELL_TOFU_BINARY',
} as const;

const V = PROVISIONER_VARIABLES;
const seconds = (value: string, max: number) =>
  withDefault(value).refine((n) => /^\d+$/.test(n) && Number(n) >= 1 && Number(n) <= max, `must be an integer 1-${max} (seconds)`);
const absolute = optional.refine((v) => v === undefined || isAbsolute(v), 'must be an absolute path');
const MEMBER_MESH = [V.mpcEnrollUrl, V.mpcEnrollCaName, V.mpcEnrollTlsCaFile, V.mpcEnrollSecretFile, V.mpcCoordinatorCaFile] as const;

function httpsUrl(v: string): boolean {
  try {
    const url = new URL(v);
    return url.protocol === 'https:' && url.pathname === '/' && !url.username && !url.password && !url.search;
  } catch {
    return false;
  }
}

/** A service's base URL: http(s), no credentials, query or path. */
function httpUrl(v: string): boolean {
  try {
    const url = new URL(v);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname === '/' && !url.username && !url.password && !url.search;
  } catch {
    return false;
  }
}

/** The member mesh's settings: all of them or none, and only in member mode (the operator's mesh has its own CA). */
function memberMeshIssues(env: Environment, member: boolean): ConfigIssue[] {
  const given = MEMBER_MESH.filter((name) => env[name]?.trim());
  if (given.length === 0) {
    const why = { [V.mpcLedgerUrl]: "is where a member's own MPC nodes read their ledger", [V.mpcCoordinatorUrl]: "is where a member's own MPC nodes register themselves" };
    return (Object.keys(why) as Array<keyof typeof why>).filter((name) => env[name]?.trim()).map((variable) => ({ variable, problem: `${why[variable]} and needs ${MEMBER_MESH.join(', ')}` }));
  }
  if (!member) return given.map((variable) => ({ variable, problem: `sets a member's own MPC nodes and may be set only with ${V.memberMspId} (member mode)` }));
  return MEMBER_MESH.filter((name) => !env[name]?.trim()).map((variable) => ({ variable, problem: `is required with ${given[0]} (all of ${MEMBER_MESH.join(', ')} or none)` }));
}

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
    [V.mpcEnrollUrl]: optional.refine((v) => v === undefined || httpsUrl(v), 'must be the https URL of a Fabric CA (https://host:port, no path or credentials)'),
    [V.mpcEnrollCaName]: optional.refine((v) => v === undefined || /^[A-Za-z0-9._-]{1,64}$/.test(v), 'must be a Fabric CA name: letters, digits, ".", "_" or "-"'),
    [V.mpcEnrollTlsCaFile]: absolute,
    [V.mpcEnrollSecretFile]: absolute,
    [V.mpcCoordinatorCaFile]: absolute,
    [V.mpcLedgerUrl]: optional.refine((v) => v === undefined || httpUrl(v), 'must be an http(s) URL without credentials, query or path'),
    [V.mpcCoordinatorUrl]: optional.refine((v) => v === undefined || httpUrl(v), 'must be an http(s) URL without credentials, query or path'),
    [V.stackDir]: absolute,
    [V.stackTofuBinary]: optional,
  },
  /**
   * The mesh CA: both files or neither, and never in member mode (a member's nodes are not the operator's
   * to certify); a member's own mesh (all its variables or none) only in member mode; the mesh's OT
   * extension in member mode only with the member's own mesh.
   */
  issues: (env) => {
    const files = [V.mpcCaCertFile, V.mpcCaKeyFile] as const;
    const given = files.filter((name) => env[name]?.trim());
    if (env[V.memberMspId]?.trim()) {
      const ownMesh = MEMBER_MESH.some((name) => env[name]?.trim());
      return [
        ...memberIssues(env),
        ...memberMeshIssues(env, true),
        ...given.map((variable) => ({ variable, problem: `is the operator's MPC mesh CA and may not be set with ${V.memberMspId} (member mode)` })),
        ...(env[V.mpcOtExtension]?.trim() && !ownMesh ? [{ variable: V.mpcOtExtension, problem: `sets an MPC mesh and may be set with ${V.memberMspId} (member mode) only with the member's own (${V.mpcEnrollUrl} …)` }] : []),
      ];
    }
    const pair = given.length !== 1 ? [] : files.filter((name) => !env[name]?.trim()).map((variable) => ({ variable, problem: `is required with ${given[0]} (both MPC CA files or neither)` }));
    return [...pair, ...memberMeshIssues(env, false)];
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
      ...(memberMspId && given(V.mpcEnrollUrl)
        ? {
            memberMesh: {
              enroll: { url: given(V.mpcEnrollUrl)!, caName: given(V.mpcEnrollCaName)!, tlsCaFile: given(V.mpcEnrollTlsCaFile)!, secretFile: given(V.mpcEnrollSecretFile)! },
              coordinatorCaFile: given(V.mpcCoordinatorCaFile)!,
              ...(given(V.mpcLedgerUrl) ? { ledgerUrl: given(V.mpcLedgerUrl)! } : {}),
              ...(given(V.mpcCoordinatorUrl) ? { coordinatorUrl: given(V.mpcCoordinatorUrl)! } : {}),
            },
          }
        : {}),
    };
  },
};

/** The provisioner service's configuration: its registry entry and its own settings. */
export const provisionerService = defineService(SERVICES['provisioner'], provisionerExtension);
export type ProvisionerConfig = ConfigOf<typeof provisionerService>;
