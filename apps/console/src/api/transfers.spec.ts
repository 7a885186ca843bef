import { ApiError } from './client';
import { parseTransfer, recipientOf, stepFor, transferIdOf } from './transfers';

/** A transfer as the member bridge answers it (GetTransfer on each channel, the chaincode's canonical JSON with its consent). */
const onChannel = (version: number, over: Record<string, unknown> = {}) => ({
  channel: `dao-acme-v${version}`,
  version,
  txId: `tx${version}`,
  transfer: {
    transferId: 't1',
    from: 'AVspMSP',
    to: 'BVspMSP',
    group: 'J1',
    level: 1,
    role: 'VSP',
    weight: 1,
    ownershipPpm: 100_000,
    recipientWasMember: true,
    status: 'offered',
    offeredAtMs: 10,
    consents: ['AVspMSP'],
    consentedPpm: 100_000,
    activeOwnershipPpm: 1_000_000,
    foundingMissing: ['DspMSP'],
    consented: false,
    ...over,
  },
});
const answer = (...channels: unknown[]) => ({ daoId: 'acme', transferId: 't1', channels });

describe("the member bridge's transfer answers", () => {
  it('keeps what the page shows of each channel: parties, status, consents with their ownership, the acceptance, the step’s transaction', () => {
    const t = parseTransfer(answer(onChannel(1), { ...onChannel(2, { acceptedAtMs: 20 }), txId: undefined }));
    expect(t.channels).toEqual([
      { channel: 'dao-acme-v1', version: 1, txId: 'tx1', transferId: 't1', from: 'AVspMSP', to: 'BVspMSP', status: 'offered', group: 'J1', ownershipPpm: 100_000, consents: ['AVspMSP'], offeredAtMs: 10, consentedPpm: 100_000, activeOwnershipPpm: 1_000_000, foundingMissing: ['DspMSP'], consented: false },
      { channel: 'dao-acme-v2', version: 2, transferId: 't1', from: 'AVspMSP', to: 'BVspMSP', status: 'offered', group: 'J1', ownershipPpm: 100_000, consents: ['AVspMSP'], offeredAtMs: 10, acceptedAtMs: 20, consentedPpm: 100_000, activeOwnershipPpm: 1_000_000, foundingMissing: ['DspMSP'], consented: false },
    ]);
  });

  it('refuses an answer without a field it shows (an error on the page, not a cast)', () => {
    for (const bad of [
      answer(),
      { ...answer(onChannel(1)), daoId: undefined },
      answer(onChannel(1, { consents: 'AVspMSP' })),
      answer(onChannel(1, { consentedPpm: '100000' })),
      answer(onChannel(1, { consented: 'no' })),
      answer({ ...onChannel(1), transfer: undefined }),
      [onChannel(1)],
    ]) {
      expect(() => parseTransfer(bad)).toThrow(ApiError);
    }
  });

  it('offers each member only the step the chaincode lets it take: the recipient accepts, another active member consents, once', () => {
    const open = parseTransfer(answer(onChannel(1)));
    expect(stepFor(open, 'BVspMSP', true)).toBe('accept');
    expect(stepFor(open, 'DspMSP', true)).toBe('consent');
    expect(stepFor(open, 'DspMSP', false)).toBeUndefined();
    expect(stepFor(open, 'AVspMSP', true)).toBeUndefined();
    expect(stepFor(parseTransfer(answer(onChannel(1, { acceptedAtMs: 5 }))), 'BVspMSP', true)).toBeUndefined();
    expect(stepFor(parseTransfer(answer(onChannel(1, { consents: ['AVspMSP', 'DspMSP'] }))), 'DspMSP', true)).toBeUndefined();
    // Consented on one channel of the position but not yet on another: still to do there.
    expect(stepFor(parseTransfer(answer(onChannel(1, { consents: ['AVspMSP', 'DspMSP'] }), onChannel(2))), 'DspMSP', true)).toBe('consent');
    expect(stepFor(parseTransfer(answer(onChannel(1, { status: 'completed' }))), 'DspMSP', true)).toBeUndefined();
  });

  it('names the field of a bad recipient or transfer id before anything is sent', () => {
    expect(recipientOf(' BVspMSP ', 'AVspMSP')).toBe('BVspMSP');
    expect(() => recipientOf('bvsp', 'AVspMSP')).toThrow(/^Recipient: an MSP id/);
    expect(() => recipientOf('AVspMSP', 'AVspMSP')).toThrow(/^Recipient: another organisation/);
    expect(transferIdOf(' xfer-1 ')).toBe('xfer-1');
    expect(() => transferIdOf('no such')).toThrow(/^Transfer id:/);
  });
});
