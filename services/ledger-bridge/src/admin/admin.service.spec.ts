import { DAO } from '@datawell/contracts';
import { AdminService, type ChannelRegistrar } from './admin.service';
import type { FabricAdmin } from './fabric-admin.adapter';
import type { OrgLedger } from './org-ledger.adapter';
import { readDaoVersion } from './dao-reads';

interface Submission {
  mspId: string;
  channel: string;
  fn: string;
  args: readonly string[];
}

/** The ledger as the operator's administration sees it: participants on `marketplace`, and every submission in order. */
class FakeLedger implements OrgLedger {
  readonly submissions: Submission[] = [];
  readonly participants = new Map([
    ['DspMSP', { mspId: 'DspMSP', role: 'DSP', name: 'D', status: 'active', caCertPem: 'pem' }],
    ['Vsp1MSP', { mspId: 'Vsp1MSP', role: 'VSP', name: 'V1', status: 'active', caCertPem: 'pem' }],
    ['Vsp2MSP', { mspId: 'Vsp2MSP', role: 'VSP', name: 'V2', status: 'active', caCertPem: 'pem' }],
  ]);

  async submit(mspId: string, channel: string, _chaincode: string, fn: string, args: readonly string[]) {
    if (fn === 'SuspendParticipant' || fn === 'ReinstateParticipant') {
      const { mspId: target, reason } = JSON.parse(args[0]!) as { mspId: string; reason: string };
      const p = this.participants.get(target)!;
      this.participants.set(target, { ...p, status: fn === 'SuspendParticipant' ? 'suspended' : 'active', sanction: { reason, atMs: 1, by: mspId } } as typeof p);
    }
    this.submissions.push({ mspId, channel, fn, args });
    return { txId: `tx${this.submissions.length}`, result: '{}' };
  }

  async evaluate(_mspId: string, channel: string, _chaincode: string, fn: string, args: readonly string[]) {
    expect(channel).toBe('marketplace');
    const found = fn === 'GetParticipant' ? this.participants.get(args[0]!) : undefined;
    if (!found) throw new Error(`NOT_FOUND: no ${args[0]}`);
    return JSON.stringify(found);
  }

  close(): void {}
}

const fabric = { mspPackage: () => undefined } as unknown as FabricAdmin;
const registrar: ChannelRegistrar = { register: async () => undefined };

const signed = (daoId: string, version: number) => {
  const members = [
    { mspId: 'DspMSP', group: 'D', role: 'DSP' },
    ...Array.from({ length: version }, (_, i) => ({ mspId: `Vsp${i + 1}MSP`, group: `J${i + 1}`, role: 'VSP' })),
  ].map((m) => ({ ...m, weight: 1, ownershipPpm: 500_000 }));
  return { agreement: { agreementId: `agr-${version}`, daoId, version, betaPpm: 800_000, members, terms: {}, infrastructure: {}, documentDigest: 'd' }, signatures: members.map((m) => ({ mspId: m.mspId })) };
};

function setup() {
  const ledger = new FakeLedger();
  return { ledger, service: new AdminService(fabric, ledger, registrar) };
}

