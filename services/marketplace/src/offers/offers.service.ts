import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import { MARKETPLACE, type offerUpdateSchema } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import { forbidden, invalidRequest, MarketplaceError } from '../errors';
import { ledgerCommandMessage, newCommandId, onMarketplace } from '../ledger/commands';
import { ParticipantsService } from '../participants/participants.service';
import { Store } from '../store';
import { idSchema, parseInput, type IntegerJson } from '../validation';
import { buildOfferSearch } from './offers.search';
import { descriptionDigest, newOfferSchema, offerPatchSchema, patchTerms, searchQuerySchema, tagsOf, termsOf } from './offers.validation';

export interface OfferView {
  offerId: string;
  owner: { mspId: string; role: string | null; name: string | null; reputation: { count: number; scoreMilli: number } };
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

type Row = Record<string, unknown>;
type OfferUpdate = { -readonly [K in keyof z.input<typeof offerUpdateSchema>]: z.input<typeof offerUpdateSchema>[K] };

/** Offers: writes go to the ledger as the caller's organisation; reads come from the read model built from its events. */
@Injectable()
export class OffersService {
  constructor(
    private readonly store: Store,
    private readonly participants: ParticipantsService,
  ) {}

  async post(principal: Principal, body: unknown): Promise<{ offerId: string; commandId: string; status: 'submitted' }> {
    const offer = parseInput(newOfferSchema, body, 'body');
    const owner = await this.participants.activeParticipant(principal.mspId);
    const allowed = owner.role === 'DSP' ? 'data' : 'value';
    if (offer.kind !== allowed) throw forbidden(`${owner.mspId} is a ${owner.role} and posts ${allowed} offers only`);
    const offerId = `off-${randomUUID()}`;
    const commandId = newCommandId(MARKETPLACE.tx.PostOffer);
    const digest = descriptionDigest(offer.description);
    const terms = termsOf(offer);
    await this.store.write(async (manager, send) => {
      await this.store.query(
        `INSERT INTO ${this.store.t('offers')} (offer_id, owner_msp_id, kind, title, description, tags, tags_text, terms, description_digest, status, command_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, 'submitted', $10)`,
        [offerId, owner.mspId, offer.kind, offer.title, offer.description, offer.tags, offer.tags.join(' '), JSON.stringify(terms), digest, commandId],
        manager,
      );
      await this.#keepDescription(manager, offerId, digest, offer.description);
      const argument = { offerId, kind: offer.kind, title: offer.title, terms, descriptionDigest: digest };
      await send(ledgerCommandMessage(this.store.settings.topics.ledgerCommands, MARKETPLACE.command(MARKETPLACE.tx.PostOffer, onMarketplace(commandId, owner.mspId), argument)));
    });
    return { offerId, commandId, status: 'submitted' };
  }

  async update(principal: Principal, offerIdParam: string, body: unknown): Promise<{ offerId: string; commandId: string }> {
    const offerId = parseInput(idSchema, offerIdParam, 'offerId');
    const patch = parseInput(offerPatchSchema, body, 'body');
    const commandId = newCommandId(MARKETPLACE.tx.UpdateOffer);
    await this.store.write(async (manager, send) => {
      const row = await this.#ownOpenOffer(manager, principal, offerId, 'update');
      const next = patchTerms(row['kind'] as 'data' | 'value', row['terms'] as Record<string, IntegerJson>, patch);
      if ('problem' in next) throw invalidRequest(next.problem);
      const argument: OfferUpdate = { offerId };
      if (patch.title !== undefined) argument.title = patch.title;
      if (patch.tags !== undefined || Object.keys(patch).some((k) => !['title', 'description'].includes(k))) argument.terms = next.terms;
      if (patch.description !== undefined) {
        const digest = descriptionDigest(patch.description);
        await this.#keepDescription(manager, offerId, digest, patch.description);
        argument.descriptionDigest = digest;
      }
      await this.store.query(`UPDATE ${this.store.t('offers')} SET command_id = $2 WHERE offer_id = $1`, [offerId, commandId], manager);
      await send(ledgerCommandMessage(this.store.settings.topics.ledgerCommands, MARKETPLACE.command(MARKETPLACE.tx.UpdateOffer, onMarketplace(commandId, principal.mspId), argument)));
    });
    return { offerId, commandId };
  }

  async withdraw(principal: Principal, offerIdParam: string): Promise<{ offerId: string; commandId: string }> {
    const offerId = parseInput(idSchema, offerIdParam, 'offerId');
    const commandId = newCommandId(MARKETPLACE.tx.WithdrawOffer);
    await this.store.write(async (manager, send) => {
      await this.#ownOpenOffer(manager, principal, offerId, 'withdraw');
      await this.store.query(`UPDATE ${this.store.t('offers')} SET command_id = $2 WHERE offer_id = $1`, [offerId, commandId], manager);
      await send(ledgerCommandMessage(this.store.settings.topics.ledgerCommands, MARKETPLACE.command(MARKETPLACE.tx.WithdrawOffer, onMarketplace(commandId, principal.mspId), offerId)));
    });
    return { offerId, commandId };
  }

