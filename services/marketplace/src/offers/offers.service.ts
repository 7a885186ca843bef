import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import { descriptionDigest, MARKETPLACE, newOfferSchema, offerDescriptionSchema, offerPatchSchema, offerUpdateArgument, postOfferArgument, tagsOf } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import { forbidden, invalidRequest, MarketplaceError } from '../errors';
import type { CommandsService } from '../commands/commands.service';
import { newCommandId, onMarketplace } from '../ledger/commands';
import { ParticipantsService, reputationView, storedReputation, type ReputationView } from '../participants/participants.service';
import { Store } from '../store';
import { idSchema, parseInput, type IntegerJson } from '../validation';
import { OffersRepository, type OfferRow as Row } from './offers.repository';
import { searchQuerySchema } from './offers.validation';

export interface OfferView {
  offerId: string;
  owner: { mspId: string; role: string | null; name: string | null; suspended: boolean; reputation: ReputationView };
  kind: 'data' | 'value';
  title: string;
  description: string | null;
  tags: string[];
  terms: Record<string, unknown>;
  descriptionDigest: string;
  status: 'submitted' | 'open' | 'withdrawn' | 'failed';
  revision: number;
  failure?: { code: string; message: string };
  createdAt: string;
  updatedAt: string;
  rank?: number;
}

/** An offer as the ledger's events carry it (OfferPosted, OfferUpdated). */
export interface LedgerOffer {
  offerId: string;
  owner: string;
  kind: 'data' | 'value';
  title: string;
  terms: Record<string, unknown>;
  descriptionDigest: string;
  status: 'open' | 'withdrawn';
  revision: number;
}

/** Offers: writes go to the ledger as the caller's organisation; reads come from the read model built from its events. */
@Injectable()
export class OffersService {
  constructor(
    private readonly store: Store,
    private readonly repository: OffersRepository,
    private readonly participants: ParticipantsService,
    private readonly commands: CommandsService,
  ) {}

  async post(principal: Principal, body: unknown): Promise<{ offerId: string; commandId: string; status: 'submitted' }> {
    const offer = parseInput(newOfferSchema, body, 'body');
    const owner = await this.participants.activeParticipant(principal.mspId, undefined, 'post offers');
    const allowed = owner.role === 'DSP' ? 'data' : 'value';
    if (offer.kind !== allowed) throw forbidden(`${owner.mspId} is a ${owner.role} and posts ${allowed} offers only`);
    const offerId = `off-${randomUUID()}`;
    const commandId = newCommandId(MARKETPLACE.tx.PostOffer);
    const argument = postOfferArgument(offerId, offer);
    const { terms, descriptionDigest: digest } = argument;
    await this.store.write(async (manager, send) => {
      await this.repository.insertSubmitted(manager, { offerId, owner: owner.mspId, kind: offer.kind, title: offer.title, description: offer.description, tags: offer.tags, terms, descriptionDigest: digest, commandId });
      await this.repository.keepDescription(manager, offerId, digest, offer.description);
      await this.commands.issue(manager, send, principal, MARKETPLACE.command(MARKETPLACE.tx.PostOffer, onMarketplace(commandId, owner.mspId), argument));
    });
    return { offerId, commandId, status: 'submitted' };
  }

  async update(principal: Principal, offerIdParam: string, body: unknown): Promise<{ offerId: string; commandId: string }> {
    const offerId = parseInput(idSchema, offerIdParam, 'offerId');
    const patch = parseInput(offerPatchSchema, body, 'body');
    const commandId = newCommandId(MARKETPLACE.tx.UpdateOffer);
    await this.store.write(async (manager, send) => {
      const row = await this.#ownOpenOffer(manager, principal, offerId, 'update');
      const update = offerUpdateArgument(offerId, row['kind'] as 'data' | 'value', row['terms'] as Record<string, IntegerJson>, patch);
      if ('problem' in update) throw invalidRequest(update.problem);
      if (patch.description !== undefined && update.argument.descriptionDigest !== undefined) await this.repository.keepDescription(manager, offerId, update.argument.descriptionDigest, patch.description);
      await this.repository.setCommand(manager, offerId, commandId);
      await this.commands.issue(manager, send, principal, MARKETPLACE.command(MARKETPLACE.tx.UpdateOffer, onMarketplace(commandId, principal.mspId), update.argument));
    });
    return { offerId, commandId };
  }

  async withdraw(principal: Principal, offerIdParam: string): Promise<{ offerId: string; commandId: string }> {
    const offerId = parseInput(idSchema, offerIdParam, 'offerId');
    const commandId = newCommandId(MARKETPLACE.tx.WithdrawOffer);
    await this.store.write(async (manager, send) => {
      await this.#ownOpenOffer(manager, principal, offerId, 'withdraw');
      await this.repository.setCommand(manager, offerId, commandId);
      await this.commands.issue(manager, send, principal, MARKETPLACE.command(MARKETPLACE.tx.WithdrawOffer, onMarketplace(commandId, principal.mspId), offerId));
    });
    return { offerId, commandId };
  }

