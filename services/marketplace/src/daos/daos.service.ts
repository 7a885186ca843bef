import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import { DAO, daoChannelName, revenueArgument, revenueRequestSchema, type LevelAllocation, type VersionCreatedPayload as VersionCreatedEvent } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import { MarketplaceError } from '../errors';
import type { CommandsService } from '../commands/commands.service';
import { newCommandId } from '../ledger/commands';
import { Store } from '../store';
import { z } from 'zod';
import { daoIdSchema, mspIdSchema, parseInput } from '../validation';
import { DaosRepository } from './daos.repository';
import { daoDirectoryEntryOf, directoryOfMember, type DaoDirectoryEntry } from './directory';
import { revenueRecorderRefusal } from './revenue-recorders';

/** The query of the directory's DAOs of one member: `member` is required (a directory is not listed whole). */
export const directoryQuerySchema = z.strictObject({ member: mspIdSchema.describe('the MSP id of a participant: the DAOs whose published entry names it as a member of some version') });

/** The revenue body, shared with a member bridge's revenue route. */
export const revenueInputSchema = revenueRequestSchema;

export interface DaoMemberView {
  mspId: string;
  group: string;
  role: string;
  weight: number;
  ownershipPpm: number;
  status: string;
}
export interface DaoView {
  daoId: string;
  status: 'active' | 'dissolved';
  topVersion: number;
  topChannel: string;
  versions: Array<{ version: number; channel: string; agreementId: string; betaPpm: number; status: string; superseded: boolean; terms: unknown; members: DaoMemberView[] }>;
  /** Every member with its status in the top version (where it is a member) and the channels it is in. */
  members: Array<{ mspId: string; group: string; role: string; status: string; channels: string[] }>;
}

/** A DaoPublished event as the directory keeps it (every field required). */
export interface DaoPublication {
  readonly daoId: string;
  readonly version: number;
  readonly name: string;
  readonly summary: string;
  readonly members: readonly string[];
  readonly status: 'active' | 'dissolved';
  readonly publishedBy: string;
  readonly updatedAtMs: number;
}

/** The dao chaincode's events as the read model uses them: a version with its agreement and β, an allocation with its payouts. */
export type VersionCreatedPayload = VersionCreatedEvent & { readonly agreementId: string; readonly betaPpm: number };
export type AllocationPayload = LevelAllocation & { readonly payouts: NonNullable<LevelAllocation['payouts']> };

/** DAOs as their channels' events tell them: versions, members per channel, payouts; revenue goes to the top channel. */
@Injectable()
export class DaosService {
  constructor(
    private readonly store: Store,
    private readonly repository: DaosRepository,
    private readonly commands: CommandsService,
  ) {}

  /** The public directory entry of a DAO, as `marketplace`'s DaoPublished events tell it. */
  async directoryEntry(daoIdParam: string): Promise<DaoDirectoryEntry> {
    const daoId = parseInput(daoIdSchema, daoIdParam, 'daoId');
    const entry = daoDirectoryEntryOf(await this.repository.directory(daoId));
    if (!entry) throw new MarketplaceError('DAO_NOT_FOUND', `no DAO ${daoId} in the directory`);
    return entry;
  }

  /**
   * The public directory entries that name `member` as a member of some published version, the most
   * recently published first: what anyone may know of the DAOs a participant belongs to (no β, no amounts).
   */
  async directoryOfMember(query: unknown): Promise<{ member: string; daos: DaoDirectoryEntry[] }> {
    const { member } = parseInput(directoryQuerySchema, query, 'query');
    return { member, daos: directoryOfMember(await this.repository.directoryOfMember(member)) };
  }

  /** A DAO with its private values (β, ownership, weights, terms), for its members only. */
  async get(principal: Principal, daoIdParam: string): Promise<DaoView> {
    const daoId = parseInput(daoIdSchema, daoIdParam, 'daoId');
    await this.#memberOnly(principal, daoId);
    return this.#view(daoId);
  }

