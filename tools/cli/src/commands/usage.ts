import type { Command } from 'commander';
import { DAO_ID_PATTERN, datasetNameSchema, MSP_ID_PATTERN } from '@datawell/contracts';
import { stackContext } from '../context';
import { memberBridge, MemberBridgeError } from '../services/member-bridge';
import { UsageError } from '../usage-error';
import type { UsageEntry, UsageOptions, UsageTrailAnswer } from './usage-trail';

/** The command line checked before any bridge is asked: the bridge's query path. */
export function usagePath(o: UsageOptions): string {
  if (!datasetNameSchema.safeParse(o.dataset).success) throw new UsageError(`--dataset must be a dataset name (1-64 letters, digits, ".", "_" or "-"), got "${o.dataset}"`);
  if (!DAO_ID_PATTERN.test(o.dao)) throw new UsageError(`--dao must be a DAO id (1-41 lower-case letters, digits or "-"), got "${o.dao}"`);
  if (!MSP_ID_PATTERN.test(o.as)) throw new UsageError(`--as must be an MSP id (letters and digits ending in "MSP"), got "${o.as}"`);
  if (o.version !== undefined && !/^[1-9]\d{0,3}$/.test(o.version)) throw new UsageError(`--version must be a whole number 1-9999, got "${o.version}"`);
  const query = new URLSearchParams({ daoId: o.dao, ...(o.version === undefined ? {} : { version: o.version }) });
  return `/datasets/${o.dataset}/usage?${query.toString()}`;
}

/** One line per entry: when, which version and transaction, who asked for what, and what became of it. */
export function describeEntry(e: UsageEntry): string {
  const who = e.requester.enrollmentId ? `${e.requester.mspId}/${e.requester.enrollmentId}` : e.requester.mspId;
  const outcome = e.outcome === 'granted' ? `granted: ${e.rows ?? '?'} rows, result ${(e.resultDigest ?? '').slice(0, 12)}…` : e.outcome === 'refused' ? `refused by ${e.check ?? '?'}` : `failed: ${e.failure ?? '?'}`;
  return `${new Date(e.atMs).toISOString()}  v${e.version}  tx ${e.txId}\n  ${who} asked for ${e.computation} of ${e.dataset.owner}/${e.dataset.name} to ${e.recipients.join(', ') || '-'}; ${outcome}`;
}

export function registerUsageCommand(program: Command): void {
  program
    .command('usage')
    .description("a dataset's usage trail (where is my data used, how, by whom): every computation request on it in a DAO, granted, refused (by which check) or failed, read from the ledger through the member's own bridge, each with its transaction id")
    .requiredOption('--dataset <name>', "the dataset's name, as its owner's MPC node serves it")
    .requiredOption('--dao <daoId>', 'the DAO')
    .requiredOption('--as <MSPID>', 'the member domain whose bridge reads the trail (the data owner, or another member of the DAO)')
    .option('--version <n>', 'one version only (default: every version the member is in)')
    .option('--json', 'one JSON object on stdout')
    .option('--grpc', "read it over the bridge's gRPC (datawell.ledgerbridge.v1.LedgerBridge/GetUsage, the domain's fourth service port) instead of HTTP: the same trail and output")
    .action(async (o: UsageOptions) => {
      const path = usagePath(o);
      const bridge = await memberBridge(stackContext(), o.as);
      let trail: UsageTrailAnswer;
      if (o.grpc) {
        // Loaded only here: the gRPC client and the services' proto loading are not needed by the HTTP path.
        const { getUsageOverGrpc, usageRequest } = await import('./usage-grpc');
        trail = await getUsageOverGrpc(bridge.mspId, bridge.grpcAddress, await bridge.token(), usageRequest(o));
      } else {
        try {
          trail = await bridge.call('GET', path);
        } catch (error) {
          if (error instanceof MemberBridgeError && error.code === 'INVALID_REQUEST') throw new UsageError(error.message);
          throw error;
        }
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(trail)}\n`);
        return;
      }
      const head = `usage of dataset ${trail.dataset} in DAO ${trail.daoId}, as ${bridge.mspId}'s peer has it: ${trail.entries.length} request(s)`;
      process.stdout.write(`${[head, ...trail.entries.map(describeEntry)].join('\n')}\n`);
    });
}