  /**
   * The owner gives the catalogue the text of its offer's description: an offer posted through the
   * owner's own ledger bridge reaches the ledger with the description's digest only. The text must
   * hash to the digest the ledger holds now; giving it again is harmless.
   */
  async describe(principal: Principal, offerIdParam: string, body: unknown): Promise<OfferView> {
    const offerId = parseInput(idSchema, offerIdParam, 'offerId');
    const { description } = parseInput(offerDescriptionSchema, body, 'body');
    const digest = descriptionDigest(description);
    await this.store.write(async (manager) => {
      const row = await this.repository.lock(manager, offerId);
      if (!row) throw new MarketplaceError('OFFER_NOT_FOUND', `no offer ${offerId}`);
      if (row['owner_msp_id'] !== principal.mspId) throw forbidden(`${principal.mspId} does not own offer ${offerId} and may not describe it`);
      const held = row['description_digest'] as string;
      if (digest !== held) throw new MarketplaceError('DESCRIPTION_DIGEST_MISMATCH', `the description's SHA-256 is ${digest}; the ledger holds ${held} for offer ${offerId}`);
      await this.repository.keepDescription(manager, offerId, digest, description);
      await this.repository.showDescription(manager, offerId, digest, description);
    });
    return this.get(offerId);
  }

  async get(offerIdParam: string): Promise<OfferView> {
    const offerId = parseInput(idSchema, offerIdParam, 'offerId');
    const row = await this.repository.findWithOwner(offerId);
    if (!row) throw new MarketplaceError('OFFER_NOT_FOUND', `no offer ${offerId}`);
    return offerView(row);
  }

  async search(rawQuery: unknown): Promise<{ total: number; offers: OfferView[] }> {
    const query = parseInput(searchQuerySchema, rawQuery, 'query');
    const nowMs = Date.now();
    const rows = await this.repository.search(query, nowMs);
    return { total: rows.length > 0 ? Number(rows[0]!['total']) : 0, offers: rows.map((r) => ({ ...offerView(r, nowMs), rank: Number(r['rank']) })) };
  }

  // ---------------------------------------------------------------- from ledger events

  /** OfferPosted / OfferUpdated: the ledger's offer, with the off-chain description its digest names. */
  async onOffer(manager: EntityManager, offer: LedgerOffer): Promise<void> {
    const tags = tagsOf(offer.terms);
    await this.repository.upsertFromLedger(manager, { ...offer, tags });
  }

  async onWithdrawn(manager: EntityManager, event: { offerId: string; revision: number }): Promise<void> {
    await this.repository.withdrawn(manager, event.offerId, event.revision);
  }

  /** A failed receipt of one of our commands: a post that never reached the ledger fails; others keep the ledger's state. */
  async onCommandFailed(manager: EntityManager, commandId: string, code: string, message: string): Promise<void> {
    await this.repository.commandFailed(manager, commandId, code, message);
  }

  async #ownOpenOffer(manager: EntityManager, principal: Principal, offerId: string, action: string): Promise<Row> {
    const row = await this.repository.lock(manager, offerId);
    if (!row) throw new MarketplaceError('OFFER_NOT_FOUND', `no offer ${offerId}`);
    if (row['owner_msp_id'] !== principal.mspId) throw forbidden(`${principal.mspId} does not own offer ${offerId} and may not ${action} it`);
    if (row['status'] !== 'open') throw new MarketplaceError('WRONG_STATE', `offer ${offerId} is ${String(row['status'])}, not open`);
    await this.participants.activeParticipant(principal.mspId, manager, action === 'withdraw' ? undefined : `${action} offers`);
    return row;
  }
}

function offerView(row: Row, nowMs = Date.now()): OfferView {
  return {
    offerId: row['offer_id'] as string,
    owner: {
      mspId: row['owner_msp_id'] as string,
      role: (row['owner_role'] as string | null) ?? null,
      name: (row['owner_name'] as string | null) ?? null,
      suspended: row['owner_suspended'] === true,
      reputation: reputationView(
        storedReputation({
          msp_id: row['owner_msp_id'] as string,
          reputation_count: row['owner_reputation_count'] as number,
          reputation_sum: row['owner_reputation_sum'] as number,
          reputation_milli: row['owner_reputation_milli'] as number,
          reputation_abandonments: row['owner_reputation_abandonments'] as number,
          reputation_weight_micro: row['owner_reputation_weight_micro'] as string,
          reputation_sum_micro: row['owner_reputation_sum_micro'] as string,
          reputation_as_of_ms: row['owner_reputation_as_of_ms'] as string,
          reputation_half_life_ms: row['owner_reputation_half_life_ms'] as string,
        }),
        nowMs,
      ),
    },
    kind: row['kind'] as 'data' | 'value',
    title: row['title'] as string,
    description: (row['description'] as string | null) ?? null,
    tags: row['tags'] as string[],
    terms: row['terms'] as Record<string, unknown>,
    descriptionDigest: row['description_digest'] as string,
    status: row['status'] as OfferView['status'],
    revision: Number(row['revision']),
    ...(row['failure_code'] ? { failure: { code: row['failure_code'] as string, message: (row['failure_message'] as string | null) ?? '' } } : {}),
    createdAt: new Date(row['created_at'] as string).toISOString(),
    updatedAt: new Date(row['updated_at'] as string).toISOString(),
  };
}