  /**
   * A DAO's private data is its members' only: to anyone else an existing DAO looks exactly like an
   * unknown one (DAO_NOT_FOUND), so ids cannot be probed.
   */
  async #memberOnly(principal: Principal, daoId: string): Promise<void> {
    if (!(await this.repository.memberIds(daoId)).includes(principal.mspId)) throw new MarketplaceError('DAO_NOT_FOUND', `no DAO ${daoId} of which ${principal.mspId} is a member`);
  }

  async #view(daoId: string): Promise<DaoView> {
    const versions = await this.repository.versions(daoId);
    if (versions.length === 0) throw new MarketplaceError('DAO_NOT_FOUND', `no DAO ${daoId}`);
    const members = await this.repository.members(daoId);
    const top = versions[versions.length - 1]!;
    const byChannel = (channel: unknown) =>
      members
        .filter((m) => m['channel'] === channel)
        .map((m) => ({ mspId: m['msp_id'] as string, group: m['member_group'] as string, role: m['role'] as string, weight: Number(m['weight']), ownershipPpm: Number(m['ownership_ppm']), status: m['status'] as string }));
    const all = new Map<string, DaoView['members'][number]>();
    for (const v of versions) {
      for (const m of byChannel(v['channel'])) {
        const entry = all.get(m.mspId) ?? { mspId: m.mspId, group: m.group, role: m.role, status: m.status, channels: [] };
        entry.status = m.status;
        entry.channels.push(v['channel'] as string);
        all.set(m.mspId, entry);
      }
    }
    return {
      daoId,
      status: top['status'] as 'active' | 'dissolved',
      topVersion: Number(top['version']),
      topChannel: top['channel'] as string,
      versions: versions.map((v) => ({
        version: Number(v['version']),
        channel: v['channel'] as string,
        agreementId: v['agreement_id'] as string,
        betaPpm: Number(v['beta_ppm']),
        status: v['status'] as string,
        superseded: Boolean(v['superseded']),
        terms: v['terms'],
        members: byChannel(v['channel']),
      })),
      members: [...all.values()],
    };
  }

  /** Per member: the sum of its payouts over every channel of the DAO, exact, as decimal strings; for its members only. */
  async entitlements(
    principal: Principal,
    daoIdParam: string,
  ): Promise<{ daoId: string; total: string; members: Array<{ mspId: string; amount: string; channels: Array<{ channel: string; amount: string }> }> }> {
    const daoId = parseInput(daoIdSchema, daoIdParam, 'daoId');
    await this.#memberOnly(principal, daoId);
    const rows = await this.repository.payoutSums(daoId);
    const members = new Map<string, { mspId: string; amount: bigint; channels: Array<{ channel: string; amount: string }> }>();
    let total = 0n;
    for (const r of rows) {
      const m = members.get(r.msp_id) ?? { mspId: r.msp_id, amount: 0n, channels: [] };
      m.amount += BigInt(r.amount);
      total += BigInt(r.amount);
      m.channels.push({ channel: r.channel, amount: r.amount });
      members.set(r.msp_id, m);
    }
    return { daoId, total: total.toString(), members: [...members.values()].map((m) => ({ ...m, amount: m.amount.toString() })) };
  }

  async recordRevenue(principal: Principal, daoIdParam: string, body: unknown): Promise<{ daoId: string; revenueId: string; channel: string; commandId: string }> {
    const daoId = parseInput(daoIdSchema, daoIdParam, 'daoId');
    const input = parseInput(revenueInputSchema, body, 'body');
    const revenueId = input.revenueId ?? `rev-${randomUUID()}`;
    const commandId = newCommandId(DAO.tx.RecordRevenue);
    return this.store.write(async (manager, send) => {
      const top = await this.repository.topVersion(manager, daoId);
      if (!top) throw new MarketplaceError('DAO_NOT_FOUND', `no DAO ${daoId}`);
      if (top['status'] !== 'active') throw new MarketplaceError('WRONG_STATE', `DAO ${daoId} is dissolved`);
      const channel = top['channel'] as string;
      // The chaincode's rule, up front: an active member the terms name (default: D), else nothing is queued.
      const refusal = revenueRecorderRefusal(top['terms'], await this.repository.channelMembers(manager, channel), principal.mspId, channel);
      if (refusal) throw refusal;
      const inserted = await this.repository.insertRevenue(manager, { daoId, revenueId, channel, amount: input.amount, kind: input.kind, recordedBy: principal.mspId, commandId });
      if (!inserted) throw new MarketplaceError('REVENUE_EXISTS', `revenue ${revenueId} of DAO ${daoId} is already recorded`);
      await this.commands.issue(manager, send, principal, DAO.command(DAO.tx.RecordRevenue, { commandId, channel, actingMspId: principal.mspId }, revenueArgument(input, revenueId)));
      return { daoId, revenueId, channel, commandId };
    });
  }

  /**
   * The members of the DAO's latest directory entry (DAO_NOT_FOUND when it has none): whom the
   * marketplace chaincode's SubmitFeedback takes as the DAO's members.
   */
  async memberIds(daoId: string): Promise<Set<string>> {
    return new Set((await this.directoryEntry(daoId)).versions.at(-1)!.members);
  }

  // ---------------------------------------------------------------- from ledger events

  async onVersionCreated(manager: EntityManager, channel: string, p: VersionCreatedPayload): Promise<void> {
    const expected = daoChannelName(p.daoId, p.version);
    if (expected !== channel) throw new Error(`VersionCreated of ${expected} arrived from channel ${channel}`);
    await this.repository.insertVersion(manager, { daoId: p.daoId, version: p.version, channel, agreementId: p.agreementId, betaPpm: p.betaPpm, terms: p.terms ?? {} });
    for (const [position, m] of p.members.entries()) {
      await this.repository.insertMember(manager, { channel, daoId: p.daoId, mspId: m.mspId, position, group: m.group, role: m.role, weight: m.weight, ownershipPpm: m.ownershipPpm });
    }
    if (p.version > 1) await this.repository.supersedeBefore(manager, p.daoId, p.version);
  }

  /** DaoPublished on `marketplace`: a version of the DAO's public entry. */
  async onDaoPublished(manager: EntityManager, p: DaoPublication): Promise<void> {
    await this.repository.publish(manager, { ...p, channel: daoChannelName(p.daoId, p.version) });
  }

  /** ProposalDecided: an accepted change-terms proposal gives the version its new terms (who records revenue among them). */
  async onTermsChanged(manager: EntityManager, channel: string, terms: unknown): Promise<void> {
    await this.repository.setTerms(manager, channel, terms);
  }

  async onVersionSuperseded(manager: EntityManager, channel: string): Promise<void> {
    await this.repository.supersedeChannel(manager, channel);
  }

  /** MemberAbandoned / MemberExited on one channel; a founding member leaving dissolves that version. */
  async onMemberEnded(manager: EntityManager, channel: string, p: { mspId: string; dissolved?: boolean }, status: 'abandoned' | 'exited'): Promise<void> {
    await this.repository.setMemberStatus(manager, channel, p.mspId, status);
    if (p.dissolved) await this.repository.dissolveChannel(manager, channel);
  }

  /** RevenueRecorded / AllocationReceived: this level's payouts (`allocation.payouts`, amounts as decimal strings). */
  async onAllocation(manager: EntityManager, eventId: string, daoId: string, channel: string, allocation: AllocationPayload, revenueId?: string): Promise<void> {
    for (const payout of allocation.payouts) {
      await this.repository.insertPayout(manager, { eventId, daoId, channel, allocationId: allocation.allocationId ?? eventId, mspId: payout.mspId, amount: payout.amount });
    }
    if (revenueId) await this.repository.revenueRecorded(manager, daoId, revenueId);
  }

  async onCommandFailed(manager: EntityManager, commandId: string, code: string): Promise<void> {
    await this.repository.revenueFailed(manager, commandId, code);
  }
}
