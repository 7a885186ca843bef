import { z } from 'zod';
import { blankToUndefined, defineService, type ConfigOf, type ServiceExtension } from '@datawell/config';
import { SERVICES } from '@datawell/contracts';

/** Settings of the telemetry service beyond the common ones (see docs/telemetry.md). */
export interface TelemetrySettings {
  /** How often verified heartbeats are folded into snapshots and abandonment is checked. */
  readonly foldIntervalMs: number;
  /** How long a heartbeat whose workload is not registered yet is kept and re-checked. */
  readonly pendingHeartbeatTtlMs: number;
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
  ledgerEventsTopic: 'TELEMETRY_LEDGER_EVENTS_TOPIC',
  ledgerCommandsTopic: 'TELEMETRY_LEDGER_COMMANDS_TOPIC',
  ledgerReceiptsTopic: 'TELEMETRY_LEDGER_RECEIPTS_TOPIC',
  telemetryTopic: 'TELEMETRY_HEARTBEATS_TOPIC',
  groupIdPrefix: 'TELEMETRY_GROUP_ID_PREFIX',
  redisKeyPrefix: 'TELEMETRY_REDIS_KEY_PREFIX',
} as const;

const V = TELEMETRY_VARIABLES;
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

const topic = (value: string) => name(value, TOPIC, 'a Kafka topic name');

const telemetryExtension: ServiceExtension<TelemetrySettings> = {
  shape: {
    [V.foldIntervalMs]: integer(2000, 100, 3_600_000),
    [V.pendingHeartbeatTtlMs]: integer(60_000, 1000, 3_600_000),
    [V.ledgerEventsTopic]: topic('datawell.ledger.events.v1'),
    [V.ledgerCommandsTopic]: topic('datawell.ledger.commands.v1'),
    [V.ledgerReceiptsTopic]: topic('datawell.ledger.receipts.v1'),
    [V.telemetryTopic]: topic('datawell.infra.telemetry.v1'),
    [V.groupIdPrefix]: name('datawell-telemetry', /^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" or "-"'),
    [V.redisKeyPrefix]: name('datawell:telemetry', /^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits, ".", "_", ":" or "-"'),
  },
  build: (values) => ({
    foldIntervalMs: values[V.foldIntervalMs] as number,
    pendingHeartbeatTtlMs: values[V.pendingHeartbeatTtlMs] as number,
    topics: {
      ledgerEvents: values[V.ledgerEventsTopic] as string,
      ledgerCommands: values[V.ledgerCommandsTopic] as string,
      ledgerReceipts: values[V.ledgerReceiptsTopic] as string,
      telemetry: values[V.telemetryTopic] as string,
    },
    groupIdPrefix: values[V.groupIdPrefix] as string,
    redisKeyPrefix: values[V.redisKeyPrefix] as string,
  }),
};

/** The telemetry service's configuration: its registry entry and its own settings. */
export const telemetryService = defineService(SERVICES['telemetry'], telemetryExtension);
export type TelemetryConfig = ConfigOf<typeof telemetryService>;
