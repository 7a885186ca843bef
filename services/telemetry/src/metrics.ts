import { Counter, Registry } from 'prom-client';

/** Telemetry's counters, registered in the application's registry (served at GET /metrics). */
export interface TelemetryCounters {
  /** Heartbeats by outcome: `accepted`, `held` (workload not registered yet) or the drop reason. */
  readonly heartbeats: Counter<'outcome'>;
  /** Ledger commands written to the outbox, by transaction. */
  readonly commands: Counter<'transaction'>;
}

export function telemetryCounters(registry: Registry = new Registry()): TelemetryCounters {
  return {
    heartbeats: new Counter({ name: 'datawell_telemetry_heartbeats_total', help: 'Heartbeats consumed, by outcome', labelNames: ['outcome'], registers: [registry] }),
    commands: new Counter({ name: 'datawell_telemetry_ledger_commands_total', help: 'Ledger commands written to the outbox, by transaction', labelNames: ['transaction'], registers: [registry] }),
  };
}
