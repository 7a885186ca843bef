import type { ConfigIssue } from './config-error';
import type { Environment } from './extension';

/**
 * Why a custody setting (`<SERVICE>_CUSTODIAL_ORGANISATIONS`) is refused: the path it turned on is
 * gone (issue #11), so a service given one says so instead of starting without what was asked.
 */
export const CUSTODY_REMOVED = "custody was removed (issue #11): the operator holds no organisation's keys or private DAO state; unset it and give each organisation its own trust domain (./dev domain add <MSPID> --role DSP|VSP)";

/** An issue for each of `removed` (variable → why) given a value, blank or not: a removed setting is never silently ignored. */
export function removedSettingIssues(env: Environment, removed: Readonly<Record<string, string>>): ConfigIssue[] {
  return Object.entries(removed)
    .filter(([variable]) => env[variable] !== undefined)
    .map(([variable, problem]) => ({ variable, problem }));
}
