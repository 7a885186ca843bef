/** The catalogue's search as the page's URL keeps it (shareable, back button) and as GET /offers takes it. */
export interface CatalogueSearch {
  q: string;
  role: '' | 'DSP' | 'VSP';
  kind: '' | 'data' | 'value';
  tags: string;
  minReputation: string;
  page: number;
}

export const PAGE_SIZE = 20;

const pick = <T extends string>(value: string | null, allowed: readonly T[]): T | '' => (allowed as readonly string[]).includes(value ?? '') ? (value as T) : '';

export function searchFromUrl(params: URLSearchParams): CatalogueSearch {
  const page = Number(params.get('page'));
  const min = params.get('minReputation') ?? '';
  return {
    q: params.get('q') ?? '',
    role: pick(params.get('role'), ['DSP', 'VSP'] as const),
    kind: pick(params.get('kind'), ['data', 'value'] as const),
    tags: params.get('tags') ?? '',
    minReputation: /^[0-5](\.\d+)?$/.test(min) ? min : '',
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** Only what is set, so that the URL stays short and an empty form means "every open offer". */
export function searchToUrl(search: CatalogueSearch): URLSearchParams {
  const out = new URLSearchParams();
  if (search.q.trim()) out.set('q', search.q.trim());
  if (search.role) out.set('role', search.role);
  if (search.kind) out.set('kind', search.kind);
  const tags = tagList(search.tags);
  if (tags.length) out.set('tags', tags.join(','));
  if (search.minReputation) out.set('minReputation', search.minReputation);
  if (search.page > 1) out.set('page', String(search.page));
  return out;
}

export function tagList(text: string): string[] {
  return [...new Set(text.split(/[,\s]+/).map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

/** The query of GET /offers (open offers only: the catalogue shows what can be taken up). */
export function searchToQuery(search: CatalogueSearch): {
  q?: string;
  role?: 'DSP' | 'VSP';
  kind?: 'data' | 'value';
  /** Sent repeated (tags=a&tags=b), which the service takes as it takes a comma-separated list. */
  tags?: string[];
  minReputation?: number;
  status: 'open';
  limit: number;
  offset: number;
} {
  const tags = tagList(search.tags);
  return {
    ...(search.q.trim() ? { q: search.q.trim() } : {}),
    ...(search.role ? { role: search.role } : {}),
    ...(search.kind ? { kind: search.kind } : {}),
    ...(tags.length ? { tags } : {}),
    ...(search.minReputation ? { minReputation: Number(search.minReputation) } : {}),
    status: 'open',
    limit: PAGE_SIZE,
    offset: (search.page - 1) * PAGE_SIZE,
  };
}
