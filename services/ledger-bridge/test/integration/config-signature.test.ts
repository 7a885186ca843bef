import { DAO, MARKETPLACE_CHANNEL, type AgreementReached } from '@datawell/contracts';
import { channelConfig, channelOrganisations, committedDefinition, joinOwnPeer, memberFabric, ownPeerHeight, proposeConfigChange, proposeOrgAddition, readMspPackage } from '@datawell/stack';
import { agreementFor, integrationPool, testStackContext } from '@datawell/testing';
import { AdminError } from '../../src/admin/admin.errors';
import { formDomainDao, hex, startMemberBridge, waitFor, type DomainDao, type MemberBridge } from './harness';

jest.setTimeout(900_000);

/*
 * A member's bridge signs a transfer's seat only after its own check, on the real network with every
 * organisation in its own trust domain: DAO `cs<run>` (D = CsDsp, J1 = CsVsp) formed as `./dev up`
 * forms one, and a newcomer CsNew registered on marketplace. CsVsp offers its position to CsNew and
 * CsDsp consents (the join consent rule then holds). The seat proposed from CsNew's public MSP
 * package is signed by each member's bridge (the positive control: the package's group is the one
 * marketplace records); the same addition with CsNew's CA swapped for another, or with the channel's
 * Admins policy turned into ANY member besides, is refused (422 CONFIG_UPDATE_REFUSED naming what
 * differs) and signed by no one; the channel is unchanged. Then the seat is signed for real (the last
 * signer's bridge submits it), CsNew's own admin joins its peer, and the dao chaincode's collection
 * follows through the three bridges: each approves the next definition as its own admin from what
 * its own peer shows (CsNew's before its bridge relays the channel), a commit asked before every
 * approval is refused (409 COLLECTION_NOT_APPROVED naming those missing), and the last bridge commits:
 * the committed collection then has CsNew.
 */
const DSP = integrationPool().dsp;
const VSP = integrationPool().vsps[0];
const NEW = integrationPool().vsps[1];
const run = hex(4);
const agreement = agreementFor({ daoId: `cs${run}`, dsp: DSP, vsps: [VSP], betasPpm: [600_000] }, 1) as AgreementReached['agreement'];
const TRANSFER = `cs-${run}`;

type Groups = { channel_group: { groups: { Application: { groups: Record<string, { values: { MSP: { value: { config: { root_certs: string[] } } } } }>; policies: Record<string, { policy: { value: { rule: string } } }> } } } };

