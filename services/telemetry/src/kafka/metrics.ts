import { Counter, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  // One registration per process: several app instances (tests, restarts in-process) share it.
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Heartbeats by outcome: `accepted`, `held` (workload not registered yet) or the drop reason. */
export const heartbeatsCounter = counter('datawell_telemetry_heartbeats_total', 'Heartbeats consumed, by outcome', ['outcome']);

/** Ledger commands written to the outbox, by transaction. */
export const commandsCounter = counter('datawell_telemetry_ledger_commands_total', 'Ledger commands written, by transaction', ['transaction']);
