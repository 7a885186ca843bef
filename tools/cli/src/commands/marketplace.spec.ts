import { checkSanction } from './marketplace';
import { UsageError } from '../usage-error';

describe('./dev marketplace suspend | reinstate arguments', () => {
  it('takes an MSP id and a reason of 1-512 characters, trimmed', () => {
    expect(checkSanction('AcmeMSP', '  abandoned two DAOs ')).toEqual({ mspId: 'AcmeMSP', reason: 'abandoned two DAOs' });
    for (const [msp, reason] of [['acme', 'x'], ['AcmeMSP', undefined], ['AcmeMSP', '   '], ['AcmeMSP', 'y'.repeat(513)]] as const) {
      expect(() => checkSanction(msp, reason)).toThrow(UsageError);
    }
  });
});
