import type { MemberInboxMessage } from '@datawell/contracts';
import type { ChannelOrganisation } from '@datawell/stack';
import { testCertificateAuthority } from '@datawell/testing';
import { InboxMessageError, MemberNetworkService, type MemberAdmin, type MemberLedger } from './member-network.service';

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
  for (const msp of ['DspMSP', 'VspMSP', 'OperatorMSP']) cas[msp] = (await testCertificateAuthority(`ca.${msp}`)).caCertPem;
});
const honestGenesis = (): ChannelOrganisation[] => [{ mspId: 'DspMSP', rootCertPems: [cas['DspMSP']!] }, { mspId: 'VspMSP', rootCertPems: [cas['VspMSP']!] }];

function setup(mspId: string, options: { versionExists?: boolean; initConflict?: boolean; directory?: { version: number; status: string }; genesis?: ChannelOrganisation[] } = {}) {
  const steps: string[] = [];
  let exists = options.versionExists ?? false;
  const admin: MemberAdmin = {
    joinOwnPeer: async (channel, check) => {
      // The genesis block as the operator built it (options.genesis), checked before the join.
      check?.(options.genesis ?? honestGenesis());
      steps.push(`join ${channel}`);
    },
    ownCaCertPems: () => [cas[mspId]!],
    approve: async (channel, d) => void steps.push(`approve ${channel} ${d.name}`),
    commit: async (blueprint, d) => void steps.push(`commit ${blueprint.channel} ${d.name} [${blueprint.members.join(',')}]`),
    waitForPeers: async (channel, n) => void steps.push(`gossip ${channel} ${n}`),
    channelOrganisations: async () => [...(options.genesis ?? honestGenesis())],
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
  return { service, steps, added };
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

  it("refuses a message for another member, or one that is not an inbox message", () => {
    const { service } = setup('VspMSP');
    expect(() => service.parse(formed('DspMSP'))).toThrow(InboxMessageError);
    expect(() => service.parse(formed('DspMSP'))).toThrow(/for DspMSP, not VspMSP/);
    expect(() => service.parse({ kind: 'channel-formed', mspId: 'VspMSP' })).toThrow(InboxMessageError);
    expect(service.parse(formed('VspMSP')).channel).toBe('dao-acme-v1');
  });
});