describe('AdminService sanctions: the operator suspends and reinstates, and a suspended participant joins no DAO', () => {
  it('submits SuspendParticipant and ReinstateParticipant as the operator on marketplace, with the reason', async () => {
    const { ledger, service } = setup();
    expect(await service.sanctionParticipant('Vsp1MSP', { reason: ' abandoned two DAOs ' }, true)).toMatchObject({ mspId: 'Vsp1MSP', status: 'suspended', sanction: { reason: 'abandoned two DAOs' } });
    expect(ledger.submissions.at(-1)).toEqual({ mspId: 'OperatorMSP', channel: 'marketplace', fn: 'SuspendParticipant', args: [JSON.stringify({ mspId: 'Vsp1MSP', reason: 'abandoned two DAOs' })] });
    await expect(service.sanctionParticipant('Vsp1MSP', { reason: 'again' }, true)).rejects.toMatchObject({ code: 'ALREADY_SUSPENDED' });
    // A DAO version with a suspended member is refused before anything is created.
    await expect(service.createDaoVersion(signed('acme', 1))).rejects.toMatchObject({ code: 'PARTICIPANT_SUSPENDED', message: expect.stringMatching(/Vsp1MSP is suspended/) });
    expect(ledger.submissions.filter((x) => x.fn === 'InitVersion')).toHaveLength(0);
    expect(await service.sanctionParticipant('Vsp1MSP', { reason: 'appeal granted' }, false)).toMatchObject({ status: 'active' });
    await expect(service.sanctionParticipant('Vsp1MSP', { reason: 'again' }, false)).rejects.toMatchObject({ code: 'NOT_SUSPENDED' });
    // Reinstated, the version is refused no more for its members' standing (these have no domains: NO_MSP_PACKAGE).
    await expect(service.createDaoVersion(signed('acme', 1))).rejects.toMatchObject({ code: 'NO_MSP_PACKAGE' });
  });

  it('refuses bad input with a code before submitting anything', async () => {
    const { ledger, service } = setup();
    await expect(service.sanctionParticipant('Vsp1MSP', {}, true)).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^sanction\.reason/) });
    await expect(service.sanctionParticipant('Vsp1MSP', { reason: '   ' }, true)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(service.sanctionParticipant('Vsp1MSP', { reason: 'x', extra: 1 }, true)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await expect(service.sanctionParticipant('vsp1', { reason: 'x' }, true)).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/^mspId/) });
    await expect(service.sanctionParticipant('NobodyMSP', { reason: 'x' }, true)).rejects.toMatchObject({ code: 'NOT_A_PARTICIPANT' });
    expect(ledger.submissions).toHaveLength(0);
  });
});

describe('reads as a member (a channel, a DAO version): not visible is 404, a peer that does not answer is 503', () => {
  const failing = (error: Error) => new AdminService({ channelMembers: async () => Promise.reject(error) } as unknown as FabricAdmin, {} as OrgLedger, registrar);
  /** A DAO version read through a member's own peer (its bridge's GET /daos/…), the peer failing with `error`. */
  const read = (error: Error, daoId = 'x', version = 1) => readDaoVersion(async () => Promise.reject(error), daoId, version, DAO.tx.GetVersion, 'DspMSP');
  const codeOf = (p: Promise<unknown>) => p.then(() => 'answered', (e: { code?: string; kind?: string }) => `${e.code} ${e.kind}`);

  it('answers CHANNEL_NOT_FOUND / VERSION_NOT_FOUND for what the caller cannot see', async () => {
    const error = new Error('NOT_FOUND: no such channel');
    expect(await codeOf(failing(error).channelMembers('dao-x-v1', 'DspMSP'))).toBe('CHANNEL_NOT_FOUND notFound');
    expect(await codeOf(read(error))).toBe('VERSION_NOT_FOUND notFound');
  });

  it("answers VERSION_NOT_FOUND, not 503, when the gateway says its peer has no such channel (UNAVAILABLE from discovery)", async () => {
    const notJoined = Object.assign(new Error('14 UNAVAILABLE: failed to get config for channel [dao-x-v2]: access denied'), { code: 14 });
    expect(await codeOf(read(notJoined, 'x', 2))).toBe('VERSION_NOT_FOUND notFound');
    const noEvaluator = Object.assign(new Error('9 FAILED_PRECONDITION: no peers available to evaluate chaincode dao in channel dao-x-v2'), { code: 9 });
    expect(await codeOf(read(noEvaluator, 'x', 2))).toBe('VERSION_NOT_FOUND notFound');
  });

  it('answers LEDGER_UNAVAILABLE (503), not a 500, when the peer is unreachable or times out', async () => {
    for (const error of [Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 }), Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 })]) {
      expect(await codeOf(failing(error).channelMembers('dao-x-v1', 'DspMSP'))).toBe('LEDGER_UNAVAILABLE unavailable');
      expect(await codeOf(read(error))).toBe('LEDGER_UNAVAILABLE unavailable');
    }
  });

  it('refuses a malformed channel name or DAO id before asking the peer', async () => {
    const error = new Error('must not be asked');
    expect(await codeOf(failing(error).channelMembers('Bad Name', 'DspMSP'))).toBe('INVALID_REQUEST invalid');
    expect(await codeOf(read(error, 'Bad_Id'))).toBe('INVALID_REQUEST invalid');
  });
});

