import { searchFromUrl, searchToQuery, searchToUrl, tagList } from './catalogue-query';

describe('catalogue search in the URL and in GET /offers', () => {
  it('round-trips a full search through the URL', () => {
    const search = { q: 'harbour water', role: 'DSP', kind: 'data', tags: 'water, iot', minReputation: '3.5', page: 2 } as const;
    const url = searchToUrl(search);
    expect(url.toString()).toBe('q=harbour+water&role=DSP&kind=data&tags=water%2Ciot&minReputation=3.5&page=2');
    expect(searchFromUrl(url)).toEqual({ ...search, tags: 'water,iot' });
  });

  it('drops values the service would refuse instead of sending them', () => {
    expect(searchFromUrl(new URLSearchParams('role=admin&kind=x&minReputation=9&page=-3'))).toEqual({ q: '', role: '', kind: '', tags: '', minReputation: '', page: 1 });
  });

  it('builds the query: open offers, trimmed text, lower-case unique tags, a page offset', () => {
    expect(searchToQuery({ q: '  ', role: '', kind: '', tags: '', minReputation: '', page: 1 })).toEqual({ status: 'open', limit: 20, offset: 0 });
    expect(searchToQuery({ q: ' turbidity ', role: 'VSP', kind: 'value', tags: 'ML ml,forecast', minReputation: '4', page: 3 })).toEqual({
      q: 'turbidity',
      role: 'VSP',
      kind: 'value',
      tags: ['ml', 'forecast'],
      minReputation: 4,
      status: 'open',
      limit: 20,
      offset: 40,
    });
    expect(tagList(' a,, b c ,A')).toEqual(['a', 'b', 'c']);
  });
});
