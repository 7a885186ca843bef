import { randomBytes } from 'node:crypto';
import type { GatewayConnection } from '@datawell/fabric';
import { enrollClientIdentity, type EnrolledIdentity } from '@datawell/stack';
import { acceptancesOf, connectAs, deployTestChaincode, evaluate, failure, registerParticipants, submit, testStackContext, testTerms, waitFor } from '@datawell/testing';

/*
 * InitVersion verifies the agreement on the real network: the peers read the signers' CA
 * certificates on the `marketplace` channel and version 1's ownership on its own channel (cross-channel
 * queries), and refuse a forged, altered or partial formation and a join without the majority of
 * version 1's ownership; the agreements every required member signed (positive controls) create the
 * versions. Each run forms a fresh DAO (the refusals need channels with no version yet), with the
 * fixed organisations of the chaincode tests registered as marketplace participants.
 */
const DSP = 'ItDspMSP';
const VSP1 = 'ItVspOneMSP';
const VSP2 = 'ItVspTwoMSP';
const run = randomBytes(3).toString('hex');
const daoId = `itc${run}`;
const V1 = { name: 'it-consent', channel: `dao-${daoId}-v1`, module: 'chaincode/dao' };
const V2 = { name: 'it-consent', channel: `dao-${daoId}-v2`, module: 'chaincode/dao' };

const terms = testTerms(DSP);
const base = { daoId, terms, infrastructure: { workloads: [{ name: 'mpc-dsp', owner: DSP, placement: 'managed', kind: 'mpc-node' }] }, documentDigest: 'cd'.repeat(32) };
// Version 1: the DSP holds a minority of the ownership (40 %), ItVspOne the majority.
const v1 = {
  ...base,
  agreementId: `itc-${run}-1`,
  version: 1,
  betaPpm: 400_000,
  members: [
    { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 400_000 },
    { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 600_000 },
  ],
};
const v2 = {
  ...base,
  agreementId: `itc-${run}-2`,
  version: 2,
  betaPpm: 750_000,
  members: [
    { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 300_000 },
    { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 450_000 },
    { mspId: VSP2, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
  ],
};

describe('InitVersion verifies the agreement on the real network', () => {
  const ctx = testStackContext();
  const ids: Record<string, EnrolledIdentity> = {};
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string, channel: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(channel);
  const init = (channel: string, agreement: unknown, acceptances: unknown) => submit(net(DSP, channel), V1.name, 'InitVersion', JSON.stringify(agreement), JSON.stringify(acceptances));
  // Submitted through the DSP's peer, which reports the commit; another member's peer may commit the block a moment later.
  const versionOn = (org: string, channel: string) =>
    waitFor(`the version on ${org}'s peer`, async () => JSON.parse(await evaluate(net(org, channel), V1.name, 'GetVersion')) as Record<string, unknown>, { timeoutMs: 30_000 });
  const signedBy = (agreement: unknown, msps: string[]) => acceptancesOf(agreement, msps.map((m) => ids[m] as EnrolledIdentity), V1.name);

  beforeAll(async () => {
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP1, role: 'VSP' }, { mspId: VSP2, role: 'VSP' }]);
    await deployTestChaincode(ctx, V1, [DSP, VSP1]);
    await deployTestChaincode(ctx, V2, [DSP, VSP1, VSP2]);
    for (const msp of [DSP, VSP1, VSP2]) {
      ids[msp] = await enrollClientIdentity(ctx, msp, 'it-chaincode');
      conns[msp] = await connectAs(ctx, msp);
    }
  }, 1_500_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  it('refuses a forged, an altered and a partial formation, and a signer of another organisation; the agreement every member signed creates version 1', async () => {
    const all = signedBy(v1, [DSP, VSP1]);
    // ItVspOne's certificate, but a signature made with the DSP's key.
    const forged = { ...all, signatures: [all.signatures[0]!, { ...all.signatures[1]!, signature: signedBy(v1, [DSP]).signatures[0]!.signature }] };
    expect(await failure(() => init(V1.channel, v1, forged))).toMatch(/FORBIDDEN: BAD_SIGNATURE: signatures\.1 \(ItVspOneMSP\/it-chaincode\): the signature does not verify over the agreement/);
    // Terms changed after both signed.
    expect(await failure(() => init(V1.channel, { ...v1, betaPpm: 900_000 }, all))).toMatch(/FORBIDDEN: BAD_SIGNATURE: signatures\.0 \(ItDspMSP\/it-chaincode\): the signature does not verify/);
    // ItVspOne did not accept.
    expect(await failure(() => init(V1.channel, v1, signedBy(v1, [DSP])))).toMatch(/FORBIDDEN: NOT_ACCEPTED: not signed by ItVspOneMSP/);
    // The DSP's identity signing as ItVspOne: its certificate is not from ItVspOne's registered CA.
    const foreign = { ...all, signatures: [all.signatures[0]!, { ...all.signatures[0]!, mspId: VSP1 }] };
    expect(await failure(() => init(V1.channel, v1, foreign))).toMatch(/FORBIDDEN: BAD_SIGNATURE: signatures\.1 \(ItVspOneMSP\/it-chaincode\): the certificate was not issued by the CA of ItVspOneMSP/);
    // None of them wrote anything; the agreement both signed creates the version.
    expect(await failure(() => evaluate(net(VSP1, V1.channel), V1.name, 'GetVersion'))).toMatch(/NOT_FOUND: no DAO version on channel/);
    await init(V1.channel, v1, all);
    expect(await versionOn(VSP1, V1.channel)).toMatchObject({ agreementId: v1.agreementId, members: [DSP, VSP1], status: 'active' });
  });

  it("refuses a join without D and one without a majority of version 1's ownership (read on its channel); with the majority it creates version 2", async () => {
    expect(await failure(() => init(V2.channel, v2, signedBy(v2, [VSP1, VSP2])))).toMatch(/FORBIDDEN: NOT_ACCEPTED: not signed by ItDspMSP/);
    // The DSP and the joiner alone hold 40 % of version 1: no majority, whatever the new agreement says.
    expect(await failure(() => init(V2.channel, v2, signedBy(v2, [DSP, VSP2])))).toMatch(/FORBIDDEN: NOT_ACCEPTED: the earlier members who signed hold 400000 of 1000000 ppm of version 1's ownership, not a majority/);
    const claimed = { ...v2, members: [{ ...v2.members[0]!, ownershipPpm: 600_000 }, { ...v2.members[1]!, ownershipPpm: 150_000 }, v2.members[2]!] };
    expect(await failure(() => init(V2.channel, claimed, signedBy(claimed, [DSP, VSP2])))).toMatch(/hold 400000 of 1000000 ppm of version 1's ownership, not a majority/);
    expect(await failure(() => evaluate(net(VSP2, V2.channel), V2.name, 'GetVersion'))).toMatch(/NOT_FOUND: no DAO version on channel/);
    await init(V2.channel, v2, signedBy(v2, [DSP, VSP1, VSP2]));
    expect(await versionOn(VSP2, V2.channel)).toMatchObject({ agreementId: v2.agreementId, members: [DSP, VSP1, VSP2], status: 'active' });
  });
});
