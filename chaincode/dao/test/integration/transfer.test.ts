import { randomBytes } from 'node:crypto';
import { submitTransaction, type GatewayConnection } from '@datawell/fabric';
import { channelAdmin, channelOrganisations, enrollClientIdentity, seatOnChannel, unseatFromChannel, type EnrolledIdentity } from '@datawell/stack';
import { acceptancesOf, connectAs, deployTestChaincode, evaluate, eventOf, failure, registerParticipants, submit, testStackContext, twoVersionAgreements, waitFor } from '@datawell/testing';

jest.setTimeout(1_200_000);

/*
 * A transfer of rights on the real network: VSP2 (J2, in CH_2 only) hands its position to a
 * newcomer. The offer, the consent and the acceptance are each submitted by that organisation's own
 * identity through its own peer; the newcomer's organisation is added to CH_2 (and not CH_1) by a
 * config update a majority of CH_2's admins sign, each with its own admin, and the leaver's removed
 * the same way; the channels' organisations are read with Fabric's own tools (peer channel fetch
 * config + configtxlator). Revenue recorded after the transfer pays the newcomer, not the leaver.
 */
const DSP = 'ItDspMSP';
const VSP1 = 'ItVspOneMSP';
const VSP2 = 'ItVspTwoMSP';
const NEW = 'ItVspNewMSP';
const run = randomBytes(3).toString('hex');
const daoId = `itx${run}`;
const CC = 'it-transfer';
const V1 = { name: CC, channel: `dao-${daoId}-v1`, module: 'chaincode/dao' };
const V2 = { name: CC, channel: `dao-${daoId}-v2`, module: 'chaincode/dao' };
const two = twoVersionAgreements({ daoId, dsp: DSP, vsp1: VSP1, vsp2: VSP2 });
// Version 2's `mean` goes to the DSP and to VSP2: after the transfer, to the newcomer instead.
const agreements = { 1: two[1], 2: { ...two[2], terms: { ...two[2].terms, computations: [{ name: 'mean', resultRecipients: [DSP, VSP2] }] } } } as const;

