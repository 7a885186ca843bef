import type { Context } from 'fabric-contract-api';
import { listJson } from '@datawell/chaincode-common';
import type { DaoStore, MemberState, VersionRecord, VersionState } from '../state';

/*
 * The earlier ledger layout of a DAO channel, still read and migrated in place: members under one
 * `member~<msp>` key each (before they moved into the version record), and a revenue's details
 * under `revenue~<id>` beside its allocation (before the allocation record held them). Channels
 * written by the earlier chaincode keep working after an upgrade, with no migration transaction.
 */

/**
 * A version record stored without its members: its members read from their `member~<msp>` keys.
 * The next write of the version record (any member change, or a retried InitVersion) migrates it.
 */
export async function withLegacyMembers(ctx: Context, version: VersionState): Promise<VersionRecord> {
  const byId = new Map((await listJson<MemberState>(ctx, 'member')).map((m) => [m.mspId, m]));
  return { ...version, memberStates: version.members.map((id) => byId.get(id) ?? missingMember(id)) };
}

/** On a retried InitVersion: a version stored in the earlier layout is rewritten as one record. */
export async function migrateLegacyLayout(store: DaoStore, existing: VersionRecord): Promise<void> {
  if (await store.isLegacyLayout()) await store.putVersion(existing);
}

/** What a revenue recorded under the earlier layout was (`revenue~<id>`, beside its allocation). */
export async function legacyRevenue(store: DaoStore, revenueId: string): Promise<{ kind: string; reference?: string }> {
  const previous = await store.get<{ kind: string; reference?: string }>('revenue', revenueId);
  if (!previous) throw new Error(`allocation revenue:${revenueId} has no record of its revenue`);
  return previous;
}

function missingMember(mspId: string): never {
  throw new Error(`member ${mspId} of the agreement has no state`);
}
