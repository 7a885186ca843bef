import { createMemoryTransports, ProtocolViolationError } from '@datawell/mpc';
import { agreeOnOp, AgreementTimeoutError, decodeDecision, encodeDecision, refusalDecision, type PartyDecision } from './agreement';

const takesPart: PartyDecision = { takesPart: true };

describe('the agreement round before an op touches the mesh', () => {
  it("gives every party every party's decision, its own included, by party index", async () => {
    const t = createMemoryTransports(3);
    const own: PartyDecision[] = [takesPart, { takesPart: false, code: 'NOT_ALLOWED', check: 'computation-allowed' }, takesPart];
    const all = await Promise.all(t.map((tr, i) => agreeOnOp(tr, 'op-1', own[i]!, 1000)));
    for (const seen of all) expect(seen).toEqual(own);
  });

  it('leaves the channels in step: the next round and the engine traffic after it read what was sent for them', async () => {
    const t = createMemoryTransports(2);
    const first = await Promise.all([agreeOnOp(t[0]!, 'a', { takesPart: false, code: 'LEDGER_UNAVAILABLE' }, 1000), agreeOnOp(t[1]!, 'a', takesPart, 1000)]);
    expect(first[1]).toEqual([{ takesPart: false, code: 'LEDGER_UNAVAILABLE' }, takesPart]);
    const second = await Promise.all([agreeOnOp(t[0]!, 'b', takesPart, 1000), agreeOnOp(t[1]!, 'b', takesPart, 1000)]);
    expect(second).toEqual([[takesPart, takesPart], [takesPart, takesPart]]);
    t[0]!.send(1, new Uint8Array([7]));
    await expect(t[1]!.receive(0)).resolves.toEqual(new Uint8Array([7]));
  });

  it("refuses a decision on another op (a stale one, or the nodes not running the same op): a protocol violation naming the party", async () => {
    const t = createMemoryTransports(2);
    // Party 1 still has a decision on an earlier op in its channel to party 0.
    t[1]!.send(0, encodeDecision('op-0', takesPart));
    const at0 = agreeOnOp(t[0]!, 'op-1', takesPart, 1000);
    await expect(at0).rejects.toBeInstanceOf(ProtocolViolationError);
    await expect(at0).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION', party: 1, message: 'party 1 sent its decision on op op-0 while this node decided on op op-1' });
  });

  it('refuses what is not a decision, without echoing it', async () => {
    const t = createMemoryTransports(2);
    t[1]!.send(0, new Uint8Array([1, 2, 3, 4]));
    await expect(agreeOnOp(t[0]!, 'op-1', takesPart, 1000)).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION', party: 1, message: 'party 1 sent something other than its decision on the op (4 bytes)' });
    const bad = (value: unknown) => () => decodeDecision(new TextEncoder().encode(JSON.stringify(value)), 2);
    expect(bad({ agreement: 1, opId: 'x', takesPart: true, extra: 1 })).toThrow(ProtocolViolationError);
    expect(bad({ agreement: 2, opId: 'x', takesPart: true })).toThrow(ProtocolViolationError);
    expect(bad({ agreement: 1, opId: 'x', takesPart: false })).toThrow(ProtocolViolationError);
    expect(bad({ agreement: 1, opId: 'x', takesPart: false, code: 'NOT_ALLOWED', check: 'Values 4.5' })).toThrow(ProtocolViolationError);
    expect(() => decodeDecision(new Uint8Array(513).fill(32), 2)).toThrow(ProtocolViolationError);
    expect(decodeDecision(encodeDecision('x', { takesPart: false, code: 'NOT_ALLOWED', check: 'owner-active' }), 2)).toEqual({ opId: 'x', decision: { takesPart: false, code: 'NOT_ALLOWED', check: 'owner-active' } });
  });

  it('times out on a party whose decision does not come, naming it', async () => {
    const t = createMemoryTransports(3);
    // Party 2 never takes part in the round.
    const [at0, at1] = [agreeOnOp(t[0]!, 'op-1', takesPart, 50), agreeOnOp(t[1]!, 'op-1', takesPart, 5000)];
    await expect(at0).rejects.toBeInstanceOf(AgreementTimeoutError);
    await expect(at0).rejects.toMatchObject({ code: 'AGREEMENT_TIMEOUT', parties: [2], message: 'no decision on op op-1 from party 2 within 50 ms' });
    // Party 1, which waits longer, fails as soon as its channels close (the timed-out node exits).
    await t[1]!.close();
    await expect(at1).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION' });
  });

  it('fails at once when a channel closes (the peer is gone)', async () => {
    const t = createMemoryTransports(2);
    const at0 = agreeOnOp(t[0]!, 'op-1', takesPart, 60_000);
    await t[1]!.close();
    await expect(at0).rejects.toMatchObject({ code: 'PROTOCOL_VIOLATION' });
  });

  it("tells a refusal by its stable code and check only, INTERNAL for a code not in that form", () => {
    expect(refusalDecision('NOT_ALLOWED', 'requester-member')).toEqual({ takesPart: false, code: 'NOT_ALLOWED', check: 'requester-member' });
    expect(refusalDecision(undefined, undefined)).toEqual({ takesPart: false, code: 'INTERNAL' });
    expect(refusalDecision('not a code', 'Not A Check')).toEqual({ takesPart: false, code: 'INTERNAL' });
  });
});