describe('AdminService with members in their own trust domains', () => {
  const pkg = (mspId: string, role: 'DSP' | 'VSP') => ({ mspId, role, cacerts: [`ca of ${mspId}`], tlscacerts: [], nodeOUs: '', peer: { endpoint: `localhost:${mspId.length}`, hostAlias: 'localhost', tlsCaCert: `tls of ${mspId}` } });
  const packages = new Map([
    ['DspMSP', pkg('DspMSP', 'DSP')],
    ['Vsp1MSP', pkg('Vsp1MSP', 'VSP')],
  ]);
  const definition = { name: 'dao', version: '1.0', sequence: 1, packageId: 'dao_1.0:ab', packageFile: '/public/dao.tgz' };

  function domainSetup() {
    const ledger = new FakeLedger();
    const calls: string[] = [];
    const domainFabric = {
      ensureChaincode: async (channel: string, name: string) => void calls.push(`ensureChaincode ${channel} ${name}`),
      mspPackage: (mspId: string) => packages.get(mspId),
      admitOrganisation: async (channel: string, p: { mspId: string }) => void calls.push(`admit ${p.mspId} ${channel}`),
      formChannel: async (channel: string, ps: { mspId: string; peer: { endpoint: string; tlsCaCert: string } }[]) => {
        calls.push(`form ${channel} ${ps.map((p) => p.mspId).join(',')}`);
        return { channel, members: ps.map((p) => p.mspId), chaincodes: [definition], peers: ps.map((p) => ({ mspId: p.mspId, address: p.peer.endpoint, tlsCaCert: p.peer.tlsCaCert })) };
      },
      committedDefinition: async (channel: string, name: string) => ({ ...definition, name, sequence: 3, channel }),
    } as unknown as FabricAdmin;
    const sent: Record<string, unknown>[] = [];
    const service = new AdminService(domainFabric, ledger, registrar, { send: async (m) => void sent.push(m as unknown as Record<string, unknown>) });
    return { ledger, calls, sent, service };
  }

  it('admits a domain to marketplace from its package, records its CA, and tells its bridge to join and approve; it creates no organisation', async () => {
    const { ledger, calls, sent, service } = domainSetup();
    ledger.participants.delete('DspMSP');
    ledger.submit = (async (mspId: string, channel: string, _cc: string, fn: string, args: readonly string[]) => {
      if (fn === 'RegisterParticipant') ledger.participants.set('DspMSP', { ...(JSON.parse(args[0]!) as { mspId: string; role: string; name: string; caCertPem: string }), status: 'active' });
      ledger.submissions.push({ mspId, channel, fn, args });
      return { txId: 'tx', result: '{}' };
    }) as FakeLedger['submit'];
    const record = await service.onboardParticipant({ mspId: 'DspMSP', role: 'DSP', name: 'D' });
    expect(record).toMatchObject({ mspId: 'DspMSP', role: 'DSP', caCertPem: 'ca of DspMSP' });
    expect(calls).toEqual(['ensureChaincode marketplace marketplace', 'admit DspMSP marketplace']);
    expect(ledger.submissions.map((s) => [s.mspId, s.fn])).toEqual([['OperatorMSP', 'RegisterParticipant']]);
    expect(sent).toEqual([{ kind: 'channel-admitted', id: 'admitted:DspMSP:marketplace:3', mspId: 'DspMSP', channel: 'marketplace', chaincodes: [expect.objectContaining({ name: 'marketplace', sequence: 3 })] }]);
    await expect(service.onboardParticipant({ mspId: 'DspMSP', role: 'VSP', name: 'D' })).rejects.toMatchObject({ code: 'ROLE_MISMATCH' });
    await expect(service.enrollIdentity({ mspId: 'DspMSP', enrollmentId: 'alice', csrPem: 'x' })).rejects.toMatchObject({ code: 'ENROLL_IN_DOMAIN' });
  });

  it('refuses a registration with its own CA when no domain published an MSP package, creating nothing', async () => {
    const { ledger, calls, sent, service } = domainSetup();
    await expect(service.onboardParticipant({ mspId: 'NoPkgMSP', role: 'VSP', name: 'N', ownCa: true })).rejects.toMatchObject({ code: 'NO_MSP_PACKAGE', message: expect.stringMatching(/NoPkgMSP .*no MSP package/) });
    expect([calls, sent, ledger.submissions]).toEqual([[], [], []]);
    // With a package, ownCa is what the domain path does anyway: it is not recorded on the ledger.
    ledger.participants.delete('DspMSP');
    ledger.submit = (async (mspId: string, channel: string, _cc: string, fn: string, args: readonly string[]) => {
      ledger.participants.set('DspMSP', { ...(JSON.parse(args[0]!) as { mspId: string; role: string; name: string; caCertPem: string }), status: 'active' });
      ledger.submissions.push({ mspId, channel, fn, args });
      return { txId: 'tx', result: '{}' };
    }) as FakeLedger['submit'];
    await service.onboardParticipant({ mspId: 'DspMSP', role: 'DSP', name: 'D', ownCa: true });
    expect(ledger.submissions.map((s) => JSON.parse(s.args[0]!) as Record<string, unknown>)).toEqual([expect.not.objectContaining({ ownCa: expect.anything() })]);
  });

  it("forms a version's channel from the members' packages and leaves its initialisation to the DSP's own bridge", async () => {
    const { ledger, calls, sent, service } = domainSetup();
    const input = signed('acme', 1);
    const record = await service.createDaoVersion(input);
    expect(record).toEqual({ daoId: 'acme', version: 1, channel: 'dao-acme-v1', members: ['DspMSP', 'Vsp1MSP'], dsp: 'DspMSP', initTxId: '' });
    expect(calls).toEqual(['form dao-acme-v1 DspMSP,Vsp1MSP']);
    // Nothing submitted as a member, nothing published by the operator.
    expect(ledger.submissions).toEqual([]);
    expect(sent.map((m) => [m['kind'], m['mspId'], m['dsp'], m['channel']])).toEqual([
      ['channel-formed', 'DspMSP', 'DspMSP', 'dao-acme-v1'],
      ['channel-formed', 'Vsp1MSP', 'DspMSP', 'dao-acme-v1'],
    ]);
    expect(sent[0]).toMatchObject({ agreement: input.agreement, signatures: input.signatures, chaincodes: [definition], peers: [{ mspId: 'DspMSP' }, { mspId: 'Vsp1MSP' }] });
  });

  it('refuses a DAO with a member that has no domain of its own, naming it: NO_MSP_PACKAGE, nothing formed', async () => {
    const { calls, sent, service } = domainSetup();
    await expect(service.createDaoVersion(signed('mixed', 2))).rejects.toMatchObject({ code: 'NO_MSP_PACKAGE', message: expect.stringMatching(/^Vsp2MSP has published no MSP package/) });
    expect([calls, sent]).toEqual([[], []]);
  });
});

