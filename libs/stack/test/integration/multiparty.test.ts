import { join } from 'node:path';
import {
  addDomain,
  approveChaincode,
  approvedPackageId,
  channelOrganisations,
  commitChaincode,
  committedDefinition,
  formChannel,
  joinOwnPeer,
  memberFabric,
  ownChaincodeRecord,
  ownPeerChannels,
  ownPeerHeight,
  peerChannels,
  proposeOrgAddition,
  readMspPackage,
  recordChannelMember,
  signConfigUpdate,
  startOwnChaincodeServer,
  stopOwnChaincodeServer,
  submitConfigUpdate,
  waitForChannelPeers,
  type ChannelBlueprint,
  type MemberFabric,
} from '../../src';
import { loadSettings } from '../../src/settings';
import { silentProgress } from '../../src/progress';
import { run, waitFor } from '../../src/proc';
import { fabricDirs, loadRegistry, OPERATOR_ORG } from '../../src/fabric/layout';

const REPO = join(__dirname, '..', '..', '..', '..');
const ctx = { settings: loadSettings(REPO), progress: silentProgress };
const DSP = 'MpDspMSP';
const VSP = 'MpVspaMSP';
const JOINER = 'MpVspbMSP';
// A fresh channel per run: the stack outlives the test.
const CHANNEL = `mp-${Date.now().toString(36)}`;
const PROBE = 'hello';

/** `Ping` on the probe chaincode, evaluated by the member's admin on its own peer. */
async function ping(m: MemberFabric, channel: string): Promise<string> {
  const { stdout } = await run(m.bin.peer, ['chaincode', 'query', '-C', channel, '-n', PROBE, '-c', JSON.stringify({ Args: ['Ping'] })], {
    user: m.user as string,
    cwd: m.workDir,
    env: { FABRIC_CFG_PATH: m.configDir, CORE_PEER_TLS_ENABLED: 'true', CORE_PEER_LOCALMSPID: m.mspId, CORE_PEER_MSPCONFIGPATH: m.adminMspDir, CORE_PEER_ADDRESS: m.peer.address, CORE_PEER_TLS_ROOTCERT_FILE: m.peer.tlsRootCertFile },
  });
  return stdout.trim();
}

