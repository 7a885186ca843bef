import { bridgeLogMarks, formationSplit, type BridgeLogMark } from './formation-split';

const line = (timestamp: number, message: string, channel: string, level = 'log') => JSON.stringify({ service: 'ledger-bridge', level, pid: 1, timestamp, message: { message, channel }, context: 'LedgerBridge' });

describe('bridgeLogMarks', () => {
  it("keeps the formation marks of the channel and skips other channels, other messages and lines that are not JSON", () => {
    const text = [
      line(1000, 'channel of a DAO version built from its agreement', 'dao-x-v1'),
      line(1100, 'joined and approved on a DAO channel', 'dao-x-v10'),
      line(1200, 'joined and approved on a DAO channel', 'dao-x-v1'),
      line(1300, 'inbox message not done yet; retrying', 'dao-x-v1', 'warn'),
      'dao-x-v1 plain text from a child process',
      line(1400, 'chaincode definitions committed on a DAO channel', 'dao-x-v1'),
      line(1500, 'version initialised by its DSP', 'dao-x-v1'),
      '',
    ].join('\n');
    expect(bridgeLogMarks(text, 'dao-x-v1', 'DMSP')).toEqual([
      { mark: 'channelBuilt', channel: 'dao-x-v1', by: 'DMSP', at: 1000 },
      { mark: 'joined', channel: 'dao-x-v1', by: 'DMSP', at: 1200 },
      { mark: 'committed', channel: 'dao-x-v1', by: 'DMSP', at: 1400 },
      { mark: 'initVersion', channel: 'dao-x-v1', by: 'DMSP', at: 1500 },
    ]);
  });
});

describe('formationSplit', () => {
  const mark = (m: BridgeLogMark['mark'], by: string, at: number): BridgeLogMark => ({ mark: m, channel: 'c', by, at });

  it('gives each mark in seconds from the start: the last member to join, the first commit and InitVersion, the last member to read', () => {
    const marks = [mark('channelBuilt', 'operator', 12_000), mark('joined', 'V', 15_500), mark('joined', 'D', 14_000), mark('committed', 'D', 17_000), mark('initVersion', 'D', 18_250), mark('joined', 'D', 30_000)];
    expect(formationSplit(10_000, ['D', 'V'], marks, { D: 19_000, V: 20_500 })).toEqual({ channelBuilt: 2, joinedAndApproved: 5.5, committed: 7, initVersion: 8.25, readableByAll: 10.5 });
  });

  it('leaves out the marks not logged, and the join while a member has not joined', () => {
    expect(formationSplit(0, ['D', 'V'], [mark('joined', 'D', 1000)], { D: 3000, V: 4000 })).toEqual({ readableByAll: 4 });
  });

  it('refuses a split while a member has not read the version', () => {
    expect(() => formationSplit(0, ['D', 'V'], [], { D: 1000 })).toThrow('no read of the version by V');
  });
});
