import { withoutSelfReferences } from './clients';

describe('the document the console client is generated from', () => {
  const document = {
    openapi: '3.0.0',
    paths: {},
    components: {
      schemas: {
        IntegerJson: { description: 'JSON with integers only', anyOf: [{ type: 'integer' }, { type: 'array', items: { $ref: '#/components/schemas/IntegerJson' } }] },
        NewOffer: { type: 'object', properties: { schema: { $ref: '#/components/schemas/IntegerJson' } } },
      },
    },
  };

  it('types a self-referring component as any JSON with its description, and keeps the others', () => {
    const out = withoutSelfReferences(document) as typeof document;
    expect(out.components.schemas.IntegerJson).toEqual({ description: 'JSON with integers only' });
    expect(out.components.schemas.NewOffer).toEqual(document.components.schemas.NewOffer);
    expect(document.components.schemas.IntegerJson.anyOf).toHaveLength(2);
  });

  it('leaves a document without components as it is', () => {
    const bare = { openapi: '3.0.0', paths: {} };
    expect(withoutSelfReferences(bare)).toBe(bare);
  });
});
