import 'reflect-metadata';
import type { Principal } from '@datawell/auth';
import type { MemberLedger } from '../admin/member-dao';
import { MemberDaoController } from './member-dao.controller';

const principal = (mspId: string): Principal => ({ mspId, enrollmentId: 'alice', role: 'VSP', certificateFingerprint: 'ab' });
const refusal = (text: string) => Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { code: 10, details: [{ message: `chaincode response 500, ${text}` }] });

/** A member bridge over channels where GetTransfer answers from `transfers` (channel → transfer or undefined). */
function controller(transfers: Record<string, Record<string, unknown> | undefined>, submit: (channel: string, fn: string, args: readonly string[]) => Promise<{ txId: string }> = async () => ({ txId: 'tx1' })) {
  const calls: string[] = [];
  const ledger: MemberLedger = {
    mspId: 'VspTwoMSP',
    evaluate: async (_msp, channel, _cc, fn, args) => {
      const t = transfers[channel];
      if (fn === 'GetTransfer' && (!t || t['transferId'] !== args[0])) throw refusal(`NOT_FOUND: no transfer ${args[0]}`);
      return JSON.stringify(t ?? {});
    },
    submit: async (channel, _cc, fn, args) => {
      calls.push(`${channel} ${fn} ${args.join(' ')}`);
      const answer = await submit(channel, fn, args);
      transfers[channel] = { transferId: fn === 'OfferTransfer' ? JSON.parse(args[0]!).transferId : args[0], from: 'VspTwoMSP', to: 'NewMSP', status: 'offered', consents: ['VspTwoMSP'] };
      return answer;
    },
    channels: async () => ['marketplace', 'dao-acme-v3', 'dao-acme-v2', 'dao-other-v1'],
  };
  return { calls, c: new MemberDaoController(ledger) };
}

