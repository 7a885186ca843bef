import type { Network } from '@hyperledger/fabric-gateway';
import { unsealEvent, type GatewayConnection } from '@datawell/fabric';
import { enrollClientIdentity } from '@datawell/stack';
import { acceptancesOf, connectAs, deployTestChaincode, evaluate, failure, registerParticipants, submit, testStackContext } from '@datawell/testing';

/*
 * Infrastructure reported in parts on the real network (trust domains): each member's own provisioner
 * reports its managed workloads as that member; the revision is provisioned once every part is in.
 * DAO `itparts` version 1 on channel dao-itparts-v1 (fixed names, like the other chaincode tests: the
 * stack is persistent, and a rerun's identical reports are retries the chaincode answers with what it
 * stored, so every assertion holds on a fresh and on a reused stack).
 */
const DSP = 'ItDspMSP';
const VSP1 = 'ItVspOneMSP';
const OUTSIDER = 'ItVspTwoMSP';
const CC = { name: 'it-dao-parts', channel: 'dao-itparts-v1', module: 'chaincode/dao' };
const DSP_DIGEST = 'd5'.repeat(32);
const VSP_DIGEST = '5e'.repeat(32);

const agreement = {
  agreementId: 'it-parts-1',
  daoId: 'itparts',
  version: 1,
  betaPpm: 600_000,
  members: [
    { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600_000 },
    { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400_000 },
  ],
  terms: { durationDays: 30, businessModel: 'pay-per-use', heartbeatIntervalSeconds: 60, abandonAfterSeconds: 86_400, exitNoticeSeconds: 0, computations: [] },
  infrastructure: {
    workloads: [
      { name: 'mpc-dsp', owner: DSP, placement: 'managed', kind: 'mpc-node' },
      { name: 'mpc-vsp', owner: VSP1, placement: 'managed', kind: 'mpc-node' },
      { name: 'own-vsp', owner: VSP1, placement: 'self-hosted', kind: 'service' },
    ],
  },
  documentDigest: 'ab'.repeat(32),
};

/** The first event of `name` on the channel's history (from block 0), or an error after 60 s. */
async function firstEvent(network: Network, name: string): Promise<Record<string, unknown>> {
  const events = await network.getChaincodeEvents(CC.name, { startBlock: 0n });
  const timer = setTimeout(() => events.close(), 60_000);
  try {
    for await (const event of events) {
      if (event.eventName === name) return JSON.parse(Buffer.from((await unsealEvent(network, event)).payload).toString('utf8')) as Record<string, unknown>;
    }
  } catch {
    // closed by the timer
  } finally {
    clearTimeout(timer);
    events.close();
  }
  throw new Error(`no ${name} event on ${CC.channel} within 60 s`);
}

describe('dao chaincode on the real network: infrastructure in parts', () => {
  const ctx = testStackContext();
  const conns: Record<string, GatewayConnection> = {};
  const net = (msp: string) => (conns[msp] as GatewayConnection).gateway.getNetwork(CC.channel);
  const report = (msp: string, tx: 'InfrastructurePartProvisioned' | 'InfrastructurePartFailed', body: unknown) => submit(net(msp), CC.name, tx, JSON.stringify(body));
  const status = async () => (JSON.parse(await evaluate(net(VSP1), CC.name, 'GetVersion')) as { infrastructureStatus: string }).infrastructureStatus;

  beforeAll(async () => {
    await registerParticipants(ctx, [{ mspId: DSP, role: 'DSP' }, { mspId: VSP1, role: 'VSP' }, { mspId: OUTSIDER, role: 'VSP' }]);
    await deployTestChaincode(ctx, CC, [DSP, VSP1, OUTSIDER]);
    for (const msp of [DSP, VSP1, OUTSIDER]) conns[msp] = await connectAs(ctx, msp);
    const identities = await Promise.all(agreement.members.map((m) => enrollClientIdentity(ctx, m.mspId, 'it-chaincode')));
    await submit(net(DSP), CC.name, 'InitVersion', JSON.stringify(agreement), JSON.stringify(acceptancesOf(agreement, identities, CC.name)));
  }, 900_000);
  afterAll(() => Object.values(conns).forEach((c) => c.close()));

  it("takes each member's own part as that member; the revision is provisioned when both are in, with the parts combined", async () => {
    // A peer of the channel whose organisation is no member of the version, and a revision that is not current.
    expect(await failure(() => report(OUTSIDER, 'InfrastructurePartProvisioned', { revision: 1, outputsDigest: DSP_DIGEST }))).toMatch(/FORBIDDEN: ItVspTwoMSP is not a member of this DAO version/);
    expect(await failure(() => report(VSP1, 'InfrastructurePartProvisioned', { revision: 2, outputsDigest: VSP_DIGEST }))).toMatch(/CONFLICT: infrastructure revision 2 is not the current one \(1\)/);

    const vsp = JSON.parse((await report(VSP1, 'InfrastructurePartProvisioned', { revision: 1, outputsDigest: VSP_DIGEST, resources: { workloads: 1 } })).result) as Record<string, unknown>;
    expect(vsp).toMatchObject({ revision: 1, mspId: VSP1, status: 'provisioned', outputsDigest: VSP_DIGEST });
    await report(DSP, 'InfrastructurePartProvisioned', { revision: 1, outputsDigest: DSP_DIGEST, resources: { workloads: 1 } });
    expect(await status()).toBe('provisioned');

    // The peers' event service: one part's event, then the version-wide event of the last part's transaction.
    expect(await firstEvent(net(VSP1), 'InfrastructurePartProvisioned')).toMatchObject({ mspId: VSP1, revision: 1, outputsDigest: VSP_DIGEST });
    const whole = await firstEvent(net(DSP), 'InfrastructureProvisioned');
    expect(whole).toMatchObject({ revision: 1, status: 'provisioned', reportedBy: DSP, parts: [DSP, VSP1], resources: { workloads: 2 } });
    expect(whole['outputsDigest']).toMatch(/^[0-9a-f]{64}$/);

    // A part is reported once: another outcome for it is refused, and so is a failure after the revision is provisioned.
    expect(await failure(() => report(VSP1, 'InfrastructurePartProvisioned', { revision: 1, outputsDigest: DSP_DIGEST }))).toMatch(/CONFLICT: ItVspOneMSP already reported its part of infrastructure revision 1 as provisioned/);
    expect(await failure(() => report(DSP, 'InfrastructurePartFailed', { revision: 1, reason: 'late' }))).toMatch(/CONFLICT: ItDspMSP already reported its part/);
  });
});
