import { z } from 'zod';
import { blankToUndefined, defineService, memberModeIssues, type ConfigIssue, type ConfigOf, type Environment, type ServiceExtension } from '@datawell/config';
import { memberHeartbeatsTopic, memberLedgerTopics, memberTopicPrefix, MSP_ID_PATTERN, SERVICES, TOPICS } from '@datawell/contracts';

/** Settings of the telemetry service beyond the common ones (see docs/telemetry.md). */
export interface TelemetrySettings {
  /**
   * Member mode (TELEMETRY_MEMBER_MSP_ID): telemetry of one member's domain. It reads that member's
   * own topics (its bridge's sealed events and receipts, its workloads' heartbeats), submits its
   * snapshots and evaluations as that member only, through its commands topic, and evaluates the
   * other members of its DAOs. Absent: the operator's telemetry (shared topics, acting as each
   * channel's founding member).
   */
  readonly member?: { readonly mspId: string };
  /** How often verified heartbeats are folded into snapshots and abandonment is checked. */
  readonly foldIntervalMs: number;
  /** How long a heartbeat whose workload is not registered yet is kept and re-checked. */
  readonly pendingHeartbeatTtlMs: number;
  /**
   * How long a member the version's infrastructure spec expects to run a workload may go without
   * registering any before telemetry asks the chaincode about its silence (docs/telemetry.md, "Abandonment").
   */
  readonly registrationGraceSeconds: number;
  readonly topics: {
    readonly ledgerEvents: string;
    readonly ledgerCommands: string;
    readonly ledgerReceipts: string;
    readonly telemetry: string;
  };
  /** Consumer groups are `<prefix>-ledger-events`, `<prefix>-receipts`, `<prefix>-heartbeats`. */
  readonly groupIdPrefix: string;
  /** Prefix of every Redis key the service writes. */
  readonly redisKeyPrefix: string;
}

export const TELEMETRY_VARIABLES = {
  foldIntervalMs: 'TELEMETRY_FOLD_INTERVAL_MS',
  pendingHeartbeatTtlMs: 'TELEMETRY_PENDING_HEARTBEAT_TTL_MS',
  registrationGraceSeconds: 'TELEMETRY_REGISTRATION_GRACE_SECONDS',
  ledgerEventsTopic: 'TELEMETRY_LEDGER_EVENTS_TOPIC',
  ledgerCommandsTopic: 'TELEMETRY_LEDGER_COMMANDS_TOPIC',
  ledgerReceiptsTopic: 'TELEMETRY_LEDGER_RECEIPTS_TOPIC',
  telemetryTopic: 'TELEMETRY_HEARTBEATS_TOPIC',
  groupIdPrefix: 'TELEMETRY_GROUP_ID_PREFIX',
  redisKeyPrefix: 'TELEMETRY_REDIS_KEY_PREFIX',
  memberMspId: 'TELEMETRY_MEMBER_MSP_ID',
} as const;

const V = TELEMETRY_VARIABLES;

/**
 * A day: OpenTofu builds a managed workload in minutes, but a failed apply to be fixed, or a
 * self-hosting member setting up its own machine and registering its key, takes people, on the scale
 * of a working day. The chaincode's own abandon-after (counted from the version's creation) still
 * applies on top. A day is also far beyond any scenario or end-to-end test, whose members often never
 * register the workloads their specs name.
 */
export const DEFAULT_REGISTRATION_GRACE_SECONDS = 86_400;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

function integer(defaultValue: number, min: number, max: number) {
  return z.preprocess(
    (v) => blankToUndefined(v) ?? String(defaultValue),
    z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max)),
  );
}

function name(defaultValue: string, pattern: RegExp, what: string) {
  return z.preprocess(
    (v) => (typeof blankToUndefined(v) === 'string' ? (v as string).trim() : defaultValue),
    z.string().regex(pattern, `must be ${what}`),
  );
}

