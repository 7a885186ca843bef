import type { Command } from 'commander';
import { DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/contracts';
import { stackContext } from '../context';
import { memberBridge, through } from '../services/member-bridge';
import { UsageError } from '../usage-error';

export interface ResultOptions {
  readonly dao: string;
  readonly version: string;
  readonly as: string;
  readonly id?: string;
  readonly json?: boolean;
}

/** A computation result as the recipient's own bridge keeps it. */
export interface KeptResult {
  readonly daoId: string;
  readonly version: number;
  readonly jobId: string;
  readonly computation: string;
  readonly members: readonly string[];
  readonly result?: Record<string, unknown>;
  readonly resultDigest: string;
  readonly txId: string;
  readonly recordedAtMs: number;
}

/** The command line checked before any bridge is asked: the bridge's path (one result, or the member's list). */
export function resultPath(o: ResultOptions): string {
  if (!DAO_ID_PATTERN.test(o.dao)) throw new UsageError(`--dao must be a DAO id (1-41 lower-case letters, digits or "-"), got "${o.dao}"`);
  if (!/^[1-9]\d{0,3}$/.test(o.version)) throw new UsageError(`--version must be a whole number 1-9999, got "${o.version}"`);
  if (!MSP_ID_PATTERN.test(o.as)) throw new UsageError(`--as must be an MSP id (letters and digits ending in "MSP"), got "${o.as}"`);
  if (o.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(o.id)) throw new UsageError(`--id must be a computation id (letters, digits, ".", "_", ":" or "-"), got "${o.id}"`);
  const base = `/daos/${o.dao}/versions/${o.version}/computations`;
  return o.id === undefined ? base : `${base}/${o.id}/result`;
}

/** One line per result: when, which computation and job, its digest and ComputationCompleted's transaction. */
export function describeResult(r: KeptResult): string {
  const head = `${new Date(r.recordedAtMs).toISOString()}  ${r.computation}  ${r.jobId}  digest ${r.resultDigest.slice(0, 12)}…  tx ${r.txId}`;
  return r.result === undefined ? head : `${head}\n  ${JSON.stringify(r.result)}`;
}

export function registerResultCommand(program: Command): void {
  program
    .command('result')
    .description("a computation's result where its recipient keeps it: its own domain's bridge, to which the member's own MPC node delivered it (the operator's coordinator never has it); without --id, the member's results of the version (without values)")
    .requiredOption('--dao <daoId>', 'the DAO')
    .requiredOption('--version <n>', "the DAO version the computation ran on")
    .requiredOption('--as <MSPID>', "the recipient member's domain, whose bridge keeps its results")
    .option('--id <computationId>', 'the computation (its id at the coordinator)')
    .option('--json', 'one JSON object on stdout')
    .action(async (o: ResultOptions) => {
      const path = resultPath(o);
      const bridge = await memberBridge(stackContext(), o.as);
      const answer = await through(() => bridge.call<KeptResult | KeptResult[]>('GET', path));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(answer)}\n`);
        return;
      }
      const results = Array.isArray(answer) ? answer : [answer];
      const head = o.id === undefined ? `results of DAO ${o.dao} v${o.version} kept by ${bridge.mspId}: ${results.length}` : `result of ${o.id}, kept by ${bridge.mspId}`;
      process.stdout.write(`${[head, ...results.map(describeResult)].join('\n')}\n`);
    });
}
