import { assertPreprocessingAllowed } from './policy';
import { dealPreprocessing } from './trusted-dealer';

describe('the trusted dealer is test-only', () => {
  it('is refused by production configuration', () => {
    expect(() => dealPreprocessing({ parties: 2, triples: 1, masks: 1, production: true })).toThrow(
      expect.objectContaining({ code: 'DEALER_NOT_ALLOWED', name: 'DealerNotAllowedError' }),
    );
    expect(() => assertPreprocessingAllowed({ source: 'dealer' }, 'production')).toThrow(
      expect.objectContaining({ code: 'DEALER_NOT_ALLOWED' }),
    );
  });

  it('is allowed outside production, and MASCOT is allowed everywhere', () => {
    expect(() => assertPreprocessingAllowed({ source: 'dealer' }, 'test')).not.toThrow();
    expect(() => assertPreprocessingAllowed({ source: 'mascot', production: true }, 'production')).not.toThrow();
    expect(dealPreprocessing({ parties: 2, triples: 3, masks: 1 }).stores[1]!.availableTriples()).toBe(3);
  });
});