describe('a transfer of rights to a newcomer on the real network', () => {
  const ctx = testStackContext();
  const ids: Record<string, EnrolledIdentity> = {};
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string, channel: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(channel);
  const tx = (msp: string, fn: string, ...args: string[]) => submit(net(msp, V2.channel), CC, fn, ...args);
  const read = async (msp: string, fn: string, ...args: string[]) => JSON.parse(await evaluate(net(msp, V2.channel), CC, fn, ...args)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The channel's organisations from its latest config block, fetched and decoded by the DSP's admin with Fabric's tools. */
  const organisations = (channel: string) => channelOrganisations(channelAdmin(ctx, DSP), channel);

  beforeAll(async () => {
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP1, role: 'VSP' }, { mspId: VSP2, role: 'VSP' }, { mspId: NEW, role: 'VSP' }]);
    await deployTestChaincode(ctx, V1, [DSP, VSP1]);
    await deployTestChaincode(ctx, V2, [DSP, VSP1, VSP2]);
    for (const msp of [DSP, VSP1, VSP2, NEW]) {
      ids[msp] = await enrollClientIdentity(ctx, msp, 'it-chaincode');
      conns[msp] = await connectAs(ctx, msp);
    }
    await submit(net(DSP, V1.channel), CC, 'InitVersion', JSON.stringify(agreements[1]), JSON.stringify(acceptancesOf(agreements[1], [ids[DSP]!, ids[VSP1]!], CC)));
    await submit(net(DSP, V2.channel), CC, 'InitVersion', JSON.stringify(agreements[2]), JSON.stringify(acceptancesOf(agreements[2], [ids[DSP]!, ids[VSP1]!, ids[VSP2]!], CC)));
    await waitFor("version 2 on VSP2's peer", async () => (await read(VSP2, 'GetVersion'))['version'] === 2, { timeoutMs: 60_000 });
  }, 1_800_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  it('refuses bad offers with named refusals, and writes nothing', async () => {
    const offer = (from: string, transferId: string, to: string) => tx(from, 'OfferTransfer', JSON.stringify({ transferId, to }));
    expect(await failure(() => offer(VSP2, 'bad', VSP2))).toMatch(/CONFLICT: SELF_TRANSFER: ItVspTwoMSP cannot transfer its position to itself/);
    expect(await failure(() => offer(VSP2, 'bad', VSP1))).toMatch(/CONFLICT: RECIPIENT_AT_OTHER_LEVEL: ItVspOneMSP holds a position in group J1/);
    // Read on the marketplace channel by the peer (a cross-channel query): nobody registered it.
    expect(await failure(() => offer(VSP2, 'bad', 'ItNobodyMSP'))).toMatch(/NOT_FOUND: RECIPIENT_NOT_PARTICIPANT: ItNobodyMSP is not an active participant/);
    expect(await failure(() => offer(DSP, 'bad', NEW))).toMatch(/CONFLICT: ROLE_MISMATCH: ItVspNewMSP is registered as a VSP/);
    expect(await failure(() => tx(VSP2, 'OfferTransfer', JSON.stringify({ transferId: 'bad', to: 'lower-case' })))).toMatch(/INVALID_ARGUMENT/);
    expect(await failure(() => read(DSP, 'GetTransfer', 'bad'))).toMatch(/NOT_FOUND: no transfer bad/);
  });

  it("moves VSP2's position to the newcomer: seated on CH_2 only by a majority of its admins, the leaver removed, later revenue paid to the newcomer, the leaver's results its", async () => {
    expect(await organisations(V1.channel)).toEqual([DSP, VSP1].sort());
    expect(await organisations(V2.channel)).toEqual([DSP, VSP1, VSP2].sort());
    // Revenue before the transfer: J2's quarter is VSP2's, and stays VSP2's.
    await tx(DSP, 'RecordRevenue', JSON.stringify({ revenueId: 'before', amount: '1000', kind: 'use' }));

    const offered = await tx(VSP2, 'OfferTransfer', JSON.stringify({ transferId: 't1', to: NEW }));
    expect(await eventOf(net(VSP2, V2.channel), CC, offered)).toMatchObject({ name: 'TransferOffered', payload: { transferId: 't1', from: VSP2, to: NEW, group: 'J2', level: 2 } });
    // D (450 000) and the leaver (250 000): the consent rule holds, but the newcomer has not accepted.
    expect(JSON.parse((await tx(DSP, 'ConsentTransfer', 't1')).result)).toMatchObject({ status: 'offered', consented: true, consentedPpm: 700_000 });
    // Not on the channel yet: Fabric itself refuses the newcomer's identity there. Its peer holds no
    // such channel, which submit takes for a passing lack of endorsers and retries for 60 s: asked once.
    await failure(() => submitTransaction(net(NEW, V2.channel), CC, 'AcceptTransfer', ['t1'], { endorseForMs: 0 }));

    await seatOnChannel(ctx, V2.channel, NEW, [CC]);
    expect(await organisations(V2.channel)).toEqual([DSP, NEW, VSP1, VSP2].sort());
    expect(await organisations(V1.channel)).toEqual([DSP, VSP1].sort());
    await waitFor("the transfer on the newcomer's peer", async () => (await read(NEW, 'GetTransfer', 't1'))['status'] === 'offered', { timeoutMs: 120_000 });
    // Only the recipient accepts.
    expect(await failure(() => tx(VSP1, 'AcceptTransfer', 't1'))).toMatch(/FORBIDDEN: NOT_TRANSFER_RECIPIENT/);
    const accepted = await tx(NEW, 'AcceptTransfer', 't1');
    expect(JSON.parse(accepted.result)).toMatchObject({ status: 'completed', from: VSP2, to: NEW });
    const newTerms = { ...agreements[2].terms, computations: [{ name: 'mean', resultRecipients: [DSP, NEW] }] };
    expect(await eventOf(net(NEW, V2.channel), CC, accepted)).toMatchObject({ name: 'MemberTransferred', payload: { transferId: 't1', from: VSP2, to: NEW, by: NEW, terms: newTerms } });
    expect((await read(NEW, 'GetVersion'))['terms']).toEqual(newTerms);

    await unseatFromChannel(ctx, V2.channel, VSP2);
    expect(await organisations(V2.channel)).toEqual([DSP, NEW, VSP1].sort());
    expect(await organisations(V1.channel)).toEqual([DSP, VSP1].sort());

    const version = await read(DSP, 'GetVersion');
    expect(version['members']).toEqual([DSP, VSP1, VSP2, NEW]);
    expect(version['memberStates'].find((m: { mspId: string }) => m.mspId === VSP2)).toMatchObject({ status: 'exited', endReason: 'transfer', transferredTo: NEW });
    expect(version['memberStates'].find((m: { mspId: string }) => m.mspId === NEW)).toMatchObject({ status: 'active', group: 'J2', level: 2, weight: 1, ownershipPpm: 250_000, transferredFrom: VSP2 });

    const after = JSON.parse((await tx(DSP, 'RecordRevenue', JSON.stringify({ revenueId: 'after', amount: '1000', kind: 'use' }))).result) as { payouts: { mspId: string; amount: string }[] };
    expect(after.payouts).toEqual([{ mspId: NEW, amount: '250' }]);
    expect(await read(NEW, 'GetEntitlement', NEW)).toMatchObject({ mspId: NEW, amount: '250' });
    expect(await read(DSP, 'GetEntitlement', VSP2)).toMatchObject({ mspId: VSP2, amount: '250' });
    // The leaver is out of the channel: Fabric refuses its identity there.
    await failure(() => tx(VSP2, 'CreateProposal', JSON.stringify({ proposalId: 'p', kind: 'dissolve' })));
  });
});
