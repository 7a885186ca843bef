import { ConfigError } from '@datawell/config';
import { parseMpcNodeEnvironment, type EnvIssue, type MpcNodeSettings } from '@datawell/contracts';
import { MpcError, parseOtExtensionChoice, type MascotOptions, type OtExtensionChoice } from '@datawell/mpc';

export type { MpcNodeSettings } from '@datawell/contracts';

/**
 * The node's settings: the environment contract's (@datawell/contracts mpc-node-env) and the node's own
 * preprocessing setting
 *   MPC_NODE_OT_EXTENSION   the OT extension of MASCOT: `kos` (default), `softspoken` (k = 2) or
 *                           `softspoken:<k>` (k in 1..10). Every node of a mesh must be given the same:
 *                           a mismatch aborts the set-up (PROTOCOL_VIOLATION) and the mesh is broken.
 */
export interface MpcNodeConfig extends MpcNodeSettings {
  readonly otExtension: OtExtensionChoice;
}

/** The node's settings, validated once at boot from the environment; every problem is reported at once. */
export function loadMpcNodeConfig(env: Readonly<Record<string, string | undefined>>): MpcNodeConfig {
  const issues: EnvIssue[] = [];
  const parsed = parseMpcNodeEnvironment(env);
  if ('issues' in parsed) issues.push(...parsed.issues);
  let otExtension: OtExtensionChoice = { kind: 'kos' };
  try {
    otExtension = parseOtExtensionChoice(env['MPC_NODE_OT_EXTENSION']);
  } catch (err) {
    if (!(err instanceof MpcError)) throw err;
    issues.push({ variable: 'MPC_NODE_OT_EXTENSION', problem: "must be 'kos', 'softspoken' or 'softspoken:<k>' with k an integer in 1..10" });
  }
  if (issues.length > 0 || 'issues' in parsed) throw new ConfigError('mpc-node', issues);
  return { ...parsed.settings, otExtension };
}

/** What the node's MASCOT set-up is given: its kernel pool size (default: the machine's cores) and OT extension. */
export function mascotOptionsOf(config: MpcNodeConfig): MascotOptions {
  return { ...(config.kernelWorkers !== undefined ? { workers: config.kernelWorkers } : {}), otExtension: config.otExtension };
}
