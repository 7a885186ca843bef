import { DAO, type AgreementReached } from '@datawell/contracts';
import { memberFabric, proposeConfigChange, signConfigUpdate, submitConfigUpdate } from '@datawell/stack';
import { agreementFor, integrationPool, testStackContext } from '@datawell/testing';
import { formDomainDao, hex, waitFor, type DomainDao } from './harness';

jest.setTimeout(900_000);

/*
 * A member's bridge looks again at its DAO channels' config after it joined (ChannelConfigWatch), on
 * the real network with both members in their own trust domains: DAO `cw<run>` (D = CwDsp, J1 =
 * CwVsp) formed as `./dev up` forms one. Both members' bridges sign a proposal on the channel (the
 * positive control). Then a config update signed by a majority of the channel's admins (here both:
 * Fabric's MAJORITY of two), each by its own admin in its own domain, turns the channel's Admins
 * policy from a majority of the members into ANY one of them: from then on any single member could
 * change the channel alone, which the checks at join refuse. Each bridge's next look holds the
 * channel refused: it signs nothing more there (CHANNEL_REFUSED) and still reads it.
 */
const DSP = integrationPool().dsp;
const VSP = integrationPool().vsps[0];
const run = hex(4);
const agreement = agreementFor({ daoId: `cw${run}`, dsp: DSP, vsps: [VSP], betasPpm: [600_000] }, 1) as AgreementReached['agreement'];

describe("a member bridge's second look at its DAO channel's config, on the real network", () => {
  let dao: DomainDao;
  const proposal = (mspId: string, n: number) => [JSON.stringify({ proposalId: `cw-${mspId}-${n}-${run}`, kind: 'dissolve', description: 'a write on the channel' })];
  const submitAs = (mspId: string, n: number) => dao.members[mspId]!.bridge.memberLedger!.submit(dao.channel, DAO.chaincode, DAO.tx.CreateProposal, proposal(mspId, n));

  beforeAll(async () => {
    dao = await formDomainDao({ prefix: 'cw', agreement, memberOptions: { channelConfigCheckIntervalMs: 2000 } });
  }, 900_000);

  afterAll(async () => {
    await dao?.close();
  });

  it('holds the channel refused for writes once a majority turned its Admins policy into ANY member; reads go on', async () => {
    // The positive control: each member signs on the channel as it was formed (its config passed every look so far).
    for (const mspId of [DSP, VSP]) await expect(submitAs(mspId, 1)).resolves.toMatchObject({ txId: expect.any(String) });

    const ctx = testStackContext();
    const [dsp, vsp] = [memberFabric(ctx, DSP), memberFabric(ctx, VSP)];
    const envelope = await proposeConfigChange(dsp, dao.channel, (config) => {
      const admins = (config as { channel_group: { groups: { Application: { policies: Record<string, { policy: { value: { rule: string } } }> } } } }).channel_group.groups.Application.policies['Admins']!;
      expect(admins.policy.value.rule).toBe('MAJORITY');
      admins.policy.value.rule = 'ANY';
    });
    await submitConfigUpdate(dsp, dao.channel, await signConfigUpdate(vsp, envelope));

    let attempt = 1;
    for (const mspId of [DSP, VSP]) {
      let other: unknown;
      const refused = await waitFor(
        `${mspId}'s bridge to refuse writes on ${dao.channel}`,
        async () => {
          try {
            // A new proposal each time: a write that still went through before the bridge's next look leaves no conflict behind.
            await submitAs(mspId, ++attempt);
            return undefined;
          } catch (error) {
            if ((error as { code?: string }).code === 'CHANNEL_REFUSED') return error as { code: string; message: string };
            other = error; // e.g. the peer catching up with the config block: the next attempt says
            return undefined;
          }
        },
        120_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the last other refusal: ${String(other)}`);
      });
      expect(refused).toMatchObject({ code: 'CHANNEL_REFUSED', message: expect.stringContaining(`${dao.channel}'s Admins policy is not a majority of its organisations' Admins`) });
      const version = JSON.parse(await dao.members[mspId]!.bridge.memberLedger!.evaluate(mspId, dao.channel, DAO.chaincode, DAO.tx.GetVersion, [])) as { daoId: string };
      expect(version.daoId).toBe(dao.daoId);
    }
  });
});
