import type { ServiceExtension } from './extension';

/** Settings of the provisioner service beyond the common ones (see docs/services.md). */
export type ProvisionerSettings = Readonly<Record<string, never>>;

export const provisionerExtension: ServiceExtension<ProvisionerSettings> = {
  shape: {},
  build: () => ({}),
};
