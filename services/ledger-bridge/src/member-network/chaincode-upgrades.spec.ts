import { ChaincodeUpgrades } from './chaincode-upgrades';

const logs: string[] = [];
const logger = { log: (m: { message: string }) => void logs.push(`log ${m.message}`), warn: (m: { message: string }) => void logs.push(`warn ${m.message}`), error: () => undefined, debug: () => undefined } as never;

describe("a member bridge's watch for chaincode definitions committed without it", () => {
  beforeEach(() => logs.splice(0));

  it('approves, on each look, what its own peer reports committed and not approved by it', async () => {
    const asked: string[] = [];
    const outcomes = ['approved', 'current'] as const;
    const upgrades = new ChaincodeUpgrades({
      admin: { approveCommitted: async (channel, name) => (asked.push(`${channel} ${name}`), { outcome: outcomes[asked.length - 1] ?? 'current', version: '1.1', sequence: 2 }) },
      channel: 'marketplace',
      chaincodes: ['marketplace'],
      logger,
    });
    await upgrades.check();
    await upgrades.check();
    expect(asked).toEqual(['marketplace marketplace', 'marketplace marketplace']);
    expect(logs).toEqual(['log approved a definition committed without this member (an upgrade)']);
  });

  it('a failed look is logged and never thrown; a member without its own server says so', async () => {
    let calls = 0;
    const upgrades = new ChaincodeUpgrades({
      admin: {
        approveCommitted: async () => {
          calls++;
          if (calls === 1) throw new Error('peer unavailable');
          return { outcome: 'no-own-server', version: '1.1', sequence: 2 };
        },
      },
      channel: 'marketplace',
      chaincodes: ['marketplace'],
      logger,
    });
    await expect(upgrades.check()).resolves.toBeUndefined();
    await upgrades.check();
    expect(logs).toEqual(['warn could not check or approve the committed chaincode definition; trying again later', 'warn a committed definition this member has not approved, and no chaincode server of its own to approve it with']);
  });

  it('looks once at start and then every interval until stopped', async () => {
    jest.useFakeTimers();
    try {
      let looks = 0;
      const upgrades = new ChaincodeUpgrades({ admin: { approveCommitted: async () => (looks++, { outcome: 'none' }) }, channel: 'marketplace', chaincodes: ['marketplace'], logger, intervalMs: 1000 });
      upgrades.start();
      await jest.advanceTimersByTimeAsync(2500);
      expect(looks).toBe(3);
      await upgrades.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(looks).toBe(3);
    } finally {
      jest.useRealTimers();
    }
  });
});
