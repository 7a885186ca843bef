import { MARKETPLACE, MARKETPLACE_CHANNEL, OPERATOR_MSP } from '@datawell/contracts';
import { addDomain, buildConnection, channelConfigNetwork, channelMembers, channelOrganisations, committedDefinition, enrollClientIdentity, formChannel, memberFabric, ownPeerChannels, readMspPackage, type EnrolledIdentity, type MspPackage } from '@datawell/stack';
import { apiClient, integrationPool, stackAdminIdentity, testStackContext } from '@datawell/testing';
import { expectBetween, hex, operatorAdminApp, ordererChannelNames, probeChannel, PROBE_CHANNEL, startMemberBridge, testGateway, waitFor, type MemberBridge, type OperatorAdminApp } from './harness';

jest.setTimeout(900_000);

/**
 * The operator's administration over HTTP on the real network: `GET /admin/network` reports the
 * channels the operator's orderers serve as Fabric itself does (their channel participation API,
 * each channel's config block: a channel the operator's organisation is not in included), the
 * orderers and the peers it knows of; `GET /admin/participants` and the sanctions show and change a
 * participant's status on the ledger. Only the operator's administrator: 401 without a token, 403
 * to a participant's identity. The operator's bridge runs as `./dev up` runs it and every
 * organisation is in its own trust domain (made by the stack tooling, as `./dev domain add` makes
 * them). The participant and the domain are the worker's pool of domains (integrationPool: onboarding
 * them again is a no-op), and the two channels are named after them.
 */
/** A participant in its own domain, admitted to `marketplace` from its MSP package; its own bridge joins its peer. */
const DSP = integrationPool().dsp;
/** A channel the operator formed of the participant alone, from its public MSP package: the operator's organisation is not a member. */
const MEMBERS_ONLY = `lb-it-admin-${DSP.toLowerCase()}`;
/**
 * An organisation in its own trust domain, and a channel the operator formed of it from its public
 * MSP package (as a DAO channel of domains is formed: the operator's part only, its peer never joins).
 */
const DOMAIN = integrationPool().vsps[0];
const DOMAIN_CHANNEL = `lb-it-admin-dom-${DOMAIN.toLowerCase()}`;

type NetworkView = {
  channels: Array<{ name: string; organisations: Array<{ mspId: string; anchorPeers: string[] }>; orderers: Array<{ orderer: string; endpoint: string; status: string; height: number }>; consenters: string[]; ordererOrganisations: Array<{ mspId: string; endpoints: string[] }> }>;
  orderers: Array<{ name: string; mspId: string; endpoint: string }>;
  peers: Array<{ mspId: string; endpoint: string; source: string }>;
};
type Participant = { mspId: string; status: string; sanction?: { reason: string; by: string } };

