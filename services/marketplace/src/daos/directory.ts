import type { DirectoryRow } from './daos.repository';

/**
 * The DAO directory entry anyone may read: what its members agreed to publish at formation and on
 * each version (`PublishDao` on `marketplace`): name, summary, status, versions with their channels
 * and member MSP ids. Never β, ownership, weights, terms or amounts: the directory has none.
 */
export interface DaoDirectoryEntry {
  daoId: string;
  name: string;
  summary: string;
  status: 'active' | 'dissolved';
  topVersion: number;
  topChannel: string;
  /** The DSP that published the latest version. */
  publishedBy: string;
  updatedAtMs: number;
  /** Every published version; all but the latest are superseded. */
  versions: Array<{ version: number; channel: string; status: 'active' | 'dissolved'; superseded: boolean; members: string[] }>;
  /** Every member of any published version, in order of first appearance, with the channels it is in. */
  members: Array<{ mspId: string; channels: string[] }>;
}

/** The entry from a DAO's directory rows (oldest version first); undefined when it has none. */
export function daoDirectoryEntryOf(rows: readonly DirectoryRow[]): DaoDirectoryEntry | undefined {
  const sorted = [...rows].sort((a, b) => Number(a.version) - Number(b.version));
  const top = sorted[sorted.length - 1];
  if (!top) return undefined;
  const members = new Map<string, { mspId: string; channels: string[] }>();
  for (const row of sorted) {
    for (const mspId of row.members) {
      const member = members.get(mspId) ?? { mspId, channels: [] };
      member.channels.push(row.channel);
      members.set(mspId, member);
    }
  }
  return {
    daoId: top.dao_id,
    name: top.name,
    summary: top.summary,
    status: top.status,
    topVersion: Number(top.version),
    topChannel: top.channel,
    publishedBy: top.published_by,
    updatedAtMs: Number(top.updated_at_ms),
    versions: sorted.map((r) => ({ version: Number(r.version), channel: r.channel, status: r.status, superseded: r !== top, members: [...r.members] })),
    members: [...members.values()],
  };
}

/** The entries of the DAOs among `rows` (any order), the most recently published first (then by DAO id). */
export function directoryOfMember(rows: readonly DirectoryRow[]): DaoDirectoryEntry[] {
  const byDao = new Map<string, DirectoryRow[]>();
  for (const row of rows) byDao.set(row.dao_id, [...(byDao.get(row.dao_id) ?? []), row]);
  return [...byDao.values()]
    .map((daoRows) => daoDirectoryEntryOf(daoRows)!)
    .sort((a, b) => b.updatedAtMs - a.updatedAtMs || a.daoId.localeCompare(b.daoId));
}
