import { DAO, MARKETPLACE_CHANNEL, type AgreementReached } from '@datawell/contracts';
import { channelConfig, channelOrganisations, memberFabric, proposeConfigChange, proposeOrgAddition, readMspPackage } from '@datawell/stack';
import { agreementFor, testStackContext } from '@datawell/testing';
import { formDomainDao, hex, type DomainDao } from './harness';

jest.setTimeout(900_000);

/*
 * A member's bridge signs a transfer's seat only after its own check, on the real network with every
 * organisation in its own trust domain: DAO `cs<run>` (D = CsDsp, J1 = CsVsp) formed as `./dev up`
 * forms one, and a newcomer CsNew registered on marketplace. CsVsp offers its position to CsNew and
 * CsDsp consents (the join consent rule then holds). The seat proposed from CsNew's public MSP
 * package is signed by each member's bridge (the positive control: the package's group is the one
 * marketplace records); the same addition with CsNew's CA swapped for another, or with the channel's
 * Admins policy turned into ANY member besides, is refused (422 CONFIG_UPDATE_REFUSED naming what
 * differs) and signed by no one; the channel is unchanged.
 */
const DSP = 'CsDspMSP';
const VSP = 'CsVspMSP';
const NEW = 'CsNewMSP';
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

  afterAll(async () => {
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
});