describe('channel formation and growth as Fabric\'s multi-party workflow, each party in its own domain', () => {
  let dsp: MemberFabric;
  let vsp: MemberFabric;
  let joiner: MemberFabric;
  let blueprint: ChannelBlueprint;

  beforeAll(async () => {
    await addDomain(ctx, DSP, 'DSP');
    await addDomain(ctx, VSP, 'VSP');
    await addDomain(ctx, JOINER, 'VSP');
    [dsp, vsp, joiner] = [memberFabric(ctx, DSP), memberFabric(ctx, VSP), memberFabric(ctx, JOINER)];
  }, 600000);

  it('forms a channel from the members\' public MSP packages: the operator joins only its orderers', async () => {
    blueprint = await formChannel(ctx, CHANNEL, [readMspPackage(ctx, DSP), readMspPackage(ctx, VSP)], [PROBE]);
    expect(blueprint.members).toEqual([DSP, VSP]);
    expect(blueprint.chaincodes.map((c) => [c.name, c.sequence])).toEqual([[PROBE, 1]]);
    expect(JSON.stringify(blueprint)).not.toMatch(/PRIVATE KEY/);
    // No member's peer has the channel yet: the operator touched none of them.
    for (const m of [dsp, vsp]) expect(await ownPeerChannels(m)).not.toContain(CHANNEL);
    // The orderer serves the channel to a member (its admin fetches the genesis block)…
    await joinOwnPeer(dsp, CHANNEL);
    expect(await ownPeerChannels(dsp)).toContain(CHANNEL);
    // …but not to an organisation outside it (the joiner, before growth).
    await expect(joinOwnPeer(joiner, CHANNEL, 3000)).rejects.toThrow(/FORBIDDEN|access denied|PERMISSION_DENIED|timed out|did not/i);
    expect(await ownPeerChannels(joiner)).not.toContain(CHANNEL);
  }, 300000);

  it('has each member join its own peer and approve as its own admin; the DSP commits once all approved', async () => {
    await joinOwnPeer(vsp, CHANNEL);
    const def = blueprint.chaincodes[0]!;
    await approveChaincode(dsp, CHANNEL, def);
    // Not committable yet: the commit waits for every member's approval, which is not given.
    await expect(commitChaincode(dsp, blueprint, def, 3000)).rejects.toThrow(/approve/);
    expect(await committedDefinition(dsp, CHANNEL, PROBE)).toBeUndefined();
    await approveChaincode(vsp, CHANNEL, def);
    await commitChaincode(dsp, blueprint, def);
    const committed = await committedDefinition(vsp, CHANNEL, PROBE);
    expect(committed?.sequence).toBe(1);
    // Each organisation's approval is on the channel, given by its own admin, with its own package.
    expect(committed?.approvals).toEqual({ [DSP]: true, [VSP]: true });
    for (const m of [dsp, vsp]) expect(await approvedPackageId(m, CHANNEL, PROBE, 1)).toBe(ownChaincodeRecord(m.chaincodeServer!, PROBE)!.packageId);
    await waitForChannelPeers(dsp, CHANNEL, 2);
    await waitFor('the probe chaincode to answer on the new channel', async () => (await ping(vsp, CHANNEL).catch(() => '')).includes('pong'), 60000);
    // The operator's peer is not in the channel, and Fabric's own channel list on each member's peer shows it.
    expect(await peerChannels(ctx, OPERATOR_ORG)).not.toContain(CHANNEL);
    expect(await channelOrganisations(vsp, CHANNEL)).toEqual([DSP, VSP].sort());
  }, 300000);

  it('grows the channel by a config update signed by a majority of its admins, each in its own domain', async () => {
    const envelope = await proposeOrgAddition(dsp, CHANNEL, readMspPackage(ctx, JOINER));
    // One signature of two is not a majority: the ordering service refuses the update.
    await expect(submitConfigUpdate(dsp, CHANNEL, envelope)).rejects.toThrow(/policy|not satisfied|BAD_REQUEST|signature/i);
    expect(await channelOrganisations(dsp, CHANNEL)).toEqual([DSP, VSP].sort());
    // The VSP signs in its domain, the DSP submits with its own signature: two of two.
    const signed = await signConfigUpdate(vsp, envelope);
    expect(signed.length).toBeGreaterThan(envelope.length);
    await submitConfigUpdate(dsp, CHANNEL, signed);
    recordChannelMember(ctx, CHANNEL, JOINER);
    await waitFor('the update to reach the DSP\'s peer', async () => (await channelOrganisations(dsp, CHANNEL)).includes(JOINER), 60000);
    expect(await channelOrganisations(dsp, CHANNEL)).toEqual([DSP, VSP, JOINER].sort());
    // The newcomer joins its own peer, catches up, approves the committed definition and runs it.
    await joinOwnPeer(joiner, CHANNEL);
    const target = await ownPeerHeight(dsp, CHANNEL);
    await waitFor('the joiner\'s peer to catch up', async () => (await ownPeerHeight(joiner, CHANNEL)) >= target, 60000);
    // It approves first as a member without a server of its own would: with the package the operator
    // published, whose server is the operator's.
    const { chaincodeServer: _own, ...withoutServer } = joiner;
    await approveChaincode(withoutServer, CHANNEL, blueprint.chaincodes[0]!);
    await waitFor('the joiner\'s approval to be committed', async () => (await committedDefinition(dsp, CHANNEL, PROBE))?.approvals[JOINER] === true, 60000);
    expect(await approvedPackageId(joiner, CHANNEL, PROBE, 1)).toBe(blueprint.chaincodes[0]!.packageId);
    await waitFor('the probe chaincode to answer on the joiner\'s peer', async () => (await ping(joiner, CHANNEL).catch(() => '')).includes('pong'), 60000);
    // Approving again with its own server switches its peer to its own package, at the same sequence.
    await approveChaincode(joiner, CHANNEL, blueprint.chaincodes[0]!);
    const own = ownChaincodeRecord(joiner.chaincodeServer!, PROBE)!;
    expect(own.packageId).not.toBe(blueprint.chaincodes[0]!.packageId);
    await waitFor('the joiner\'s own package to be its approval', async () => (await approvedPackageId(joiner, CHANNEL, PROBE, 1)) === own.packageId, 60000);
    expect((await committedDefinition(dsp, CHANNEL, PROBE))?.sequence).toBe(1);
    await waitFor('the probe chaincode to answer on the joiner\'s own server', async () => (await ping(joiner, CHANNEL).catch(() => '')).includes('pong'), 60000);
    // Its peer asks its own server alone (the peer CLI asks no other peer): stopped, the query fails.
    expect(await stopOwnChaincodeServer(joiner.chaincodeServer!, PROBE)).toBe(true);
    try {
      await expect(ping(joiner, CHANNEL)).rejects.toThrow();
    } finally {
      await startOwnChaincodeServer(joiner.chaincodeServer!, own, joiner.user);
    }
    await waitFor('the probe chaincode to answer again', async () => (await ping(joiner, CHANNEL).catch(() => '')).includes('pong'), 60000);
    expect(loadRegistry(fabricDirs(ctx.settings)).channels[CHANNEL]?.orgs).toEqual([DSP, VSP, JOINER]);
  }, 300000);
});
