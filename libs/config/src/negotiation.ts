import type { ServiceExtension } from './extension';

/** Settings of the negotiation service beyond the common ones (see docs/services.md). */
export type NegotiationSettings = Readonly<Record<string, never>>;

export const negotiationExtension: ServiceExtension<NegotiationSettings> = {
  shape: {},
  build: () => ({}),
};
