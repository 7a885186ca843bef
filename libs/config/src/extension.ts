import type { z } from 'zod';
import type { Dependency, ServiceSpec } from '@datawell/contracts';
import type { ConfigIssue } from './config-error';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The variables one service reads beyond the common ones: their schemas (validated with the rest at
 * boot), checks across variables, and the typed settings built from the parsed values.
 */
export interface ServiceExtension<T> {
  readonly shape: Readonly<Record<string, z.ZodType>>;
  issues?(env: Environment): ConfigIssue[];
  build(values: Readonly<Record<string, unknown>>): T;
}

/** A service's configuration as the service declares it (`services/<name>/src/config.ts`). */
export interface ServiceDefinition<T, D extends Dependency = Dependency> {
  /** Its entry in the services registry (@datawell/contracts SERVICES): name, schema, ports, dependencies. */
  readonly spec: ServiceSpec<D>;
  /** Its own variables and settings. */
  readonly settings: ServiceExtension<T>;
}

/** Helpers for extension schemas: blank means unset. */
export function blankToUndefined(v: unknown): unknown {
  return typeof v === 'string' && v.trim() === '' ? undefined : v;
}

const NO_SETTINGS: ServiceExtension<undefined> = { shape: {}, build: () => undefined };

/**
 * Pairs a service's registry entry with its settings (keeping the entry's dependencies' literal
 * type). Without settings: the common configuration only (tools and tests that need no more).
 */
export function defineService<D extends Dependency>(spec: ServiceSpec<D>): ServiceDefinition<undefined, D>;
export function defineService<T, D extends Dependency>(spec: ServiceSpec<D>, settings: ServiceExtension<T>): ServiceDefinition<T, D>;
export function defineService<T, D extends Dependency>(spec: ServiceSpec<D>, settings?: ServiceExtension<T>): ServiceDefinition<T | undefined, D> {
  return { spec, settings: settings ?? NO_SETTINGS };
}
