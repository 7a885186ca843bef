import type { MemberInboxMessage } from '@datawell/contracts';
import type { ChannelConfigView, ChannelOrganisation, ConfigOrganisation } from '@datawell/stack';
import { testCertificateAuthority } from '@datawell/testing';
import { checkSeatedChannel, InboxMessageError, MemberNetworkService, type MemberAdmin, type MemberLedger } from './member-network.service';

const def = { name: 'dao', version: '1.0', sequence: 1, packageId: 'dao_1.0:ab', packageFile: '/public/dao.tgz' };
const formed = (mspId: string, version = 1): Extract<MemberInboxMessage, { kind: 'channel-formed' }> => ({
  kind: 'channel-formed',
  id: `formed:dao-acme-v${version}:${mspId}`,
  mspId,
  channel: `dao-acme-v${version}`,
  daoId: 'acme',
  version,
  dsp: 'DspMSP',
  members: ['DspMSP', 'VspMSP'],
  chaincodes: [def],
  peers: [
    { mspId: 'DspMSP', address: 'localhost:1', tlsCaCert: 'ca' },
    { mspId: 'VspMSP', address: 'localhost:2', tlsCaCert: 'ca' },
  ],
  agreement: { daoId: 'acme', version },
  signatures: [{ mspId: 'DspMSP' }, { mspId: 'VspMSP' }],
});

/** The members' own CAs (their MSPs' root certificates). */
const cas: Record<string, string> = {};
beforeAll(async () => {
  for (const msp of ['DspMSP', 'VspMSP', 'OperatorMSP', 'OrdererTls']) cas[msp] = (await testCertificateAuthority(`ca.${msp}`)).caCertPem;
});
const honestGenesis = (): ChannelOrganisation[] => [{ mspId: 'DspMSP', rootCertPems: [cas['DspMSP']!] }, { mspId: 'VspMSP', rootCertPems: [cas['VspMSP']!] }];

/** A config block's view as the stack builds them: each organisation's policies its own; a DAO governed by its members' majority, marketplace by the operator. */
function view(channel: string, orgs: readonly ChannelOrganisation[]): ChannelConfigView {
  const organisation = (o: ChannelOrganisation): ConfigOrganisation => ({ ...o, intermediateCertPems: [], tlsRootCertPems: [], modPolicy: 'Admins', policies: Object.fromEntries(['Admins', 'Readers', 'Writers', 'Endorsement'].map((n) => [n, { signers: [o.mspId] }])) });
  const meta = (rule: string, subPolicy: string) => ({ implicitMeta: { rule, subPolicy } });
  const governance =
    channel === 'marketplace'
      ? { Admins: { signers: ['OperatorMSP'] }, Endorsement: { signers: ['OperatorMSP'] }, LifecycleEndorsement: { signers: ['OperatorMSP'] } }
      : { Admins: meta('MAJORITY', 'Admins'), Endorsement: meta('MAJORITY', 'Endorsement'), LifecycleEndorsement: meta('MAJORITY', 'Endorsement') };
  return {
    channelId: channel,
    organisations: orgs.map(organisation),
    ordererOrganisations: [{ mspId: 'OrdererMSP', tlsRootCertPems: [cas['OrdererTls']!] }],
    applicationPolicies: { Readers: meta('ANY', 'Readers'), Writers: meta('ANY', 'Writers'), ...governance },
  };
}

