import { z } from 'zod';
import { canonicalJson } from '@datawell/domain';
import type { Principal } from '@datawell/auth';
import { DAO, DAO_ID_PATTERN, datasetNameSchema, parseDaoChannel, usageEntrySchema, usageTrailSchema, type UsageEntryInput, type UsageRecord } from '@datawell/contracts';
import { AdminError } from '../admin/admin.errors';
import { checkDaoVersion, ledgerRefusal, memberVersionChannel, ownOrganisationOnly, parse, type MemberLedger } from '../admin/member-dao';

/** Which trail: the dataset (path) of a DAO (query), in one version or in every version this member is in. */
export const usageQuerySchema = z.strictObject({
  daoId: z.string().regex(DAO_ID_PATTERN, 'must be a DAO id').describe('The DAO whose channels hold the trail'),
  version: z
    .string()
    .regex(/^[1-9]\d{0,3}$/, 'must be an integer 1-9999')
    .optional()
    .describe('One version only; absent: every version of the DAO whose channel this member\'s peer has joined'),
});
export const usageParams = { dataset: datasetNameSchema.describe("A dataset's name, as its owner's MPC node serves it") } as const;

/** One entry of the trail, with the version (channel) that recorded it. */
export type UsageEntryView = UsageRecord & { readonly version: number; readonly channel: string };

export interface UsageTrailView {
  readonly daoId: string;
  readonly dataset: string;
  /** Oldest first across the versions read (transaction time, then transaction id). */
  readonly entries: readonly UsageEntryView[];
}

/**
 * The data owner's usage trail ("where is my data used, how, by whom") as this member's own peer has
 * it: GetUsage on each version's channel of the DAO the member is in, with every entry's transaction
 * id (checkable with Fabric's own tools, qscc GetTransactionByID).
 */
export class MemberUsage {
  constructor(private readonly ledger: MemberLedger) {}

  /**
   * The trail for an authenticated caller: the one rule of both edges (HTTP and gRPC), for this
   * organisation's identities only (FORBIDDEN to another's, which uses its own bridge).
   */
  async trailFor(principal: Principal, dataset: string, query: unknown): Promise<UsageTrailView> {
    this.#own(principal);
    return this.trail(dataset, query);
  }

  #own(principal: Principal): void {
    ownOrganisationOnly(this.ledger.mspId, principal);
  }

  /**
   * Records one usage entry on the version's channel as this member (RecordUsage): what its own MPC
   * node reports of an op it refused or saw refused (the data owner's node, `refused` with the check)
   * or saw fail (`failed` with the error code); the chaincode decides who may record what (a refused
   * entry only the dataset's owner). A retried identical entry answers the recorded one (`created`
   * false); another under the same id is USAGE_CONFLICT. For this organisation's identities only.
   */
  async record(principal: Principal, daoId: string, version: number | string, body: unknown): Promise<{ entry: UsageRecord; created: boolean }> {
    this.#own(principal);
    const v = Number(version);
    checkDaoVersion(daoId, v);
    const entry = parse(usageEntrySchema, body);
    const channel = await memberVersionChannel(this.ledger, daoId, v);
    const recorded = await this.#entry(channel, entry.dataset.name, entry.usageId);
    if (recorded) return { entry: this.#same(recorded, entry), created: false };
    const call = DAO.invocation(DAO.tx.RecordUsage, entry);
    let txId: string;
    try {
      ({ txId } = await this.ledger.submit(channel, call.chaincode, call.transaction, call.arguments));
    } catch (error) {
      throw ledgerRefusal(error, channel, {
        CONFLICT: (m) => new AdminError('USAGE_CONFLICT', `usage ${entry.usageId} is recorded on ${channel} otherwise: ${m}`),
        FORBIDDEN: (m) => new AdminError('LEDGER_REJECTED', m),
      });
    }
    // The entry as the ledger holds it (its time and transaction are the ledger's); a concurrent identical record answered with the first.
    const stored = await this.#entry(channel, entry.dataset.name, entry.usageId);
    return stored ? { entry: this.#same(stored, entry), created: stored.txId === txId } : { entry: { ...entry, recordedBy: this.ledger.mspId, atMs: Date.now(), txId }, created: true };
  }

  async #entry(channel: string, dataset: string, usageId: string): Promise<UsageRecord | undefined> {
    const call = DAO.invocation(DAO.tx.GetUsage, dataset);
    let text: string;
    try {
      text = await this.ledger.evaluate(this.ledger.mspId, channel, call.chaincode, call.transaction, call.arguments);
    } catch (error) {
      throw ledgerRefusal(error, channel, { FORBIDDEN: (m) => new AdminError('NOT_A_MEMBER', m) });
    }
    return usageTrailSchema.parse(JSON.parse(text)).entries.find((e) => e.usageId === usageId);
  }

  #same(recorded: UsageRecord, entry: UsageEntryInput): UsageRecord {
    const { recordedBy: _by, atMs: _at, txId: _tx, ...rest } = recorded;
    if (canonicalJson(rest) !== canonicalJson(entry)) throw new AdminError('USAGE_CONFLICT', `usage ${entry.usageId} of dataset ${entry.dataset.name} is recorded otherwise`);
    return recorded;
  }

  async trail(dataset: string, query: unknown): Promise<UsageTrailView> {
    const name = datasetNameSchema.safeParse(dataset);
    if (!name.success) throw new AdminError('INVALID_REQUEST', `dataset: ${name.error.issues[0]?.message ?? 'invalid'}`);
    const parsed = usageQuerySchema.safeParse(query ?? {});
    if (!parsed.success) throw new AdminError('INVALID_REQUEST', parsed.error.issues.map((i) => `query${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; '));
    const { daoId, version } = parsed.data;
    const channels = (await this.ledger.channels())
      .map((channel) => ({ channel, parsed: parseDaoChannel(channel) }))
      .filter((c) => c.parsed?.daoId === daoId && (version === undefined || c.parsed.level === Number(version)))
      .sort((a, b) => a.parsed!.level - b.parsed!.level);
    if (channels.length === 0) throw new AdminError('VERSION_NOT_FOUND', `no version${version ? ` ${version}` : ''} of DAO ${daoId} of which ${this.ledger.mspId} is a member`);
    const entries: UsageEntryView[] = [];
    for (const { channel, parsed: level } of channels) {
      const call = DAO.invocation(DAO.tx.GetUsage, name.data);
      let text: string;
      try {
        text = await this.ledger.evaluate(this.ledger.mspId, channel, call.chaincode, call.transaction, call.arguments);
      } catch (error) {
        throw ledgerRefusal(error, channel, { FORBIDDEN: (m) => new AdminError('NOT_A_MEMBER', m), NOT_FOUND: (m) => new AdminError('VERSION_NOT_FOUND', m) });
      }
      for (const entry of usageTrailSchema.parse(JSON.parse(text)).entries) entries.push({ ...entry, version: level!.level, channel });
    }
    entries.sort((a, b) => a.atMs - b.atMs || (a.txId < b.txId ? -1 : a.txId > b.txId ? 1 : 0));
    return { daoId, dataset: name.data, entries };
  }
}