describe("a member bridge's transfers of rights", () => {
  it("offers the position on every channel of the DAO the member's peer has joined, lowest first, and skips those that record the same offer", async () => {
    const { calls, c } = controller({ 'dao-acme-v2': { transferId: 't1', from: 'VspTwoMSP', to: 'NewMSP', status: 'offered' } });
    const answer = await c.offerTransfer(principal('VspTwoMSP'), 'acme', { transferId: 't1', to: 'NewMSP' });
    expect(calls).toEqual(['dao-acme-v3 OfferTransfer {"transferId":"t1","to":"NewMSP"}']);
    expect(answer.channels.map((ch) => [ch.channel, ch.txId])).toEqual([['dao-acme-v2', undefined], ['dao-acme-v3', 'tx1']]);
  });

  it('maps the chaincode\'s named refusals to stable codes and refuses bad input before the ledger', async () => {
    const { calls, c } = controller({}, async () => {
      throw refusal('CONFLICT: RECIPIENT_AT_OTHER_LEVEL: VspOneMSP holds a position in group J1');
    });
    await expect(c.offerTransfer(principal('VspTwoMSP'), 'acme', { to: 'VspOneMSP' })).rejects.toMatchObject({ code: 'RECIPIENT_AT_OTHER_LEVEL', kind: 'conflict' });
    await expect(c.offerTransfer(principal('VspTwoMSP'), 'acme', { to: 'nope' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.offerTransfer(principal('VspTwoMSP'), 'acme', { to: 'NewMSP', extra: 1 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(c.offerTransfer(principal('VspTwoMSP'), 'nodao', { to: 'NewMSP' })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(c.offerTransfer(principal('OtherMSP'), 'acme', { to: 'NewMSP' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^dao-acme-v2 OfferTransfer \{"transferId":"xfer-[0-9a-f-]{36}","to":"VspOneMSP"\}$/);
  });

  it('consents and accepts where the transfer is recorded, and says TRANSFER_NOT_FOUND where it is nowhere', async () => {
    const open = { transferId: 't1', from: 'VspTwoMSP', to: 'NewMSP', status: 'offered', consents: ['VspTwoMSP'] };
    const { calls, c } = controller({ 'dao-acme-v3': open });
    await c.consentTransfer(principal('VspTwoMSP'), 'acme', 't1');
    expect(calls).toEqual([]); // the leaver's offer is its consent: nothing to do
    await c.acceptTransfer(principal('VspTwoMSP'), 'acme', 't1');
    expect(calls).toEqual(['dao-acme-v3 AcceptTransfer t1']);
    await expect(c.consentTransfer(principal('VspTwoMSP'), 'acme', 'other')).rejects.toMatchObject({ code: 'TRANSFER_NOT_FOUND', kind: 'notFound' });
    await expect(c.transfer(principal('VspTwoMSP'), 'acme', 'bad id!')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });
});

describe("a newcomer's bridge while its peer still fetches the DAO's private data", () => {
  const pending = () => new Error('2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, GET_STATE failed: transaction ID: ab: private data matching public hash version is not available. Public hash version = {BlockNum: 5, TxNum: 0}, Private data version = <nil>');
  const open = { transferId: 't1', from: 'VspTwoMSP', to: 'NewMSP', status: 'offered', consents: ['VspTwoMSP', 'DspMSP'] };

  it('reads and accepts once the peer has the data, asking again meanwhile, and submits the acceptance once', async () => {
    let pendingReads = 2;
    let pendingEndorsements = 1;
    const submitted: string[] = [];
    const ledger: MemberLedger = {
      mspId: 'NewMSP',
      evaluate: async (_msp, channel, _cc, fn, args) => {
        if (channel !== 'dao-acme-v2' || fn !== 'GetTransfer' || args[0] !== 't1') throw refusal(`NOT_FOUND: no transfer ${args[0]}`);
        if (pendingReads-- > 0) throw pending();
        return JSON.stringify(submitted.length ? { ...open, status: 'accepted' } : open);
      },
      submit: async (channel, _cc, fn, args) => {
        if (pendingEndorsements-- > 0) throw Object.assign(new Error('10 ABORTED: failed to endorse transaction'), { details: [{ message: pending().message }] });
        submitted.push(`${channel} ${fn} ${args.join(' ')}`);
        return { txId: 'tx9' };
      },
      channels: async () => ['dao-acme-v2'],
    };
    const answer = await new MemberDaoController(ledger).acceptTransfer(principal('NewMSP'), 'acme', 't1');
    expect(submitted).toEqual(['dao-acme-v2 AcceptTransfer t1']);
    expect(answer.channels).toEqual([{ channel: 'dao-acme-v2', version: 2, txId: 'tx9', transfer: { ...open, status: 'accepted' } }]);
    expect(pendingReads).toBeLessThan(0);
    expect(pendingEndorsements).toBeLessThan(0);
  });

  it('says LEDGER_UNAVAILABLE (try again) when the data has not come within the wait, and submits nothing', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const submitted: string[] = [];
      const ledger: MemberLedger = {
        mspId: 'NewMSP',
        evaluate: async () => {
          throw pending();
        },
        submit: async (channel, _cc, fn) => {
          submitted.push(`${channel} ${fn}`);
          return { txId: 'tx' };
        },
        channels: async () => ['dao-acme-v2'],
      };
      const answer = new MemberDaoController(ledger).acceptTransfer(principal('NewMSP'), 'acme', 't1');
      const settled = expect(answer).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', message: expect.stringContaining('still fetching the DAO\'s private data on dao-acme-v2') });
      await jest.advanceTimersByTimeAsync(31_000);
      await settled;
      expect(submitted).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("a member bridge's seat on a channel it was added to by a transfer", () => {
  it('relays a channel its peer reads, once, and refuses one it cannot read', async () => {
    const relayed: string[] = [];
    const known = ['dao-acme-v1'];
    const ledger: MemberLedger = {
      mspId: 'NewMSP',
      evaluate: async (_msp, channel) => {
        if (channel === 'dao-acme-v3') throw Object.assign(new Error('access denied: channel [dao-acme-v3] creator org unknown'), { code: 7 });
        if (channel === 'dao-acme-v4') throw refusal('FORBIDDEN: NewMSP is not a member of this DAO version and may not read this DAO version');
        if (channel === 'dao-acme-v5') throw new Error('2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, GET_STATE failed: transaction ID: ab: private data matching public hash version is not available. Public hash version = {BlockNum: 5, TxNum: 0}, Private data version = <nil>');
        return '{}';
      },
      submit: async () => ({ txId: 'tx' }),
      channels: async () => known,
      relay: async (channel) => void relayed.push(channel),
    };
    const c = new MemberDaoController(ledger);
    await expect(c.seat(principal('NewMSP'), 'acme', '2')).resolves.toEqual({ daoId: 'acme', version: 2, channel: 'dao-acme-v2', relayed: true });
    await expect(c.seat(principal('NewMSP'), 'acme', '1')).resolves.toMatchObject({ relayed: false });
    await expect(c.seat(principal('NewMSP'), 'acme', '3')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    // Seated but not a member until it accepts: the chaincode's refusal shows its peer is on the channel.
    await expect(c.seat(principal('NewMSP'), 'acme', '4')).resolves.toMatchObject({ channel: 'dao-acme-v4', relayed: true });
    // Its peer still reconciling the DAO's private data from before its organisation joined the collection: on the channel too.
    await expect(c.seat(principal('NewMSP'), 'acme', '5')).resolves.toMatchObject({ channel: 'dao-acme-v5', relayed: true });
    await expect(c.seat(principal('OtherMSP'), 'acme', '2')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(relayed).toEqual(['dao-acme-v2', 'dao-acme-v4', 'dao-acme-v5']);
  });
});
