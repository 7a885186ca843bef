import { StackError } from '../errors';
import { askBridge, collectionBridge, type CollectionAnswer, type CollectionRequest } from './seats';

/* How the tooling asks the domains' bridges about the dao chaincode's collection (no I/O: the bridges are a callback). */

const CHANNEL = 'dao-acme-v2';
const MEMBERS = ['DspMSP', 'NewMSP', 'VspMSP'];

describe("the tooling asks the domains' own bridges about the dao chaincode's new collection", () => {
  it('asks each bridge with the DAO and version of the channel, commit only when asked', async () => {
    const asked: Array<[string, CollectionRequest]> = [];
    const bridge = collectionBridge(CHANNEL, 'dao', ['DspMSP'], { transferId: 't1', signer: async () => Buffer.alloc(0), collection: async (mspId, request) => (asked.push([mspId, request]), { outcome: 'approved', members: MEMBERS, sequence: 2 }) });
    await bridge('DspMSP', false);
    await bridge('VspMSP', true);
    expect(asked).toEqual([
      ['DspMSP', { channel: CHANNEL, daoId: 'acme', version: 2 }],
      ['VspMSP', { channel: CHANNEL, daoId: 'acme', version: 2, commit: true }],
    ]);
  });

  it('refuses rather than approving for a domain with the tooling: no callback, a channel or chaincode no bridge approves', () => {
    const signer = async () => Buffer.alloc(0);
    expect(() => collectionBridge(CHANNEL, 'dao', ['DspMSP', 'VspMSP'], { transferId: 't1', signer })).toThrow(new StackError('BAD_SETTING', 'DspMSP, VspMSP are held by their own domain: the new collection of dao on dao-acme-v2 is approved only through their own bridge (give the collection approver)', 'fabric'));
    expect(() => collectionBridge(CHANNEL, 'dao', ['DspMSP'], undefined)).toThrow(/DspMSP is held by its own domain/);
    const collection = async (): Promise<CollectionAnswer> => ({ outcome: 'current', members: MEMBERS, sequence: 1 });
    expect(() => collectionBridge('marketplace', 'dao', ['DspMSP'], { transferId: 't1', signer, collection })).toThrow(/marketplace is not a DAO channel/);
    expect(() => collectionBridge(CHANNEL, 'daocc', ['DspMSP'], { transferId: 't1', signer, collection })).toThrow(/approve the collection of the dao chaincode only/);
  });

  it('asks the last bridge again while its peer does not show every approval, and stops once it committed', async () => {
    const answers: CollectionAnswer[] = [{ outcome: 'not-approved', missing: ['NewMSP'] }, { outcome: 'committed', members: MEMBERS, sequence: 2 }];
    let calls = 0;
    await askBridge(async () => answers[calls++]!, 'VspMSP', CHANNEL, MEMBERS, 2, true);
    expect(calls).toBe(2);
  });

  it('gives up with what the bridge answered: approvals missing, other organisations, an older sequence', async () => {
    const ask = (answer: CollectionAnswer) => askBridge(async () => answer, 'VspMSP', CHANNEL, MEMBERS, 2, true, 0);
    await expect(ask({ outcome: 'not-approved', missing: ['NewMSP'] })).rejects.toThrow("VspMSP's bridge would not commit the new collection on dao-acme-v2: its peer does not show the approvals of NewMSP");
    await expect(ask({ outcome: 'approved', members: ['DspMSP', 'VspMSP'], sequence: 2 })).rejects.toThrow(/its peer shows the channel's organisations as DspMSP, VspMSP, not DspMSP, NewMSP, VspMSP/);
    await expect(ask({ outcome: 'current', members: MEMBERS, sequence: 1 })).rejects.toThrow(/its peer shows the definition at sequence 1, not 2/);
    await expect(ask({ outcome: 'current', members: MEMBERS, sequence: 2 })).resolves.toBeUndefined();
  });
});
