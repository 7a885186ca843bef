import { ConfigError } from '@datawell/config';
import { parseMpcNodeEnvironment, type MpcNodeSettings } from '@datawell/contracts';

export type { MpcNodeSettings } from '@datawell/contracts';

/** The node's settings, validated once at boot from the environment (contract: @datawell/contracts mpc-node-env). */
export function loadMpcNodeConfig(env: Readonly<Record<string, string | undefined>>): MpcNodeSettings {
  const parsed = parseMpcNodeEnvironment(env);
  if ('issues' in parsed) throw new ConfigError('mpc-node', [...parsed.issues]);
  return parsed.settings;
}
