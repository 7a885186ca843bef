import { buildOfferSearch } from './offers.repository';
import { searchQuerySchema } from './offers.validation';

const NOW = Date.UTC(2026, 5, 1);
const build = (query: Record<string, unknown>) => buildOfferSearch('marketplace', searchQuerySchema.parse(query), NOW);

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

  it('filters by role, kind, owner, all tags, minimum reputation decayed to now (in thousandths) and sanction', () => {
    const { sql, params } = build({ role: 'DSP', kind: 'data', owner: 'AcmeMSP', tags: 'air,iot', minReputation: '3.5', suspended: 'false', status: 'withdrawn', limit: '5', offset: '10' });
    expect(sql).toContain('o.kind = $2');
    expect(sql).toContain('p.role = $3');
    expect(sql).toContain('o.owner_msp_id = $4');
    expect(sql).toContain('o.tags @> $5::text[]');
    expect(sql).toContain('power(2::float8, -greatest($6::bigint - coalesce(p.reputation_as_of_ms, 0), 0)::float8 / coalesce(p.reputation_half_life_ms, 15552000000))');
    expect(sql).toMatch(/\+ 3000000000\) \/ \(coalesce\(p\.reputation_weight_micro, 0\) \* power\(.*\) \+ 1000000\)\) >= \$7/);
    expect(sql).toContain('coalesce(p.suspended, false) = $8');
    expect(sql).toContain('LIMIT $9 OFFSET $10');
    expect(params).toEqual(['withdrawn', 'data', 'DSP', 'AcmeMSP', ['air', 'iot'], NOW, 3500, false, 5, 10]);
    expect(build({ suspended: 'true' }).params).toEqual(['open', true, 20, 0]);
  });

  it('refuses a suspended filter other than true or false', () => {
    for (const suspended of ['yes', '1', 'TRUE', '']) expect(searchQuerySchema.safeParse({ suspended }).success).toBe(false);
  });

  it('ignores a blank text query', () => {
    expect(build({ q: '   ' }).sql).not.toContain('websearch_to_tsquery');
  });
});
