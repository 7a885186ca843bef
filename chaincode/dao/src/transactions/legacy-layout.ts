
/*
 * The earlier ledger layout of a DAO channel, still read and migrated in place: members under one
 * `member~<msp>` key each (before they moved into the version record), and a revenue's details
 * under `revenue~<id>` beside its allocation (before the allocation record held them). Channels
 * written by the earlier chaincode keep working after an upgrade, with no migration transaction.
 * The store (state.ts, which reads through this module) is taken by its shape, to keep imports one way.
 */

/**
 * A version record stored without its members: its members read from their `member~<msp>` keys.
 * The next write of the version record (any member change, or a retried InitVersion) migrates it.
 */
export async function withLegacyMembers<V extends { readonly members: readonly string[] }, M extends { readonly mspId: string }>(store: { get<T>(type: string, ...attributes: string[]): Promise<T | undefined> }, version: V): Promise<V & { memberStates: M[] }> {
  // One key per member the version names (a range read of private data would forbid the transaction's writes).
  const states = await Promise.all(version.members.map((id) => store.get<M>('member', id)));
  return { ...version, memberStates: version.members.map((id, k) => states[k] ?? missingMember(id)) };
}

/** On a retried InitVersion: a version stored in the earlier layout is rewritten as one record. */
export async function migrateLegacyLayout<V>(store: { isLegacyLayout(): Promise<boolean>; putVersion(version: V): Promise<void> }, existing: V): Promise<void> {
  if (await store.isLegacyLayout()) await store.putVersion(existing);
}

/** What a revenue recorded under the earlier layout was (`revenue~<id>`, beside its allocation). */
export async function legacyRevenue(store: { get<T>(type: string, ...attributes: string[]): Promise<T | undefined> }, revenueId: string): Promise<{ kind: string; reference?: string }> {
  const previous = await store.get<{ kind: string; reference?: string }>('revenue', revenueId);
  if (!previous) throw new Error(`allocation revenue:${revenueId} has no record of its revenue`);
  return previous;
}

function missingMember(mspId: string): never {
  throw new Error(`member ${mspId} of the agreement has no state`);
}