function setup(mspId: string, options: { versionExists?: boolean; initConflict?: boolean; directory?: { version: number; status: string }; genesis?: ChannelOrganisation[]; marketplace?: ChannelOrganisation[]; seated?: ChannelOrganisation[] } = {}) {
  const steps: string[] = [];
  let exists = options.versionExists ?? false;
  const admin: MemberAdmin = {
    joinOwnPeer: async (channel, check) => {
      // The genesis block as the operator built it (options.genesis), checked before the join; marketplace's
      // genesis has the operator alone, its latest config the admitted members too (options.marketplace).
      const operator = { mspId: 'OperatorMSP', rootCertPems: [cas['OperatorMSP']!] };
      const joining =
        channel === 'marketplace'
          ? { genesis: view(channel, [operator]), latest: view(channel, options.marketplace ?? [operator, { mspId, rootCertPems: [cas[mspId]!] }]) }
          : { genesis: view(channel, options.genesis ?? honestGenesis()), latest: view(channel, options.genesis ?? honestGenesis()) };
      check?.(joining);
      steps.push(`join ${channel}`);
    },
    ownCaCertPems: () => [cas[mspId]!],
    ordererTlsCaPems: () => [cas['OrdererTls']!],
    approveCommitted: async () => ({ outcome: 'none' }),
    joinedChannel: async (channel) => ({ genesis: view(channel, options.genesis ?? honestGenesis()), latest: view(channel, options.seated ?? options.genesis ?? honestGenesis()) }),
    latestChannelConfig: async (channel) => view(channel, options.seated ?? options.genesis ?? honestGenesis()),
    approve: async (channel, d) => void steps.push(`approve ${channel} ${d.name}`),
    commit: async (blueprint, d) => void steps.push(`commit ${blueprint.channel} ${d.name} [${blueprint.members.join(',')}]`),
    waitForPeers: async (channel, n) => void steps.push(`gossip ${channel} ${n}`),
    channelOrganisations: async () => [...(options.genesis ?? honestGenesis())],
    // Config updates are signed through config-signature.ts (its own spec), never by the inbox's work.
    channelConfig: async () => Promise.reject(new Error('not read here')),
    decodeConfigUpdate: async () => Promise.reject(new Error('not decoded here')),
    signConfigUpdate: async () => Promise.reject(new Error('not signed here')),
    submitConfigUpdate: async () => Promise.reject(new Error('not submitted here')),
    // A collection follows a seat through collection-redefinition.ts (its own spec), never through the inbox's work.
    ownPeerChannels: async () => Promise.reject(new Error('not listed here')),
    committedDefinition: async () => Promise.reject(new Error('not read here')),
    approveDefinition: async () => Promise.reject(new Error('not approved here')),
    definitionApprovals: async () => Promise.reject(new Error('not read here')),
    commitDefinition: async () => Promise.reject(new Error('not committed here')),
  };
  const ledger: MemberLedger = {
    submit: async (channel, _cc, fn, _args, submitOptions) => {
      if (fn === 'InitVersion' && options.initConflict) {
        exists = true;
        throw new Error('10 ABORTED: CONFLICT: version 1 exists');
      }
      if (fn === 'InitVersion') exists = true;
      steps.push(`submit ${channel} ${fn}${submitOptions?.endorsingOrganizations ? ` endorsed by [${submitOptions.endorsingOrganizations.join(',')}]` : ''}`);
      return { txId: 'tx' };
    },
    evaluate: async (channel, _cc, fn) => {
      if (fn === 'GetVersion') {
        if (!exists) throw new Error('NOT_FOUND: no version');
        return '{}';
      }
      if (fn === 'GetDao') {
        if (!options.directory) throw new Error('NOT_FOUND: no DAO');
        return JSON.stringify(options.directory);
      }
      throw new Error(`unexpected ${fn} on ${channel}`);
    },
  };
  const added: string[] = [];
  const service = new MemberNetworkService({ mspId, admin, ledger, addChannel: async (c) => void added.push(`${c.name} as ${c.actingMspId}`), logger: { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never });
  return { service, steps, added, admin };
}

describe('a member bridge acting on its inbox', () => {
  it('as a VSP: joins its own peer, approves, relays the channel as itself; commits and submits nothing', async () => {
    const { service, steps, added } = setup('VspMSP');
    await service.handle(formed('VspMSP'));
    expect(steps).toEqual(['join dao-acme-v1', 'approve dao-acme-v1 dao']);
    expect(added).toEqual(['dao-acme-v1 as VspMSP']);
  });

  it('refuses to join a channel whose genesis block adds an organisation, or swaps its own MSP; nothing joined, approved or relayed', async () => {
    const withOperator = setup('VspMSP', { genesis: [...honestGenesis(), { mspId: 'OperatorMSP', rootCertPems: [cas['OperatorMSP']!] }] });
    await expect(withOperator.service.handle(formed('VspMSP'))).rejects.toThrow(InboxMessageError);
    expect([withOperator.steps, withOperator.added]).toEqual([[], []]);
    const swapped = setup('VspMSP', { genesis: [{ mspId: 'DspMSP', rootCertPems: [cas['DspMSP']!] }, { mspId: 'VspMSP', rootCertPems: [cas['OperatorMSP']!] }] });
    await expect(swapped.service.handle(formed('VspMSP'))).rejects.toThrow(/refused to join dao-acme-v1: VspMSP's MSP in the genesis block is not its own CA/);
    expect([swapped.steps, swapped.added]).toEqual([[], []]);
  });

  it('as the DSP: commits once approved, waits for gossip, initialises, and publishes the directory entry', async () => {
    const { service, steps } = setup('DspMSP');
    await service.handle(formed('DspMSP'));
    expect(steps).toEqual(['join dao-acme-v1', 'approve dao-acme-v1 dao', 'commit dao-acme-v1 dao [DspMSP,VspMSP]', 'gossip dao-acme-v1 2', 'submit dao-acme-v1 InitVersion', 'submit marketplace PublishDao']);
  });

  it('at version 2: closes version 1 to new revenue before publishing', async () => {
    const { service, steps } = setup('DspMSP', { directory: { version: 1, status: 'active' } });
    await service.handle(formed('DspMSP', 2));
    expect(steps.slice(-3)).toEqual(['submit dao-acme-v2 InitVersion', 'submit dao-acme-v1 RecordSuccessor', 'submit marketplace PublishDao']);
  });

  it("at version 2: InitVersion is endorsed by the earlier members' peers only (a joiner's peer cannot read version 1)", async () => {
    const { service, steps } = setup('DspMSP', { directory: { version: 1, status: 'active' } });
    const members = [
      { mspId: 'DspMSP', group: 'D' },
      { mspId: 'VspMSP', group: 'J1' },
      { mspId: 'Vsp2MSP', group: 'J2' },
    ];
    await service.handle({ ...formed('DspMSP', 2), agreement: { daoId: 'acme', version: 2, members } });
    expect(steps).toContain('submit dao-acme-v2 InitVersion endorsed by [DspMSP,VspMSP]');
  });

  it('redelivered: an initialised version and a published entry are left as they are; a lost race on InitVersion is done too', async () => {
    const again = setup('DspMSP', { versionExists: true, directory: { version: 1, status: 'active' } });
    await again.service.handle(formed('DspMSP'));
    expect(again.steps.filter((s) => s.startsWith('submit'))).toEqual([]);
    const raced = setup('DspMSP', { initConflict: true, directory: { version: 1, status: 'active' } });
    await expect(raced.service.handle(formed('DspMSP'))).resolves.toBeUndefined();
  });

  it('admitted to marketplace: joins and approves, relays nothing, submits nothing', async () => {
    const { service, steps, added } = setup('VspMSP');
    await service.handle({ kind: 'channel-admitted', id: 'admitted:VspMSP:marketplace:1', mspId: 'VspMSP', channel: 'marketplace', chaincodes: [{ ...def, name: 'marketplace' }] });
    expect([steps, added]).toEqual([['join marketplace', 'approve marketplace marketplace'], []]);
  });

  it("refuses to join a marketplace where its own MSP is not its own CA, or an admission to another channel; nothing joined or approved", async () => {
    const admitted = { kind: 'channel-admitted' as const, id: 'admitted:VspMSP:marketplace:1', mspId: 'VspMSP', channel: 'marketplace', chaincodes: [{ ...def, name: 'marketplace' }] };
    const swapped = setup('VspMSP', { marketplace: [{ mspId: 'OperatorMSP', rootCertPems: [cas['OperatorMSP']!] }, { mspId: 'VspMSP', rootCertPems: [cas['OperatorMSP']!] }] });
    await expect(swapped.service.handle(admitted)).rejects.toThrow(/refused to join marketplace: VspMSP's MSP in marketplace is not exactly its own CA/);
    expect(swapped.steps).toEqual([]);
    const notAdmitted = setup('VspMSP', { marketplace: [{ mspId: 'OperatorMSP', rootCertPems: [cas['OperatorMSP']!] }] });
    await expect(notAdmitted.service.handle(admitted)).rejects.toThrow(/VspMSP is not an organisation of marketplace/);
    const elsewhere = setup('VspMSP');
    await expect(elsewhere.service.handle({ ...admitted, channel: 'dao-acme-v1' })).rejects.toThrow(/an admission is to marketplace only/);
    expect([notAdmitted.steps, elsewhere.steps]).toEqual([[], []]);
  });

  it("refuses a message for another member, or one that is not an inbox message", () => {
    const { service } = setup('VspMSP');
    expect(() => service.parse(formed('DspMSP'))).toThrow(InboxMessageError);
    expect(() => service.parse(formed('DspMSP'))).toThrow(/for DspMSP, not VspMSP/);
    expect(() => service.parse({ kind: 'channel-formed', mspId: 'VspMSP' })).toThrow(InboxMessageError);
    expect(service.parse(formed('VspMSP')).channel).toBe('dao-acme-v1');
  });

  it("a newcomer seated by a transfer relays a channel whose latest config has its own place; otherwise CHANNEL_REFUSED", async () => {
    const honest = setup('VspMSP', { genesis: [{ mspId: 'DspMSP', rootCertPems: [cas['DspMSP']!] }], seated: honestGenesis() });
    await expect(checkSeatedChannel(honest.admin, 'VspMSP', 'dao-acme-v1')).resolves.toBeUndefined();
    const swapped = setup('VspMSP', { genesis: [{ mspId: 'DspMSP', rootCertPems: [cas['DspMSP']!] }], seated: [{ mspId: 'DspMSP', rootCertPems: [cas['DspMSP']!] }, { mspId: 'VspMSP', rootCertPems: [cas['OperatorMSP']!] }] });
    await expect(checkSeatedChannel(swapped.admin, 'VspMSP', 'dao-acme-v1')).rejects.toMatchObject({ code: 'CHANNEL_REFUSED', message: "dao-acme-v1 was not relayed: VspMSP's MSP in dao-acme-v1 is not exactly its own CA" });
    const withOperator = setup('VspMSP', { genesis: [{ mspId: 'DspMSP', rootCertPems: [cas['DspMSP']!] }], seated: [...honestGenesis(), { mspId: 'OperatorMSP', rootCertPems: [cas['OperatorMSP']!] }] });
    await expect(checkSeatedChannel(withOperator.admin, 'VspMSP', 'dao-acme-v1')).rejects.toMatchObject({ code: 'CHANNEL_REFUSED' });
  });
});
