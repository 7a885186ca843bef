import type { Command } from 'commander';
import { DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/contracts';
import { findDomain, StackError } from '@datawell/stack';
import { stackContext } from '../context';
import { memberBridge } from '../services/member-bridge';
import { serviceUrl } from '../services/runner';
import { UsageError } from '../usage-error';

/*
 * `./dev dao revenue <MSPID> --dao <id> --version <n>`: a DAO version's revenue events, each with its
 * whole split at that level, read from the dao chaincode's GetEntitlements (docs/economics.md,
 * "Entitlements show each split") as the member: through its own bridge for a member domain, through
 * the operator's bridge as the organisation's stack-held administrator otherwise.
 */

/** One allocation in a member's entitlement, as GetEntitlements returns it. */
export interface EntitlementEventView {
  readonly allocationId: string;
  readonly source: { readonly kind: 'revenue'; readonly revenueId: string } | { readonly kind: 'relay'; readonly sourceChannel: string; readonly sourceTxId: string };
  readonly revenue?: { readonly kind: string; readonly reference?: string; readonly recordedBy: string };
  readonly lump: string;
  readonly amount: string;
  readonly split: { readonly payouts: ReadonlyArray<{ readonly mspId: string; readonly amount: string }>; readonly rest: string; readonly restTo: { readonly channel: string } | { readonly group: string } };
  readonly txId: string;
  readonly atMs: number;
}

export interface EntitlementView {
  readonly mspId: string;
  readonly amount: string;
  readonly events?: readonly EntitlementEventView[];
}

/** A revenue event of the channel: a revenue recorded here or a rest relayed from the next channel, with its whole split here. */
export interface RevenueEvent {
  readonly allocationId: string;
  readonly atMs: number;
  readonly txId: string;
  /** `period:<k>`, `job:<id>`, a hand-recorded revenue id, or `relay` for a rest relayed from the next channel. */
  readonly source: string;
  readonly kind?: string;
  readonly recordedBy?: string;
  readonly relayedFrom?: { readonly channel: string; readonly txId: string };
  readonly lump: string;
  readonly payouts: ReadonlyArray<{ readonly mspId: string; readonly amount: string }>;
  readonly rest: string;
  readonly restTo: string;
}

/**
 * The channel's revenue events from the members' entitlements: each allocation once (every member
 * it paid lists it, with the same split), in time order. A member sees only the allocations that
 * paid someone it can read; GetEntitlements read by a member lists every member.
 */
export function revenueEventsOf(entitlements: readonly EntitlementView[]): RevenueEvent[] {
  const events = new Map<string, RevenueEvent>();
  for (const member of entitlements) {
    for (const e of member.events ?? []) {
      if (events.has(e.allocationId)) continue;
      events.set(e.allocationId, {
        allocationId: e.allocationId,
        atMs: e.atMs,
        txId: e.txId,
        source: e.source.kind === 'revenue' ? e.source.revenueId : 'relay',
        ...(e.revenue ? { kind: e.revenue.kind, recordedBy: e.revenue.recordedBy } : {}),
        ...(e.source.kind === 'relay' ? { relayedFrom: { channel: e.source.sourceChannel, txId: e.source.sourceTxId } } : {}),
        lump: e.lump,
        payouts: e.split.payouts,
        rest: e.split.rest,
        restTo: 'channel' in e.split.restTo ? e.split.restTo.channel : `group ${e.split.restTo.group}`,
      });
    }
  }
  return [...events.values()].sort((a, b) => a.atMs - b.atMs || a.allocationId.localeCompare(b.allocationId));
}

/** The text `./dev dao revenue` prints: the members' totals, then each event with its split. */
export function describeRevenue(channel: string, entitlements: readonly EntitlementView[], events: readonly RevenueEvent[]): string {
  const lines = [`${channel}: ${events.length} revenue event(s)`, '  entitlements:', ...entitlements.map((m) => `    ${m.mspId.padEnd(20)} ${m.amount}`)];
  for (const e of events) {
    const what = e.relayedFrom ? `rest relayed from ${e.relayedFrom.channel} (tx ${e.relayedFrom.txId.slice(0, 12)})` : `${e.source}${e.kind ? ` (${e.kind}${e.recordedBy ? `, recorded by ${e.recordedBy}` : ''})` : ''}`;
    const payouts = e.payouts.map((p) => `${p.mspId} ${p.amount}`).join(', ');
    lines.push(`  ${new Date(e.atMs).toISOString()} ${what}: ${e.lump} → ${payouts || 'nobody'}; rest ${e.rest} to ${e.restTo} (tx ${e.txId.slice(0, 12)})`);
  }
  return `${lines.join('\n')}\n`;
}

/** GetEntitlements of the version as the member: its own bridge in its domain, else the operator's bridge as the organisation's stack-held admin. */
async function readEntitlements(mspId: string, daoId: string, version: number): Promise<EntitlementView[]> {
  const ctx = stackContext();
  let inDomain = false;
  try {
    inDomain = findDomain(ctx, mspId).role !== 'operator';
  } catch (error) {
    if (!(error instanceof StackError)) throw error;
  }
  if (inDomain) return (await memberBridge(ctx, mspId)).call<EntitlementView[]>('GET', `/daos/${daoId}/versions/${version}/entitlements`);
  const { httpAdminApi } = await import('../services/testing-lazy'); // loaded here only: see member-bridge.ts
  return (await httpAdminApi(serviceUrl(ctx.settings, 'ledger-bridge'), ctx).entitlements(daoId, version, mspId)) as EntitlementView[];
}

export function registerRevenueCommands(dao: Command): void {
  dao
    .command('revenue')
    .description("a DAO version's revenue events (recorded, metered computations, subscription periods, rests relayed from the version above) with each one's split, and every member's entitlement, read as the member")
    .argument('<MSPID>', 'the member that reads (a member domain of this stack, or an organisation the operator holds)')
    .requiredOption('--dao <daoId>', 'the DAO')
    .requiredOption('--version <n>', 'the DAO version (channel)')
    .option('--json', 'one JSON object on stdout')
    .action(async (mspId: string, o: { dao: string; version: string; json?: boolean }) => {
      if (!MSP_ID_PATTERN.test(mspId)) throw new UsageError(`<MSPID> must be an MSP id (letters and digits ending in "MSP"), got "${mspId}"`);
      if (!DAO_ID_PATTERN.test(o.dao)) throw new UsageError(`--dao must be a DAO id (1-41 lower-case letters, digits or "-"), got "${o.dao}"`);
      if (!/^[1-9]\d{0,3}$/.test(o.version)) throw new UsageError(`--version must be a whole number 1-9999, got "${o.version}"`);
      const entitlements = await readEntitlements(mspId, o.dao, Number(o.version));
      const events = revenueEventsOf(entitlements);
      const channel = `dao-${o.dao}-v${o.version}`;
      if (o.json) process.stdout.write(`${JSON.stringify({ channel, entitlements: entitlements.map((m) => ({ mspId: m.mspId, amount: m.amount })), events })}\n`);
      else process.stdout.write(describeRevenue(channel, entitlements, events));
    });
}
