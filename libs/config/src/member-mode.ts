import { memberTopicPrefix, MSP_ID_PATTERN, OPERATOR_MSP } from '@datawell/contracts';
import type { ConfigIssue } from './config-error';
import type { Environment } from './extension';
import { COMMON_VARIABLES } from './load-config';

/**
 * What a service in a member's mode (trust domains) may be set to: a member's MSP id, not the
 * operator's; its domain's traffic key, which seals the member's topics; and, among the variables
 * named in `scoped`, only topics and consumer groups of that member (`datawell.member.<MSP>.…`), since
 * the broker lets the member's principal have nothing else. No issue when `memberVariable` is unset or
 * not an MSP id (its own check reports that).
 */
export function memberModeIssues(env: Environment, options: { readonly service: string; readonly memberVariable: string; readonly scoped: readonly string[] }): ConfigIssue[] {
  const mspId = env[options.memberVariable]?.trim();
  if (!mspId || !MSP_ID_PATTERN.test(mspId)) return [];
  const issues: ConfigIssue[] = [];
  if (mspId === OPERATOR_MSP) issues.push({ variable: options.memberVariable, problem: `must be a member's MSP id: the operator's ${options.service} runs without ${options.memberVariable}` });
  if (!env[COMMON_VARIABLES.trafficKeyFile]?.trim()) issues.push({ variable: COMMON_VARIABLES.trafficKeyFile, problem: `is required when ${options.memberVariable} is set: a member's topics are sealed with its domain's key` });
  const prefix = memberTopicPrefix(mspId);
  for (const variable of options.scoped) {
    const value = env[variable]?.trim();
    if (value && !value.startsWith(prefix)) issues.push({ variable, problem: `must start with "${prefix}": a member's ${options.service} uses only its own topics and groups` });
  }
  return issues;
}