describe("a member's bridge signs a seat's config update only after its own check, on the real network", () => {
  let dao: DomainDao;
  const ctx = testStackContext();

  beforeAll(async () => {
    dao = await formDomainDao({ prefix: 'cs', agreement, participants: [{ mspId: NEW, role: 'VSP' }] });
    const submit = (mspId: string, call: ReturnType<typeof DAO.invocation>) => dao.members[mspId]!.bridge.memberLedger!.submit(dao.channel, call.chaincode, call.transaction, call.arguments);
    await submit(VSP, DAO.invocation(DAO.tx.OfferTransfer, { transferId: TRANSFER, to: NEW }));
    await submit(DSP, DAO.invocation(DAO.tx.ConsentTransfer, TRANSFER));
  }, 900_000);

  let newcomer: MemberBridge | undefined;

  afterAll(async () => {
    await newcomer?.bridge.stop().catch(() => undefined);
    await newcomer?.db.drop().catch(() => undefined);
    await dao?.close();
  });

  const sign = (mspId: string, envelope: Buffer, transferId = TRANSFER) => dao.members[mspId]!.bridge.configSignatures!.sign(dao.daoId, 1, { transferId, envelope: envelope.toString('base64') });
  const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as { code: string; message: string; status?: number });

  it("signs the seat built from the newcomer's public MSP package: each member's admin, in turn", async () => {
    const dsp = memberFabric(ctx, DSP);
    const envelope = await proposeOrgAddition(dsp, dao.channel, readMspPackage(ctx, NEW));
    const first = await sign(DSP, envelope);
    expect(first).toMatchObject({ channel: dao.channel, transferId: TRANSFER, change: { kind: 'seat', mspId: NEW }, signedBy: DSP });
    const second = await sign(VSP, Buffer.from(first.envelope, 'base64'));
    expect(second).toMatchObject({ change: { kind: 'seat', mspId: NEW }, signedBy: VSP });
    expect(Buffer.from(second.envelope, 'base64').length).toBeGreaterThan(Buffer.from(first.envelope, 'base64').length);
    // An unknown transfer is 404, whatever the update.
    expect(await refusal(sign(DSP, envelope, 'cs-unknown'))).toMatchObject({ code: 'TRANSFER_NOT_FOUND' });
  });

  it("refuses the newcomer with another CA, or with the channel's Admins policy changed besides, and signs nothing: the channel is unchanged", async () => {
    const dsp = memberFabric(ctx, DSP);
    const recorded = structuredClone((await channelConfig(dsp, MARKETPLACE_CHANNEL)).channel_group.groups.Application.groups[NEW]) as Record<string, unknown>;
    const withNewcomer = (config: Groups, group: unknown) => void (config.channel_group.groups.Application.groups[NEW] = group as never);
    const otherCa = await proposeConfigChange(dsp, dao.channel, (config) => {
      const group = structuredClone(recorded) as Groups['channel_group']['groups']['Application']['groups'][string];
      // The DSP's own root certificate in place of the newcomer's: an MSP the newcomer does not control.
      group.values.MSP.value.config.root_certs = (config as unknown as Groups).channel_group.groups.Application.groups[DSP]!.values.MSP.value.config.root_certs;
      withNewcomer(config as unknown as Groups, group);
    });
    const policy = await proposeConfigChange(dsp, dao.channel, (config) => {
      withNewcomer(config as unknown as Groups, structuredClone(recorded));
      (config as unknown as Groups).channel_group.groups.Application.policies['Admins']!.policy.value.rule = 'ANY';
    });
    for (const mspId of [DSP, VSP]) {
      expect(await refusal(sign(mspId, otherCa))).toMatchObject({ code: 'CONFIG_UPDATE_REFUSED', status: 422, message: expect.stringContaining(`changes the value MSP of Channel/Application/${NEW}`) });
      expect(await refusal(sign(mspId, policy))).toMatchObject({ code: 'CONFIG_UPDATE_REFUSED', status: 422, message: expect.stringContaining('changes the policy Admins of Channel/Application') });
    }
    expect(await refusal(sign(DSP, Buffer.from('not an envelope')))).toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
    expect(await channelOrganisations(dsp, dao.channel)).toEqual([DSP, VSP].sort());
    expect((await channelConfig(dsp, dao.channel) as unknown as Groups).channel_group.groups.Application.policies['Admins']!.policy.value.rule).toBe('MAJORITY');
  });

  it("seats the newcomer for real, and the dao chaincode's collection follows through the three members' own bridges", async () => {
    const dsp = memberFabric(ctx, DSP);
    const first = await sign(DSP, await proposeOrgAddition(dsp, dao.channel, readMspPackage(ctx, NEW)));
    // The last signer of the majority submits it as its own admin.
    await expect(dao.members[VSP]!.bridge.configSignatures!.sign(dao.daoId, 1, { transferId: TRANSFER, envelope: first.envelope, submit: true })).resolves.toMatchObject({ submitted: true, signedBy: VSP });
    await waitFor(`${NEW} on ${dao.channel}`, async () => ((await channelOrganisations(dsp, dao.channel)).includes(NEW) ? true : undefined));
    const own = memberFabric(ctx, NEW);
    await joinOwnPeer(own, dao.channel);
    const height = await ownPeerHeight(dsp, dao.channel);
    // Until its peer has the block that added its organisation, its admin is no reader there.
    await waitFor(`${NEW}'s peer to catch up`, async () => ((await ownPeerHeight(own, dao.channel).catch(() => 0)) >= height ? true : undefined), 120_000);
    newcomer = await startMemberBridge(NEW, `lb-cs-${NEW}-${run}`);
    const members = [DSP, NEW, VSP].sort();
    const before = await committedDefinition(dsp, dao.channel, DAO.chaincode);
    expect(before?.collectionMembers).toEqual([DSP, VSP].sort());
    const collections = (mspId: string) => (mspId === NEW ? newcomer!.bridge : dao.members[mspId]!.bridge).collectionRedefinitions!;
    const redefine = (mspId: string, commit?: boolean) => collections(mspId).redefine(dao.daoId, 1, commit === undefined ? {} : { commit });

    // A commit asked before the others approved: the DSP's bridge approves, and refuses to commit.
    const early = await refusal(redefine(DSP, true));
    expect(early).toMatchObject({ code: 'COLLECTION_NOT_APPROVED', status: 409, message: expect.stringContaining(`not approved yet by ${[NEW, VSP].sort().join(', ')}`) });
    expect((early as unknown as AdminError).exposedDetails()).toEqual({ missing: [NEW, VSP].sort() });
    const next = { daoId: dao.daoId, version: 1, channel: dao.channel, chaincode: DAO.chaincode, members, sequence: before!.sequence + 1 };
    await expect(redefine(VSP)).resolves.toEqual({ ...next, outcome: 'approved' });
    // The newcomer's bridge does not relay the channel yet: it approves after its own check of the channel its peer joined.
    await expect(redefine(NEW)).resolves.toEqual({ ...next, outcome: 'approved' });
    // The last one commits once its own peer shows every approval (the others' are in blocks on their way).
    const committed = await waitFor(
      `${NEW}'s bridge to commit`,
      async () =>
        redefine(NEW, true).catch((e: unknown) => {
          if ((e as { code?: string }).code === 'COLLECTION_NOT_APPROVED') return undefined;
          throw e;
        }),
      60_000,
    );
    expect(committed).toEqual({ ...next, outcome: 'committed' });
    await waitFor(`the new collection on ${DSP}'s peer`, async () => ((await committedDefinition(dsp, dao.channel, DAO.chaincode))?.sequence === next.sequence ? true : undefined));
    expect((await committedDefinition(dsp, dao.channel, DAO.chaincode))?.collectionMembers).toEqual(members);
    expect((await committedDefinition(own, dao.channel, DAO.chaincode))?.collectionMembers).toEqual(members);
    // Asked again by any member: current.
    await expect(redefine(VSP, true)).resolves.toEqual({ ...next, outcome: 'current' });
  });
});
