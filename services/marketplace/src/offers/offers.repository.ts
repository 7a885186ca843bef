import { Injectable } from '@nestjs/common';
import { REPUTATION_HALF_LIFE_MS, REPUTATION_PRIOR, REPUTATION_UNIT } from '@datawell/contracts';
import type { EntityManager } from 'typeorm';
import { Store } from '../store';
import type { SearchQuery } from './offers.validation';

export type OfferRow = Record<string, unknown>;

/** The offers read model (`offers`) and the off-chain descriptions their digests name (`offer_descriptions`). */
@Injectable()
export class OffersRepository {
  constructor(private readonly store: Store) {}

  /** An offer we sent to the ledger, shown as submitted until the ledger's event arrives. */
  async insertSubmitted(
    manager: EntityManager,
    o: { offerId: string; owner: string; kind: string; title: string; description: string; tags: string[]; terms: unknown; descriptionDigest: string; commandId: string },
  ): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('offers')} (offer_id, owner_msp_id, kind, title, description, tags, tags_text, terms, description_digest, status, command_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, 'submitted', $10)`,
      [o.offerId, o.owner, o.kind, o.title, o.description, o.tags, o.tags.join(' '), JSON.stringify(o.terms), o.descriptionDigest, o.commandId],
      manager,
    );
  }

  /** Keeps a description under its digest (the ledger carries only the digest). */
  async keepDescription(manager: EntityManager, offerId: string, digest: string, description: string): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('offer_descriptions')} (offer_id, digest, description) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [offerId, digest, description],
      manager,
    );
  }

  /** Shows a kept description on the offer while the ledger still names its digest. */
  async showDescription(manager: EntityManager, offerId: string, digest: string, description: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('offers')} SET description = $3, updated_at = now() WHERE offer_id = $1 AND description_digest = $2`, [offerId, digest, description], manager);
  }

  /** The command last sent for an offer (its failed receipt is matched by it). */
  async setCommand(manager: EntityManager, offerId: string, commandId: string): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('offers')} SET command_id = $2 WHERE offer_id = $1`, [offerId, commandId], manager);
  }

  /** The offer row, locked until the transaction ends. */
  async lock(manager: EntityManager, offerId: string): Promise<OfferRow | undefined> {
    const [row] = await this.store.query(`SELECT * FROM ${this.store.t('offers')} WHERE offer_id = $1 FOR UPDATE`, [offerId], manager);
    return row;
  }

  /** The offer with its owner's role, name, sanction and stored reputation record. */
  async findWithOwner(offerId: string): Promise<OfferRow | undefined> {
    const [row] = await this.store.query(
      `SELECT o.*, ${OWNER_COLUMNS} FROM ${this.store.t('offers')} o LEFT JOIN ${this.store.t('participants')} p ON p.msp_id = o.owner_msp_id WHERE o.offer_id = $1`,
      [offerId],
    );
    return row;
  }

  /** One page of matches, each row carrying the total count (`total`) and its `rank`; reputations read at `nowMs`. */
  async search(query: SearchQuery, nowMs: number): Promise<OfferRow[]> {
    const { sql, params } = buildOfferSearch(this.store.schema, query, nowMs);
    return this.store.query(sql, params);
  }

  /** OfferPosted / OfferUpdated: the ledger's offer, with the kept description its digest names; older revisions never win. */
  async upsertFromLedger(
    manager: EntityManager,
    o: { offerId: string; owner: string; kind: string; title: string; tags: string[]; terms: unknown; descriptionDigest: string; status: string; revision: number },
  ): Promise<void> {
    await this.store.query(
      `INSERT INTO ${this.store.t('offers')} AS o (offer_id, owner_msp_id, kind, title, description, tags, tags_text, terms, description_digest, status, revision)
       VALUES ($1, $2, $3, $4, (SELECT description FROM ${this.store.t('offer_descriptions')} WHERE offer_id = $1 AND digest = $8), $5, $6, $7::jsonb, $8, $9, $10)
       ON CONFLICT (offer_id) DO UPDATE SET owner_msp_id = EXCLUDED.owner_msp_id, kind = EXCLUDED.kind, title = EXCLUDED.title,
         description = coalesce(EXCLUDED.description, CASE WHEN o.description_digest = EXCLUDED.description_digest THEN o.description END),
         tags = EXCLUDED.tags, tags_text = EXCLUDED.tags_text, terms = EXCLUDED.terms, description_digest = EXCLUDED.description_digest,
         status = EXCLUDED.status, revision = EXCLUDED.revision, failure_code = NULL, failure_message = NULL, updated_at = now()
       WHERE o.revision < EXCLUDED.revision`,
      [o.offerId, o.owner, o.kind, o.title, o.tags, o.tags.join(' '), JSON.stringify(o.terms), o.descriptionDigest, o.status, o.revision],
      manager,
    );
  }

  async withdrawn(manager: EntityManager, offerId: string, revision: number): Promise<void> {
    await this.store.query(`UPDATE ${this.store.t('offers')} SET status = 'withdrawn', revision = $2, updated_at = now() WHERE offer_id = $1 AND revision < $2`, [offerId, revision], manager);
  }

  /** A post that never reached the ledger fails; others keep the ledger's state and record the failure. */
  async commandFailed(manager: EntityManager, commandId: string, code: string, message: string): Promise<void> {
    await this.store.query(
      `UPDATE ${this.store.t('offers')} SET status = CASE WHEN status = 'submitted' THEN 'failed' ELSE status END,
         failure_code = $2, failure_message = $3, updated_at = now() WHERE command_id = $1`,
      [commandId, code, message],
      manager,
    );
  }
}

/** The owner's columns an offer row carries (p: its participant row, absent for an unknown owner). */
const OWNER_COLUMNS = `p.role AS owner_role, p.name AS owner_name, coalesce(p.suspended, false) AS owner_suspended,
      coalesce(p.reputation_count, 0) AS owner_reputation_count, coalesce(p.reputation_sum, 0) AS owner_reputation_sum,
      coalesce(p.reputation_milli, ${REPUTATION_PRIOR.ratingMilli}) AS owner_reputation_milli, coalesce(p.reputation_abandonments, 0) AS owner_reputation_abandonments,
      coalesce(p.reputation_weight_micro, 0) AS owner_reputation_weight_micro, coalesce(p.reputation_sum_micro, 0) AS owner_reputation_sum_micro,
      coalesce(p.reputation_as_of_ms, 0) AS owner_reputation_as_of_ms, coalesce(p.reputation_half_life_ms, ${REPUTATION_HALF_LIFE_MS}) AS owner_reputation_half_life_ms`;

/**
 * The owner's score in thousandths at the time `now` (a parameter), in SQL: the ledger's formula
 * (libs/contracts reputationAt) in floating point, W and S decayed by 2^(−Δt/H), with the prior.
 * Only the minReputation filter uses it; the score shown is computed from the same row in integers.
 */
function decayedScoreSql(now: string): string {
  const factor = `power(2::float8, -greatest(${now}::bigint - coalesce(p.reputation_as_of_ms, 0), 0)::float8 / coalesce(p.reputation_half_life_ms, ${REPUTATION_HALF_LIFE_MS}))`;
  const prior = REPUTATION_PRIOR.weight * REPUTATION_UNIT;
  return `floor((coalesce(p.reputation_sum_micro, 0) * ${factor} * 1000 + ${prior * REPUTATION_PRIOR.ratingMilli}) / (coalesce(p.reputation_weight_micro, 0) * ${factor} + ${prior}))`;
}

/**
 * The SQL of an offer search over the read model: full text with websearch_to_tsquery over the
 * title, tags and description (ranked), and filters on the owner's role, reputation (decayed to
 * `nowMs`) and sanction, the kind, tags (all of them) and status. Values are always parameters,
 * never spliced into the text.
 */
export function buildOfferSearch(schema: string, query: SearchQuery, nowMs: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [`o.status = ${p(query.status)}`];
  let rank = '0';
  if (query.q !== undefined && query.q !== '') {
    const q = p(query.q);
    where.push(`o.search @@ websearch_to_tsquery('english', ${q})`);
    rank = `ts_rank(o.search, websearch_to_tsquery('english', ${q}))`;
  }
  if (query.kind) where.push(`o.kind = ${p(query.kind)}`);
  if (query.role) where.push(`p.role = ${p(query.role)}`);
  if (query.owner) where.push(`o.owner_msp_id = ${p(query.owner)}`);
  if (query.tags && query.tags.length > 0) where.push(`o.tags @> ${p(query.tags)}::text[]`);
  if (query.minReputation !== undefined) where.push(`${decayedScoreSql(p(nowMs))} >= ${p(Math.round(query.minReputation * 1000))}`);
  if (query.suspended !== undefined) where.push(`coalesce(p.suspended, false) = ${p(query.suspended)}`);
  const s = `"${schema}"`;
  const sql = `SELECT o.offer_id, o.owner_msp_id, o.kind, o.title, o.description, o.tags, o.terms, o.description_digest, o.status, o.revision,
      o.created_at, o.updated_at, ${OWNER_COLUMNS}, ${rank} AS rank, count(*) OVER () AS total
    FROM ${s}.offers o LEFT JOIN ${s}.participants p ON p.msp_id = o.owner_msp_id
    WHERE ${where.join(' AND ')}
    ORDER BY rank DESC, o.updated_at DESC, o.offer_id
    LIMIT ${p(query.limit)} OFFSET ${p(query.offset)}`;
  return { sql, params };
}
