import { buildOfferSearch } from './offers.repository';
import { searchQuerySchema } from './offers.validation';

const build = (query: Record<string, unknown>) => buildOfferSearch('marketplace', searchQuerySchema.parse(query));

describe('buildOfferSearch', () => {
  it('lists open offers newest first without a text query', () => {
    const { sql, params } = build({});
    expect(sql).toContain('FROM "marketplace".offers o LEFT JOIN "marketplace".participants p');
    expect(sql).toContain('WHERE o.status = $1');
    expect(sql).not.toContain('websearch_to_tsquery');
    expect(sql).toMatch(/ORDER BY rank DESC, o.updated_at DESC/);
    expect(params).toEqual(['open', 20, 0]);
  });

  it('matches and ranks full text with websearch_to_tsquery, every value a parameter', () => {
    const { sql, params } = build({ q: `air "quality" -noise'; DROP TABLE offers; --` });
    expect(sql).toContain(`o.search @@ websearch_to_tsquery('english', $2)`);
    expect(sql).toContain(`ts_rank(o.search, websearch_to_tsquery('english', $2)) AS rank`);
    expect(sql).not.toContain('DROP TABLE');
    expect(params[1]).toBe(`air "quality" -noise'; DROP TABLE offers; --`);
  });

  it('filters by role, kind, owner, all tags and minimum reputation (in thousandths)', () => {
    const { sql, params } = build({ role: 'DSP', kind: 'data', owner: 'AcmeMSP', tags: 'air,iot', minReputation: '3.5', status: 'withdrawn', limit: '5', offset: '10' });
    expect(sql).toContain('o.kind = $2');
    expect(sql).toContain('p.role = $3');
    expect(sql).toContain('o.owner_msp_id = $4');
    expect(sql).toContain('o.tags @> $5::text[]');
    expect(sql).toContain('coalesce(p.reputation_milli, 0) >= $6');
    expect(sql).toContain('LIMIT $7 OFFSET $8');
    expect(params).toEqual(['withdrawn', 'data', 'DSP', 'AcmeMSP', ['air', 'iot'], 3500, 5, 10]);
  });

  it('ignores a blank text query', () => {
    expect(build({ q: '   ' }).sql).not.toContain('websearch_to_tsquery');
  });
});