describe('AdminService: the operator creates, holds and acts as no organisation', () => {
  function setupWithoutDomains() {
    const ledger = new FakeLedger();
    const calls: string[] = [];
    const fabricWithoutDomains = {
      mspPackage: () => undefined,
      ensureChaincode: async (channel: string) => void calls.push(`ensureChaincode ${channel}`),
      caCertificate: (mspId: string) => `ca of ${mspId}`,
      formChannel: async () => void calls.push('formChannel'),
    } as unknown as FabricAdmin;
    const registered: string[] = [];
    const channels: ChannelRegistrar = { register: async (name, _cc, acting) => void registered.push(`${name} as ${acting}`) };
    const evaluated: string[] = [];
    const reading = Object.assign(ledger, {
      evaluate: async (mspId: string, channel: string, chaincode: string, fn: string, args: readonly string[]) => {
        evaluated.push(`${channel} ${fn} as ${mspId}`);
        return FakeLedger.prototype.evaluate.call(ledger, mspId, 'marketplace', chaincode, fn, args);
      },
    });
    const service = new AdminService(fabricWithoutDomains, reading, channels, { send: async () => void calls.push('inbox') });
    return { ledger, calls, registered, evaluated, service };
  }

  it('refuses onboarding without an MSP package with NO_MSP_PACKAGE (422) naming ./dev domain add; no organisation, identity or registration', async () => {
    const { ledger, calls, service } = setupWithoutDomains();
    const refusal = service.onboardParticipant({ mspId: 'NewVspMSP', role: 'VSP', name: 'New' });
    await expect(refusal).rejects.toMatchObject({ code: 'NO_MSP_PACKAGE', status: 422, message: expect.stringContaining('./dev domain add NewVspMSP --role VSP') });
    expect([calls, ledger.submissions]).toEqual([[], []]);
  });

  it('refuses a DAO version whose members are not in domains with NO_MSP_PACKAGE: no channel, chaincode, InitVersion or directory entry', async () => {
    const { ledger, calls, registered, service } = setupWithoutDomains();
    await expect(service.createDaoVersion(signed('held', 1))).rejects.toMatchObject({ code: 'NO_MSP_PACKAGE', status: 422, message: expect.stringMatching(/^DspMSP, Vsp1MSP have published no MSP package.*\.\/dev domain add/) });
    expect([calls, registered, ledger.submissions]).toEqual([[], [], []]);
  });

  it("refuses reading a DAO's private state as a member with NOT_CUSTODIAN (403), asking no peer", async () => {
    const { evaluated, service } = setupWithoutDomains();
    await expect(service.evaluateDao('acme', 1, DAO.tx.GetVersion, 'DspMSP')).rejects.toMatchObject({ code: 'NOT_CUSTODIAN', status: 403, message: expect.stringContaining('GET /daos/acme/versions/1/state') });
    await expect(service.evaluateDao('acme', 1, DAO.tx.GetEntitlements, 'Vsp1MSP')).rejects.toMatchObject({ code: 'NOT_CUSTODIAN' });
    expect(evaluated).toEqual([]);
  });

  it("relays a channel as the operator only: a DAO channel acting as its DSP is NOT_CUSTODIAN", async () => {
    const { registered, service } = setupWithoutDomains();
    await expect(service.registerChannel({ name: 'dao-acme-v1', chaincodes: ['dao'], actingMspId: 'DspMSP' })).rejects.toMatchObject({ code: 'NOT_CUSTODIAN', status: 403 });
    await service.registerChannel({ name: 'ops', chaincodes: ['hello'] });
    expect(registered).toEqual(['ops as OperatorMSP']);
  });
});

