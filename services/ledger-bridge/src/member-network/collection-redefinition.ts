import { z } from 'zod';
import { DAO, daoChannelName } from '@datawell/contracts';
import { AdminError, firstLine, readOwn } from '../admin/admin.errors';
import { checkDaoVersion, memberVersionChannel, parse, type MemberLedger } from '../admin/member-dao';
import { checkSeatedChannel, type DefinitionAt, type MemberAdmin } from './member-network.service';

export const collectionRedefinitionSchema = z.strictObject({
  commit: z
    .boolean()
    .optional()
    .describe("true: once this member's own peer shows every organisation of the channel approving the new definition, this member's admin also commits it (the last approver does); COLLECTION_NOT_APPROVED (409, details.missing) while some have not"),
});

/** What the route answers: the dao chaincode's definition on the version's channel, its collection as this member's own peer shows the channel, and what this member did. */
export interface CollectionRedefinition {
  readonly daoId: string;
  readonly version: number;
  readonly channel: string;
  readonly chaincode: typeof DAO.chaincode;
  /** The collection's members: the channel's organisations as this member's own peer shows them, sorted. */
  readonly members: readonly string[];
  /** The definition's sequence: the committed one (`current`) or the next (`approved`, `committed`). */
  readonly sequence: number;
  /** current: the committed collection has these members already; approved: this member's admin approved the next definition (or had); committed: and committed it. */
  readonly outcome: 'current' | 'approved' | 'committed';
}

export interface CollectionRedefinitionsOptions {
  readonly ledger: Pick<MemberLedger, 'mspId' | 'channels'>;
  readonly admin: Pick<MemberAdmin, 'ownPeerChannels' | 'channelOrganisations' | 'committedDefinition' | 'approveDefinition' | 'definitionApprovals' | 'commitDefinition' | 'joinedChannel' | 'ownCaCertPems' | 'ordererTlsCaPems'>;
  /** Throws when the bridge approves nothing on the channel (its latest config failed the member's checks: ChannelConfigWatch). */
  readonly guard?: (channel: string) => void;
}

/**
 * The dao chaincode's private collection follows the channel's organisations (libs/stack
 * fabric/collections.ts): once a seat or an unseat changed them, each member approves the next
 * definition as its own admin, with the collection derived from what its own peer shows (the
 * committed definition, the channel's organisations), never from the request; the last one, asked
 * to (`commit`), commits it once its own peer shows every organisation's approval, endorsed by the
 * peers the channel's config lists. So no operator approves or commits for a member.
 */
export class CollectionRedefinitions {
  constructor(private readonly options: CollectionRedefinitionsOptions) {}

  async redefine(daoId: string, version: number, body: unknown): Promise<CollectionRedefinition> {
    const { admin, ledger } = this.options;
    const input = parse(collectionRedefinitionSchema, body ?? {});
    const channel = await this.#channel(daoId, version);
    this.options.guard?.(channel);
    const name = DAO.chaincode;
    const members = (await this.#read(`the organisations of ${channel}`, () => admin.channelOrganisations(channel))).map((o) => o.mspId).sort();
    const committed = await this.#read(`the definition of ${name} committed on ${channel}`, () => admin.committedDefinition(channel, name));
    if (!committed) throw new AdminError('VERSION_NOT_FOUND', `no definition of ${name} is committed on ${channel}, as ${ledger.mspId}'s peer shows it`);
    const answer = (sequence: number, outcome: CollectionRedefinition['outcome']): CollectionRedefinition => ({ daoId, version, channel, chaincode: name, members, sequence, outcome });
    if ((committed.collectionMembers ?? []).join() === members.join()) return answer(committed.sequence, 'current');
    const def: DefinitionAt = { name, version: committed.version, sequence: committed.sequence + 1 };
    await this.#read(`the approval of ${name} (sequence ${def.sequence}) on ${channel}`, () => admin.approveDefinition(channel, def, members));
    if (!input.commit) return answer(def.sequence, 'approved');
    const given = await this.#read(`the approvals of ${name} (sequence ${def.sequence}) on ${channel}`, () => admin.definitionApprovals(channel, def, members));
    const missing = members.filter((m) => given[m] !== true);
    if (missing.length > 0) {
      throw new AdminError('COLLECTION_NOT_APPROVED', `${name} on ${channel} (sequence ${def.sequence}, collection ${members.join(', ')}) is not approved yet by ${missing.join(', ')}, as ${ledger.mspId}'s peer shows it: ask again once they approved`, { details: { missing } });
    }
    try {
      await admin.commitDefinition(channel, def, members);
    } catch (error) {
      // Committed meanwhile (by another member's bridge, or this one's earlier try): done.
      const now = await admin.committedDefinition(channel, name).catch(() => undefined);
      if (now && now.sequence >= def.sequence) return answer(now.sequence, 'current');
      throw new AdminError('LEDGER_UNAVAILABLE', `${name} (sequence ${def.sequence}) could not be committed on ${channel} by ${ledger.mspId}'s admin: ${firstLine(error)}`, { cause: error });
    }
    return answer(def.sequence, 'committed');
  }

  /**
   * The version's channel: one this bridge follows (memberVersionChannel), or one its own peer has
   * joined for a seat that its bridge does not relay yet (a newcomer approves the new collection
   * before it relays the channel), after the newcomer's own check of the channel (CHANNEL_REFUSED).
   */
  async #channel(daoId: string, version: number): Promise<string> {
    const { admin, ledger } = this.options;
    try {
      return await memberVersionChannel(ledger, daoId, version);
    } catch (error) {
      if (!(error instanceof AdminError && error.code === 'VERSION_NOT_FOUND')) throw error;
      checkDaoVersion(daoId, version);
      const channel = daoChannelName(daoId, version);
      if (!(await this.#read(`the channels of ${ledger.mspId}'s peer`, () => admin.ownPeerChannels())).includes(channel)) throw error;
      await this.#read(`the config of ${channel}`, () => checkSeatedChannel(admin, ledger.mspId, channel));
      return channel;
    }
  }

  async #read<T>(what: string, read: () => Promise<T>): Promise<T> {
    return readOwn(this.options.ledger.mspId, what, read);
  }
}