/** A name with no default: the default depends on the mode (build). */
function optionalName(pattern: RegExp, what: string) {
  return z.preprocess((v) => (typeof blankToUndefined(v) === 'string' ? (v as string).trim() : undefined), z.string().regex(pattern, `must be ${what}`).optional());
}

const topic = () => optionalName(TOPIC, 'a Kafka topic name');

/** The topics and consumer groups of a mode, unless set. */
function defaults(memberMspId: string | undefined): { topics: TelemetrySettings['topics']; groupIdPrefix: string } {
  if (!memberMspId) {
    return { topics: { ledgerEvents: TOPICS.ledgerEvents, ledgerCommands: TOPICS.ledgerCommands, ledgerReceipts: TOPICS.ledgerReceipts, telemetry: TOPICS.telemetry }, groupIdPrefix: 'datawell-telemetry' };
  }
  const own = memberLedgerTopics(memberMspId);
  return {
    topics: { ledgerEvents: own.events, ledgerCommands: own.commands, ledgerReceipts: own.receipts, telemetry: memberHeartbeatsTopic(memberMspId) },
    groupIdPrefix: `${memberTopicPrefix(memberMspId)}telemetry`,
  };
}

/**
 * A member's telemetry uses only its own topics and groups (the broker lets its principal have
 * nothing else) and seals them with its domain's key.
 */
function memberIssues(env: Environment): ConfigIssue[] {
  return memberModeIssues(env, { service: 'telemetry', memberVariable: V.memberMspId, scoped: [V.ledgerEventsTopic, V.ledgerCommandsTopic, V.ledgerReceiptsTopic, V.telemetryTopic, V.groupIdPrefix] });
}

const telemetryExtension: ServiceExtension<TelemetrySettings> = {
  shape: {
    [V.foldIntervalMs]: integer(2000, 100, 3_600_000),
    [V.pendingHeartbeatTtlMs]: integer(60_000, 1000, 3_600_000),
    [V.registrationGraceSeconds]: integer(DEFAULT_REGISTRATION_GRACE_SECONDS, 0, 365 * 86_400),
    [V.ledgerEventsTopic]: topic(),
    [V.ledgerCommandsTopic]: topic(),
    [V.ledgerReceiptsTopic]: topic(),
    [V.telemetryTopic]: topic(),
    [V.groupIdPrefix]: optionalName(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" or "-"'),
    [V.redisKeyPrefix]: name('datawell:telemetry', /^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits, ".", "_", ":" or "-"'),
    [V.memberMspId]: optionalName(MSP_ID_PATTERN, 'an MSP id (letters and digits ending in "MSP")'),
  },
  issues: memberIssues,
  build: (values) => {
    const memberMspId = values[V.memberMspId] as string | undefined;
    const d = defaults(memberMspId);
    const given = (variable: string) => values[variable] as string | undefined;
    return {
      ...(memberMspId ? { member: { mspId: memberMspId } } : {}),
      foldIntervalMs: values[V.foldIntervalMs] as number,
      pendingHeartbeatTtlMs: values[V.pendingHeartbeatTtlMs] as number,
      registrationGraceSeconds: values[V.registrationGraceSeconds] as number,
      topics: {
        ledgerEvents: given(V.ledgerEventsTopic) ?? d.topics.ledgerEvents,
        ledgerCommands: given(V.ledgerCommandsTopic) ?? d.topics.ledgerCommands,
        ledgerReceipts: given(V.ledgerReceiptsTopic) ?? d.topics.ledgerReceipts,
        telemetry: given(V.telemetryTopic) ?? d.topics.telemetry,
      },
      groupIdPrefix: given(V.groupIdPrefix) ?? d.groupIdPrefix,
      redisKeyPrefix: values[V.redisKeyPrefix] as string,
    };
  },
};

/** The telemetry service's configuration: its registry entry and its own settings. */
export const telemetryService = defineService(SERVICES['telemetry'], telemetryExtension);
export type TelemetryConfig = ConfigOf<typeof telemetryService>;
