import type { ServiceExtension } from './extension';

/** Settings of the marketplace service beyond the common ones (see docs/services.md). */
export type MarketplaceSettings = Readonly<Record<string, never>>;

export const marketplaceExtension: ServiceExtension<MarketplaceSettings> = {
  shape: {},
  build: () => ({}),
};
