import type { ServiceExtension } from './extension';

/** Settings of the mpc-coordinator service beyond the common ones (see docs/services.md). */
export type MpcCoordinatorSettings = Readonly<Record<string, never>>;

export const mpcCoordinatorExtension: ServiceExtension<MpcCoordinatorSettings> = {
  shape: {},
  build: () => ({}),
};
