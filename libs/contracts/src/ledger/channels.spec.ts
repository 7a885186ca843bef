import { daoChannelName, parseDaoChannel } from './channels';

describe('DAO channel names', () => {
  it('round-trips dao-<d>-v<i>', () => {
    expect(daoChannelName('acme', 2)).toBe('dao-acme-v2');
    expect(parseDaoChannel('dao-acme-v2')).toEqual({ daoId: 'acme', level: 2 });
    expect(parseDaoChannel('dao-a-b-v10')).toEqual({ daoId: 'a-b', level: 10 });
  });

  it('rejects level 0, bad DAO ids and other channels', () => {
    expect(() => daoChannelName('acme', 0)).toThrow(RangeError);
    expect(() => daoChannelName('Acme', 1)).toThrow(RangeError);
    expect(parseDaoChannel('marketplace')).toBeUndefined();
    expect(parseDaoChannel('dao-acme-v0')).toBeUndefined();
  });
});
