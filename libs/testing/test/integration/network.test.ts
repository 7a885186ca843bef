import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { addOrganisation, addOrgToChannel, channelMembers, createChannel, deployChaincode, peerChannels, queryChaincode, status } from '@datawell/stack';
import { REPO_DIR } from '../../src';
import { testStackContext } from '../../src';

describe('Fabric network administration (library functions for the ledger)', () => {
  const ctx = testStackContext();
  const PROBE_ORG = 'ProbeOrgMSP';
  const CHANNEL = 'probe-two-orgs';

  it('adds a participant organisation with its own CA and peer, and creates a channel with exactly the given organisations', async () => {
    const org = await addOrganisation(ctx, PROBE_ORG);
    expect(org.mspId).toBe(PROBE_ORG);
    // Idempotent: a second call finds the same organisation.
    expect(await addOrganisation(ctx, PROBE_ORG)).toEqual(org);

    await createChannel(ctx, CHANNEL, ['OperatorMSP', PROBE_ORG]);
    await createChannel(ctx, CHANNEL, ['OperatorMSP', PROBE_ORG]);

    expect(await peerChannels(ctx, org)).toContain(CHANNEL);
    expect(await channelMembers(ctx, PROBE_ORG, CHANNEL)).toEqual(['OperatorMSP', PROBE_ORG].sort());
    expect(await channelMembers(ctx, 'OperatorMSP', 'marketplace')).toContain('OperatorMSP');

    const health = await status(ctx);
    const names = health.components.filter((c) => c.healthy).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['ca-probeorg', 'peer0.probeorg']));
  });

  it('adds an organisation to a running channel by a config update signed by a majority of its admins', async () => {
    const late = await addOrganisation(ctx, 'ProbeLateMSP');
    const channel = `probe-grow-${randomBytes(3).toString('hex')}`;
    await createChannel(ctx, channel, ['OperatorMSP', PROBE_ORG]);
    await deployChaincode(ctx, { name: 'hello', channel, modulePath: join(REPO_DIR, 'chaincode', 'hello') });

    await addOrgToChannel(ctx, channel, late.mspId);
    await addOrgToChannel(ctx, channel, late.mspId); // idempotent
    expect(await channelMembers(ctx, 'OperatorMSP', channel)).toEqual(['OperatorMSP', PROBE_ORG, 'ProbeLateMSP'].sort());
    expect(await peerChannels(ctx, late)).toContain(channel);

    // The late member approves the committed chaincode definition and its peer then runs it.
    await deployChaincode(ctx, { name: 'hello', channel, modulePath: join(REPO_DIR, 'chaincode', 'hello') });
    expect(JSON.parse(await queryChaincode(ctx, 'ProbeLateMSP', channel, 'hello', ['Ping']))).toEqual({ pong: true, mspId: 'ProbeLateMSP' });
  });

  it('refuses to redefine an existing channel with other organisations', async () => {
    await expect(createChannel(ctx, CHANNEL, ['OperatorMSP'])).rejects.toThrow(/already exists with organisations OperatorMSP, ProbeOrgMSP/);
  });

  it('refuses malformed names with a clear error', async () => {
    await expect(addOrganisation(ctx, 'not an msp')).rejects.toThrow(/must be letters and digits ending in "MSP"/);
    await expect(createChannel(ctx, 'Bad_Channel', ['OperatorMSP'])).rejects.toThrow(/lower case letters/);
    await expect(createChannel(ctx, 'x', ['NoSuchMSP'])).rejects.toThrow(/unknown organisation NoSuchMSP/);
  });
});
