/** Channel names of the ledger layout (DESIGN.md "Ledger layout"). */
export const MARKETPLACE_CHANNEL = 'marketplace';

const DAO_CHANNEL = /^dao-([a-z0-9][a-z0-9.-]*)-v([1-9]\d*)$/;

/** `dao-<d>-v<i>`: version i of DAO d. */
export function daoChannelName(daoId: string, level: number): string {
  if (!Number.isInteger(level) || level < 1) throw new RangeError(`DAO level must be an integer >= 1 (got ${level})`);
  const name = `dao-${daoId}-v${level}`;
  if (!DAO_CHANNEL.test(name)) throw new RangeError(`not a DAO id usable in a channel name: "${daoId}"`);
  return name;
}

/** The DAO and level a channel belongs to, or undefined for a channel that is not a DAO's. */
export function parseDaoChannel(channel: string): { readonly daoId: string; readonly level: number } | undefined {
  const match = DAO_CHANNEL.exec(channel);
  return match ? { daoId: match[1]!, level: Number(match[2]) } : undefined;
}
