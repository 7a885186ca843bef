import { DSP, OUTSIDER, START_MS, TERMS, VSP1, VSP2A, VSP2B, initialised, json, registry } from '../fixtures.spec-helper';
import { termsAfterTransfer } from './transfer';

const s = JSON.stringify;
const NEWCOMER = 'OtherMSP';

describe('DaoContract transfer of rights', () => {
  it('moves a whole position to a newcomer once it accepted and D with an ownership majority consented; revenue then pays the newcomer', async () => {
    const { ledger, dao } = await initialised(2);
    const offered = json(await ledger.submit(VSP2A, (ctx) => dao.OfferTransfer(ctx, s({ transferId: 't1', to: NEWCOMER }))));
    expect(offered).toMatchObject({ status: 'offered', from: VSP2A, to: NEWCOMER, group: 'J2', level: 2, weight: 2, ownershipPpm: 200_000, recipientWasMember: false, consents: [VSP2A], consented: false, foundingMissing: [DSP] });
    expect(ledger.lastEvent()).toMatchObject({ name: 'TransferOffered', payload: { transferId: 't1', from: VSP2A, to: NEWCOMER } });
    // The newcomer accepts first (as its own identity): D has not consented yet, nothing moves.
    expect(json(await ledger.submit(NEWCOMER, (ctx) => dao.AcceptTransfer(ctx, 't1')))).toMatchObject({ status: 'offered', consented: false });
    expect(ledger.lastEvent()?.name).toBe('TransferAccepted');
    // D (500 000) + VSP2A (200 000) of 1 000 000: the consent that completes the rule moves the position.
    ledger.timeMs = START_MS + 5_000;
    const done = json(await ledger.submit(DSP, (ctx) => dao.ConsentTransfer(ctx, 't1')));
    expect(done).toMatchObject({ status: 'completed', completedAtMs: START_MS + 5_000, consents: [VSP2A, DSP], consentedPpm: 700_000, consented: true });
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberTransferred', payload: { transferId: 't1', from: VSP2A, to: NEWCOMER, by: DSP, recipientWasMember: false } });
    const version = json(await ledger.evaluate(NEWCOMER, (ctx) => dao.GetVersion(ctx)));
    expect(version['members']).toEqual([DSP, VSP1, VSP2A, NEWCOMER, VSP2B]);
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP2A)))).toMatchObject({ status: 'exited', endReason: 'transfer', transferredTo: NEWCOMER });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, NEWCOMER)))).toMatchObject({ status: 'active', group: 'J2', level: 2, role: 'VSP', weight: 2, ownershipPpm: 200_000, transferredFrom: VSP2A, joinedAtMs: START_MS + 5_000 });
    // J2 gets 250 of 1000, split 2:1 as before the transfer, the leaver's part now the newcomer's.
    const allocation = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'after', amount: '1000', kind: 'use' }))));
    expect(allocation['payouts']).toEqual([{ mspId: NEWCOMER, amount: '167' }, { mspId: VSP2B, amount: '83' }]);
    // The leaver is out: it may not act, and the newcomer may.
    await expect(ledger.submit(VSP2A, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' })))).rejects.toThrow(/^FORBIDDEN: VspTwoAMSP is exited/);
    expect(json(await ledger.submit(NEWCOMER, (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' }))))).toMatchObject({ proposer: NEWCOMER });
    // Abandonment counts from the transfer, not from the version's creation.
    ledger.timeMs = START_MS + 600_000 + 1;
    expect(json(await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, NEWCOMER)))).toMatchObject({ abandoned: false, deadlineMs: START_MS + 5_000 + 600_000 });
  });

  it("hands the leaver's roles in the terms to the recipient: it receives the computations' results the leaver received", async () => {
    const { ledger, dao } = await initialised(2);
    await ledger.submit(VSP1, (ctx) => dao.OfferTransfer(ctx, s({ transferId: 't1', to: NEWCOMER })));
    await ledger.submit(DSP, (ctx) => dao.ConsentTransfer(ctx, 't1'));
    await ledger.submit(NEWCOMER, (ctx) => dao.AcceptTransfer(ctx, 't1'));
    const terms = { ...TERMS, computations: [{ name: 'mean', resultRecipients: [DSP, NEWCOMER] }] };
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberTransferred', payload: { from: VSP1, to: NEWCOMER, terms } });
    expect(json(await ledger.evaluate(NEWCOMER, (ctx) => dao.GetVersion(ctx)))['terms']).toEqual(terms);
  });

  it('names a recipient once in the terms after the transfer, and leaves terms that do not name the leaver as they are', () => {
    const named = { ...TERMS, computations: [{ name: 'mean', resultRecipients: [DSP, VSP2A, VSP2B] }, { name: 'sum', resultRecipients: [VSP1] }], revenueRecorders: [VSP2A, DSP] };
    expect(termsAfterTransfer(named as never, VSP2A, VSP2B)).toEqual({ ...named, computations: [{ name: 'mean', resultRecipients: [DSP, VSP2B] }, { name: 'sum', resultRecipients: [VSP1] }], revenueRecorders: [VSP2B, DSP] });
    expect(termsAfterTransfer(TERMS as never, VSP2A, NEWCOMER)).toEqual(TERMS);
  });

  it('merges an internal transfer into the recipient\'s position in the same group', async () => {
    const { ledger, dao } = await initialised(2);
    await ledger.submit(VSP2B, (ctx) => dao.OfferTransfer(ctx, s({ transferId: 't2', to: VSP2A })));
    await ledger.submit(DSP, (ctx) => dao.ConsentTransfer(ctx, 't2'));
    // D 500 000 + VSP2B 100 000 = 600 000 > half: consented; the recipient's acceptance completes it.
    const done = json(await ledger.submit(VSP2A, (ctx) => dao.AcceptTransfer(ctx, 't2')));
    expect(done).toMatchObject({ status: 'completed', recipientWasMember: true });
    expect(ledger.lastEvent()).toMatchObject({ name: 'MemberTransferred', payload: { by: VSP2A, recipientWasMember: true } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP2A)))).toMatchObject({ status: 'active', weight: 3, ownershipPpm: 300_000 });
    const allocation = json(await ledger.submit(DSP, (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '1000', kind: 'use' }))));
    expect(allocation['payouts']).toEqual([{ mspId: VSP2A, amount: '250' }]);
  });

  it('needs the founding group and a majority of the active ownership', async () => {
    const { ledger, dao } = await initialised(2);
    await ledger.submit(VSP2B, (ctx) => dao.OfferTransfer(ctx, s({ transferId: 't3', to: NEWCOMER })));
    await ledger.submit(NEWCOMER, (ctx) => dao.AcceptTransfer(ctx, 't3'));
    // VSP1 + VSP2A + VSP2B hold 500 000 of 1 000 000, and D has not consented: still open.
    await ledger.submit(VSP1, (ctx) => dao.ConsentTransfer(ctx, 't3'));
    expect(json(await ledger.submit(VSP2A, (ctx) => dao.ConsentTransfer(ctx, 't3')))).toMatchObject({ status: 'offered', consentedPpm: 500_000, foundingMissing: [DSP], consented: false });
    await expect(ledger.submit(VSP2A, (ctx) => dao.ConsentTransfer(ctx, 't3'))).rejects.toThrow(/^CONFLICT: ALREADY_CONSENTED: /);
    expect(json(await ledger.submit(DSP, (ctx) => dao.ConsentTransfer(ctx, 't3')))).toMatchObject({ status: 'completed' });
    await expect(ledger.submit(VSP1, (ctx) => dao.ConsentTransfer(ctx, 't3'))).rejects.toThrow(/^CONFLICT: TRANSFER_DECIDED: /);
    await expect(ledger.submit(NEWCOMER, (ctx) => dao.AcceptTransfer(ctx, 't3'))).rejects.toThrow(/^CONFLICT: TRANSFER_DECIDED: /);
  });

  it('refuses bad offers with named refusals', async () => {
    const { ledger, dao } = await initialised(2);
    const offer = (from: string, transferId: string, to: string) => ledger.submit(from, (ctx) => dao.OfferTransfer(ctx, s({ transferId, to })));
    await expect(offer(VSP2A, 'a', VSP2A)).rejects.toThrow(/^CONFLICT: SELF_TRANSFER: /);
    await expect(offer(VSP2A, 'a', VSP1)).rejects.toThrow(/^CONFLICT: RECIPIENT_AT_OTHER_LEVEL: VspOneMSP holds a position in group J1/);
    await expect(offer(VSP2A, 'a', 'UnknownMSP')).rejects.toThrow(/^NOT_FOUND: RECIPIENT_NOT_PARTICIPANT: /);
    await expect(offer(DSP, 'a', NEWCOMER)).rejects.toThrow(/^CONFLICT: ROLE_MISMATCH: OtherMSP is registered as a VSP/);
    await expect(offer(OUTSIDER, 'a', NEWCOMER)).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member/);
    await expect(ledger.submit(VSP2A, (ctx) => dao.OfferTransfer(ctx, s({ transferId: 'a', to: 'not an msp' })))).rejects.toThrow(/^INVALID_ARGUMENT: /);
    await offer(VSP2A, 'a', NEWCOMER);
    await expect(offer(VSP2A, 'a', NEWCOMER)).rejects.toThrow(/^CONFLICT: TRANSFER_EXISTS: /);
    await expect(offer(VSP2A, 'b', VSP2B)).rejects.toThrow(/^CONFLICT: TRANSFER_PENDING: /);
    // Only the recipient accepts; the recipient does not consent; strangers do not learn of it.
    await expect(ledger.submit(VSP2B, (ctx) => dao.AcceptTransfer(ctx, 'a'))).rejects.toThrow(/^FORBIDDEN: NOT_TRANSFER_RECIPIENT: /);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.AcceptTransfer(ctx, 'a'))).rejects.toThrow(/^NOT_FOUND: no transfer a/);
    await expect(ledger.evaluate(OUTSIDER, (ctx) => dao.GetTransfer(ctx, 'a'))).rejects.toThrow(/^NOT_FOUND: no transfer a/);
    expect(json(await ledger.evaluate(NEWCOMER, (ctx) => dao.GetTransfer(ctx, 'a')))).toMatchObject({ transferId: 'a', status: 'offered' });
    await expect(ledger.submit(DSP, (ctx) => dao.ConsentTransfer(ctx, 'nope'))).rejects.toThrow(/^NOT_FOUND: no transfer nope/);
    // A member who gave notice of exit, or who has left, has no position to give or take.
    await ledger.submit(VSP1, (ctx) => dao.RequestExit(ctx));
    await expect(offer(VSP1, 'c', NEWCOMER)).rejects.toThrow(/^CONFLICT: EXIT_ALREADY_REQUESTED: /);
    ledger.timeMs = START_MS + 700_000;
    await ledger.submit(DSP, (ctx) => dao.EvaluateAbandonment(ctx, VSP2B));
    await expect(offer(VSP2B, 'd', NEWCOMER)).rejects.toThrow(/^FORBIDDEN: VspTwoBMSP is abandoned/);
  });

  it('refuses a newcomer the marketplace does not list as active', async () => {
    const { ledger, dao } = await initialised(1);
    ledger.link('marketplace', registry({ [NEWCOMER]: undefined }).ledger, registry({ [NEWCOMER]: undefined }).contract);
    await expect(ledger.submit(VSP1, (ctx) => dao.OfferTransfer(ctx, s({ transferId: 'x', to: NEWCOMER })))).rejects.toThrow(/^NOT_FOUND: RECIPIENT_NOT_PARTICIPANT: /);
  });
});
