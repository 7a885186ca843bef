import type { SearchQuery } from './offers.validation';

/**
 * The SQL of an offer search over the read model: full text with websearch_to_tsquery over the
 * title, tags and description (ranked), and filters on the owner's role and reputation, the kind,
 * tags (all of them) and status. Values are always parameters, never spliced into the text.
 */
export function buildOfferSearch(schema: string, query: SearchQuery): { sql: string; params: unknown[] } {
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
  if (query.minReputation !== undefined) where.push(`coalesce(p.reputation_milli, 0) >= ${p(Math.round(query.minReputation * 1000))}`);
  const s = `"${schema}"`;
  const sql = `SELECT o.offer_id, o.owner_msp_id, o.kind, o.title, o.description, o.tags, o.terms, o.description_digest, o.status, o.revision,
      o.created_at, o.updated_at, p.role AS owner_role, p.name AS owner_name, coalesce(p.reputation_milli, 0) AS owner_reputation_milli,
      coalesce(p.reputation_count, 0) AS owner_reputation_count, ${rank} AS rank, count(*) OVER () AS total
    FROM ${s}.offers o LEFT JOIN ${s}.participants p ON p.msp_id = o.owner_msp_id
    WHERE ${where.join(' AND ')}
    ORDER BY rank DESC, o.updated_at DESC, o.offer_id
    LIMIT ${p(query.limit)} OFFSET ${p(query.offset)}`;
  return { sql, params };
}
