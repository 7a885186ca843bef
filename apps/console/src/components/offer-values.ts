import type { NewOffer, Offer, OfferPatch } from '../api/client';

/** What the offer form edits, as text fields. */
export interface OfferValues {
  title: string;
  description: string;
  tags: string;
  // data offers
  schema: string;
  updateFrequency: string;
  sourceType: 'iot-stream' | 'file';
  topic: string;
  // value offers
  service: string;
  computations: string;
  infrastructure: string;
}

const list = (text: string) => [...new Set(text.split(',').map((t) => t.trim()).filter(Boolean))];

export function valuesOf(offer?: Offer): OfferValues {
  const terms = (offer?.terms ?? {}) as Record<string, unknown>;
  const source = (terms['source'] ?? {}) as { type?: 'iot-stream' | 'file'; topic?: string };
  const schema = terms['schema'];
  return {
    title: offer?.title ?? '',
    description: offer?.description ?? '',
    tags: offer?.tags.join(', ') ?? '',
    schema: schema === undefined ? '' : typeof schema === 'string' ? schema : JSON.stringify(schema),
    updateFrequency: typeof terms['updateFrequency'] === 'string' ? terms['updateFrequency'] : '',
    sourceType: source.type ?? 'iot-stream',
    topic: source.topic ?? '',
    service: typeof terms['service'] === 'string' ? terms['service'] : '',
    computations: Array.isArray(terms['computations']) ? terms['computations'].join(', ') : '',
    infrastructure: terms['infrastructure'] === undefined ? '' : JSON.stringify(terms['infrastructure']),
  };
}

/** A JSON object typed in the form, or the text itself for a dataset schema written as prose. */
function jsonObjectOr<T>(text: string, otherwise: (text: string) => T): Record<string, unknown> | T {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return otherwise(text);
}

function kindFields(kind: 'data' | 'value', v: OfferValues): Partial<NewOffer> {
  if (kind === 'data') {
    return {
      schema: jsonObjectOr(v.schema.trim(), (t) => t),
      updateFrequency: v.updateFrequency.trim(),
      source: v.sourceType === 'iot-stream' ? { type: 'iot-stream', topic: v.topic.trim() } : { type: 'file' },
    };
  }
  return {
    service: v.service.trim(),
    computations: list(v.computations),
    infrastructure: v.infrastructure.trim() ? jsonObjectOr(v.infrastructure.trim(), () => ({ notes: v.infrastructure.trim() })) : {},
  };
}

/** The body of POST /offers: the service validates it and answers 400 with the field at fault. */
export function newOfferOf(kind: 'data' | 'value', v: OfferValues): NewOffer {
  return { kind, title: v.title.trim(), description: v.description.trim(), tags: list(v.tags.toLowerCase()), ...kindFields(kind, v) } as NewOffer;
}

/** The body of PATCH /offers/:id: only what changed (the service refuses an empty patch). */
export function patchOf(offer: Offer, v: OfferValues): OfferPatch {
  const before = newOfferOf(offer.kind, valuesOf(offer)) as unknown as Record<string, unknown>;
  const after = newOfferOf(offer.kind, v) as unknown as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(after)) if (k !== 'kind' && JSON.stringify(value) !== JSON.stringify(before[k])) patch[k] = value;
  return patch as OfferPatch;
}
