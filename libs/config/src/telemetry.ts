import type { ServiceExtension } from './extension';

/** Settings of the telemetry service beyond the common ones (see docs/services.md). */
export type TelemetrySettings = Readonly<Record<string, never>>;

export const telemetryExtension: ServiceExtension<TelemetrySettings> = {
  shape: {},
  build: () => ({}),
};