describe("the operator's network and participants (ledger bridge, operator administrators)", () => {
  const ctx = testStackContext();
  let app: OperatorAdminApp;
  let operator: ReturnType<typeof apiClient>;
  let participant: ReturnType<typeof apiClient>;
  let domainPackage: MspPackage;
  let dspPackage: MspPackage;
  let member: MemberBridge;
  let person: EnrolledIdentity;

  beforeAll(async () => {
    [app] = await Promise.all([operatorAdminApp(), probeChannel()]);
    operator = apiClient(app.url, () => stackAdminIdentity(ctx, OPERATOR_MSP));
    await addDomain(ctx, DSP, 'DSP');
    dspPackage = readMspPackage(ctx, DSP);
    // Its own bridge, which joins its peer to the channels the operator admits it to (marketplace's
    // endorsement takes a majority of its organisations' peers: an admitted organisation's must run it).
    member = await startMemberBridge(DSP, `lb-oa-${DSP}-${hex(3)}`);
    // Admitted through the route itself, from its MSP package (`marketplace` by a config update, RegisterParticipant).
    await operator.call('/admin/participants', { method: 'POST', body: { mspId: DSP, role: 'DSP', name: 'Operator page DSP' } });
    const m = memberFabric(ctx, DSP);
    await waitFor(`${DSP}'s own peer on marketplace`, async () => ((await ownPeerChannels(m)).includes(MARKETPLACE_CHANNEL) ? true : undefined), 600_000);
    await waitFor(`${DSP}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(m, MARKETPLACE_CHANNEL, MARKETPLACE.chaincode))?.approvals[DSP] ? true : undefined), 600_000);
    await formChannel(ctx, MEMBERS_ONLY, [dspPackage], []);
    await addDomain(ctx, DOMAIN, 'VSP');
    domainPackage = readMspPackage(ctx, DOMAIN);
    await formChannel(ctx, DOMAIN_CHANNEL, [domainPackage], []);
    // A new Raft channel serves blocks once it has elected a leader.
    for (const channel of [MEMBERS_ONLY, DOMAIN_CHANNEL]) await waitFor(`the ordering service to serve ${channel}`, () => channelConfigNetwork(ctx, channel).then(() => true, () => undefined));
    // A person of the participant, enrolled at its own CA in its domain; the directory knows its CA from its package.
    await app.admitToDirectory({ mspId: DSP, role: 'DSP', caCertPem: dspPackage.cacerts[0]! });
    person = await enrollClientIdentity(ctx, DSP, 'it-page');
    participant = apiClient(app.url, () => person);
  }, 900_000);

  afterAll(async () => {
    await app?.close();
    await member?.bridge.stop();
    await member?.db.drop();
  });

  it('answers 401 without a token and 403 FORBIDDEN to a participant, on the network and the participants', async () => {
    for (const path of ['/admin/network', '/admin/participants']) {
      const anonymous = await fetch(`${app.url}${path}`);
      expect([path, anonymous.status]).toEqual([path, 401]);
      await expect(participant.call(path)).rejects.toThrow(/: 403 FORBIDDEN /);
    }
    await expect(participant.call(`/admin/participants/${DSP}/suspension`, { method: 'POST', body: { reason: 'self' } })).rejects.toThrow(/: 403 FORBIDDEN /);
  });

  it("reports the channels the orderers serve, each with the organisations of its config block, as Fabric's own tools read them", async () => {
    // Fabric's own view, independently: osnadmin on the first orderer, and each channel's config as a
    // member's admin fetches it; read before and after, since suites beside this one add channels and
    // organisations to `marketplace`.
    const [channelsBefore, marketplaceBefore] = [await ordererChannelNames(), await channelMembers(ctx, OPERATOR_MSP, MARKETPLACE_CHANNEL)];
    const view = await operator.call<NetworkView>('/admin/network');
    const [channelsAfter, marketplaceAfter] = [await ordererChannelNames(), await channelMembers(ctx, OPERATOR_MSP, MARKETPLACE_CHANNEL)];
    expect(view.channels.map((c) => c.name)).toEqual(view.channels.map((c) => c.name).sort());
    expectBetween(channelsBefore, view.channels.map((c) => c.name), channelsAfter);
    expect(channelsBefore).toEqual(expect.arrayContaining([MARKETPLACE_CHANNEL, PROBE_CHANNEL, MEMBERS_ONLY, DOMAIN_CHANNEL]));
    const orgs = (name: string) => view.channels.find((c) => c.name === name)!.organisations.map((o) => o.mspId);
    expectBetween(marketplaceBefore, orgs(MARKETPLACE_CHANNEL), marketplaceAfter);
    expect(orgs(MARKETPLACE_CHANNEL)).toEqual(expect.arrayContaining([OPERATOR_MSP, DSP]));
    expect(orgs(PROBE_CHANNEL)).toEqual([OPERATOR_MSP]);
    // Read through the orderer organisation: the operator's own organisation is not in this channel;
    // the participant's own admin, fetching the config from the orderers in its domain, reads the same.
    expect(orgs(MEMBERS_ONLY)).toEqual(await channelOrganisations(memberFabric(ctx, DSP), MEMBERS_ONLY));
    expect(orgs(MEMBERS_ONLY)).toEqual([DSP]);
    // A domain's channel: what its genesis block was built from, the domain's package.
    expect(orgs(DOMAIN_CHANNEL)).toEqual([DOMAIN]);

    // The stack's connection as it is now (organisations are added at runtime).
    const fabric = buildConnection(ctx).fabric;
    const ordererEndpoints = fabric.orderers.map((o) => o.endpoint).sort();
    expect(view.orderers.map((o) => o.endpoint).sort()).toEqual(ordererEndpoints);
    // The channels of this suite: another suite's channel may be seen mid-creation (an orderer still joining).
    for (const channel of view.channels.filter((c) => [MARKETPLACE_CHANNEL, PROBE_CHANNEL, MEMBERS_ONLY, DOMAIN_CHANNEL].includes(c.name))) {
      expect({ channel: channel.name, served: channel.orderers.map((o) => o.endpoint).sort(), consenters: [...channel.consenters].sort() }).toEqual({ channel: channel.name, served: ordererEndpoints, consenters: ordererEndpoints });
      expect(channel.orderers.every((o) => o.status === 'active' && o.height > 0)).toBe(true);
      expect(channel.ordererOrganisations.map((o) => o.mspId)).toEqual(['OrdererMSP']);
    }
    const peer = (mspId: string) => view.peers.find((p) => p.mspId === mspId);
    expect(peer(OPERATOR_MSP)).toMatchObject({ endpoint: fabric.orgs[OPERATOR_MSP]!.peer.endpoint, source: 'operator-tooling' });
    // The domains' peers as their public MSP packages give them: the operator holds nothing else of them.
    expect(peer(DSP)).toEqual({ mspId: DSP, endpoint: dspPackage.peer.endpoint, hostAlias: dspPackage.peer.hostAlias, source: 'msp-package' });
    expect(peer(DOMAIN)).toEqual({ mspId: DOMAIN, endpoint: domainPackage.peer.endpoint, hostAlias: domainPackage.peer.hostAlias, source: 'msp-package' });
  });

  it('lists the participants and suspends one with a reason and reinstates it, as the ledger records it', async () => {
    const gateway = await testGateway();
    const onLedger = async () => {
      const call = MARKETPLACE.invocation(MARKETPLACE.tx.GetParticipant, DSP);
      return JSON.parse(Buffer.from(await gateway.gateway.getNetwork(MARKETPLACE_CHANNEL).getContract(call.chaincode).evaluateTransaction(call.transaction, ...call.arguments)).toString('utf8')) as Participant;
    };
    const listed = async () => (await operator.call<{ participants: Participant[] }>('/admin/participants')).participants.find((p) => p.mspId === DSP);
    try {
      if ((await onLedger()).status === 'suspended') await operator.call(`/admin/participants/${DSP}/reinstatement`, { method: 'POST', body: { reason: 'a clean start' } });
      expect(await listed()).toMatchObject({ mspId: DSP, status: 'active' });

      const reason = `tests the console's sanctions ${Date.now()}`;
      const suspended = await operator.call<Participant>(`/admin/participants/${DSP}/suspension`, { method: 'POST', body: { reason } });
      expect(suspended).toMatchObject({ mspId: DSP, status: 'suspended', sanction: { reason, by: expect.stringMatching(/^OperatorMSP:/) } });
      expect(await onLedger()).toMatchObject({ status: 'suspended', sanction: { reason } });
      expect(await listed()).toMatchObject({ status: 'suspended', sanction: { reason } });
      await expect(operator.call(`/admin/participants/${DSP}/suspension`, { method: 'POST', body: { reason } })).rejects.toThrow(/: 409 ALREADY_SUSPENDED /);

      const reinstated = await operator.call<Participant>(`/admin/participants/${DSP}/reinstatement`, { method: 'POST', body: { reason: 'served its time' } });
      expect(reinstated).toMatchObject({ status: 'active', sanction: { reason: 'served its time' } });
      expect(await onLedger()).toMatchObject({ status: 'active' });
    } finally {
      // The participant is the worker's pool DSP: the next file on this worker needs it active.
      if ((await onLedger().catch(() => undefined))?.status === 'suspended') await operator.call(`/admin/participants/${DSP}/reinstatement`, { method: 'POST', body: { reason: 'the test ended' } }).catch(() => undefined);
      gateway.close();
    }
  });

  it('documents the routes with their responses in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${app.url}/docs/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>; components: { schemas: Record<string, unknown> } };
    expect(doc.paths['/admin/network']?.['get']?.responses['200']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/NetworkView');
    expect(doc.paths['/admin/participants']?.['get']?.responses['200']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/ParticipantListing');
    expect(doc.paths['/admin/participants/{mspId}/suspension']?.['post']?.responses['201']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/ParticipantRecord');
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['NetworkView', 'ParticipantListing', 'ParticipantRecord', 'Sanction']));
  });
});