  async get(offerIdParam: string): Promise<OfferView> {
    const offerId = parseInput(idSchema, offerIdParam, 'offerId');
    const [row] = await this.store.query(
      `SELECT o.*, p.role AS owner_role, p.name AS owner_name, coalesce(p.reputation_milli, 0) AS owner_reputation_milli, coalesce(p.reputation_count, 0) AS owner_reputation_count
       FROM ${this.store.t('offers')} o LEFT JOIN ${this.store.t('participants')} p ON p.msp_id = o.owner_msp_id WHERE o.offer_id = $1`,
      [offerId],
    );
    if (!row) throw new MarketplaceError('OFFER_NOT_FOUND', `no offer ${offerId}`);
    return offerView(row);
  }

  async search(rawQuery: unknown): Promise<{ total: number; offers: OfferView[] }> {
    const query = parseInput(searchQuerySchema, rawQuery, 'query');
    const { sql, params } = buildOfferSearch(this.store.schema, query);
    const rows = await this.store.query(sql, params);
    return { total: rows.length > 0 ? Number(rows[0]!['total']) : 0, offers: rows.map((r) => ({ ...offerView(r), rank: Number(r['rank']) })) };
  }

  // ---------------------------------------------------------------- from ledger events

  /** OfferPosted / OfferUpdated: the ledger's offer, with the off-chain description its digest names. */
  async onOffer(manager: EntityManager, offer: LedgerOffer): Promise<void> {
    const tags = tagsOf(offer.terms);
    await this.store.query(
      `INSERT INTO ${this.store.t('offers')} AS o (offer_id, owner_msp_id, kind, title, description, tags, tags_text, terms, description_digest, status, revision)
       VALUES ($1, $2, $3, $4, (SELECT description FROM ${this.store.t('offer_descriptions')} WHERE offer_id = $1 AND digest = $8), $5, $6, $7::jsonb, $8, $9, $10)
       ON CONFLICT (offer_id) DO UPDATE SET owner_msp_id = EXCLUDED.owner_msp_id, kind = EXCLUDED.kind, title = EXCLUDED.title,
         description = coalesce(EXCLUDED.description, CASE WHEN o.description_digest = EXCLUDED.description_digest THEN o.description END),
         tags = EXCLUDED.tags, tags_text = EXCLUDED.tags_text, terms = EXCLUDED.terms, description_digest = EXCLUDED.description_digest,
         status = EXCLUDED.status, revision = EXCLUDED.revision, failure_code = NULL, failure_message = NULL, updated_at = now()
       WHERE o.revision < EXCLUDED.revision`,
      [offer.offerId, offer.owner, offer.kind, offer.title, tags, tags.join(' '), JSON.stringify(offer.terms), offer.descriptionDigest, offer.status, offer.revision],
      manager,
    );
  }

  async onWithdrawn(manager: EntityManager, event: { offerId: string; revision: number }): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('offers')} SET status = 'withdrawn', revision = $2, updated_at = now() WHERE offer_id = $1 AND revision < $2`,
      [event.offerId, event.revision],
      manager,
    );
  }

  /** A failed receipt of one of our commands: a post that never reached the ledger fails; others keep the ledger's state. */
  async onCommandFailed(manager: EntityManager, commandId: string, code: string, message: string): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('offers')} SET status = CASE WHEN status = 'submitted' THEN 'failed' ELSE status END,
         failure_code = $2, failure_message = $3, updated_at = now() WHERE command_id = $1`,
      [commandId, code, message],
      manager,
    );
  }

  async #ownOpenOffer(manager: EntityManager, principal: Principal, offerId: string, action: string): Promise<Row> {
    const [row] = await this.store.query(`SELECT * FROM ${this.store.t('offers')} WHERE offer_id = $1 FOR UPDATE`, [offerId], manager);
    if (!row) throw new MarketplaceError('OFFER_NOT_FOUND', `no offer ${offerId}`);
    if (row['owner_msp_id'] !== principal.mspId) throw forbidden(`${principal.mspId} does not own offer ${offerId} and may not ${action} it`);
    if (row['status'] !== 'open') throw new MarketplaceError('WRONG_STATE', `offer ${offerId} is ${String(row['status'])}, not open`);
    await this.participants.activeParticipant(principal.mspId, manager);
    return row;
  }

  async #keepDescription(manager: EntityManager, offerId: string, digest: string, description: string): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('offer_descriptions')} (offer_id, digest, description) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [offerId, digest, description],
      manager,
    );
  }
}

function offerView(row: Row): OfferView {
  return {
    offerId: row['offer_id'] as string,
    owner: {
      mspId: row['owner_msp_id'] as string,
      role: (row['owner_role'] as string | null) ?? null,
      name: (row['owner_name'] as string | null) ?? null,
      reputation: { count: Number(row['owner_reputation_count'] ?? 0), scoreMilli: Number(row['owner_reputation_milli'] ?? 0) },
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