describe("AdminService: the operator's view of the network and its participants", () => {
  const orderer = (name: string, height: number) => ({ orderer: name, endpoint: `localhost:${name === 'orderer0' ? 7050 : 7053}`, status: 'active', consensusRelation: 'consenter', height });
  const config = (...mspIds: string[]) => ({ organisations: mspIds.map((mspId) => ({ mspId, anchorPeers: [] })), ordererOrganisations: [{ mspId: 'OrdererMSP', endpoints: ['localhost:7050'] }], consenters: ['localhost:7050'], consensusType: 'etcdraft' });
  function networkFabric(overrides: Partial<FabricAdmin> = {}): FabricAdmin {
    return {
      ordererChannels: async () => new Map([['dao-d1-v1', [orderer('orderer0', 5)]], ['marketplace', [orderer('orderer0', 12), orderer('orderer1', 12)]]]),
      channelConfig: async (channel: string) => (channel === 'marketplace' ? config('DspMSP', 'OperatorMSP', 'VspMSP') : config('DspMSP', 'VspMSP')),
      orderers: () => [{ name: 'orderer0', mspId: 'OrdererMSP', endpoint: 'localhost:7050', adminEndpoint: 'localhost:7051' }],
      knownPeers: (mspIds: readonly string[]) =>
        mspIds.filter((mspId) => mspId !== 'VspMSP').map((mspId) => ({ mspId, endpoint: `peer0.${mspId}:7051`, hostAlias: 'localhost', source: mspId === 'DspMSP' ? 'msp-package' : 'operator-tooling' })),
      ...overrides,
    } as unknown as FabricAdmin;
  }

  it('lists every channel its orderers serve with the organisations of its config, the orderers, and the peers it knows of (each organisation once)', async () => {
    const view = await new AdminService(networkFabric(), new FakeLedger(), registrar).network();
    expect(view.channels.map((c) => [c.name, c.organisations.map((o) => o.mspId), c.orderers.map((o) => `${o.orderer}@${o.height}`)])).toEqual([
      ['dao-d1-v1', ['DspMSP', 'VspMSP'], ['orderer0@5']],
      ['marketplace', ['DspMSP', 'OperatorMSP', 'VspMSP'], ['orderer0@12', 'orderer1@12']],
    ]);
    expect(view.channels[0]).toMatchObject({ consenters: ['localhost:7050'], consensusType: 'etcdraft', ordererOrganisations: [{ mspId: 'OrdererMSP', endpoints: ['localhost:7050'] }] });
    expect(view.orderers).toEqual([{ name: 'orderer0', mspId: 'OrdererMSP', endpoint: 'localhost:7050', adminEndpoint: 'localhost:7051' }]);
    // VspMSP's peer is known from nothing public: it is left out, not guessed.
    expect(view.peers).toEqual([
      { mspId: 'DspMSP', endpoint: 'peer0.DspMSP:7051', hostAlias: 'localhost', source: 'msp-package' },
      { mspId: 'OperatorMSP', endpoint: 'peer0.OperatorMSP:7051', hostAlias: 'localhost', source: 'operator-tooling' },
    ]);
  });

  it("fetches a channel's config again only when the channel has grown (a config changes only in a new block)", async () => {
    const heights = new Map([['dao-d1-v1', 5], ['marketplace', 12]]);
    const fetched: string[] = [];
    const fabric = networkFabric({
      ordererChannels: async () => new Map([...heights].map(([name, height]) => [name, [orderer('orderer0', height)]])),
      channelConfig: async (channel: string) => (fetched.push(channel), config('DspMSP', 'VspMSP')),
    });
    const service = new AdminService(fabric, new FakeLedger(), registrar);
    await service.network();
    await service.network();
    expect(fetched.sort()).toEqual(['dao-d1-v1', 'marketplace']);
    heights.set('marketplace', 13);
    const view = await service.network();
    expect(fetched.sort()).toEqual(['dao-d1-v1', 'marketplace', 'marketplace']);
    expect(view.channels.map((c) => c.name)).toEqual(['dao-d1-v1', 'marketplace']);
  });

  it('answers LEDGER_UNAVAILABLE when the orderers do not list their channels or a config cannot be fetched', async () => {
    const noList = networkFabric({ ordererChannels: async () => Promise.reject(new Error('connection refused')) });
    await expect(new AdminService(noList, new FakeLedger(), registrar).network()).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    const noConfig = networkFabric({ channelConfig: async () => Promise.reject(new Error('SERVICE_UNAVAILABLE')) });
    await expect(new AdminService(noConfig, new FakeLedger(), registrar).network()).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE', message: expect.stringContaining('dao-d1-v1') });
  });

  it('lists the registered participants by MSP id with status and sanction, without their CA certificates', async () => {
    const ledger = new FakeLedger();
    ledger.evaluate = async (_msp, channel, _cc, fn) => {
      expect([channel, fn]).toEqual(['marketplace', 'ListParticipants']);
      return JSON.stringify([
        { mspId: 'VspMSP', role: 'VSP', name: 'V', status: 'suspended', registeredAtMs: 2, registeredBy: 'x', caCertPem: 'pem', sanction: { reason: 'spam', atMs: 3, by: 'OperatorMSP:admin' } },
        { mspId: 'DspMSP', role: 'DSP', name: 'D', status: 'active', registeredAtMs: 1, registeredBy: 'x', caCertPem: 'pem' },
      ]);
    };
    expect(await new AdminService(fabric, ledger, registrar).listParticipants()).toEqual({
      participants: [
        { mspId: 'DspMSP', role: 'DSP', name: 'D', status: 'active', registeredAtMs: 1 },
        { mspId: 'VspMSP', role: 'VSP', name: 'V', status: 'suspended', registeredAtMs: 2, sanction: { reason: 'spam', atMs: 3, by: 'OperatorMSP:admin' } },
      ],
    });
  });
});
