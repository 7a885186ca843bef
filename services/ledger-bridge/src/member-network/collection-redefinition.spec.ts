import { testCertificateAuthority } from '@datawell/testing';
import type { ChannelConfigView, CommittedDefinition, ConfigOrganisation } from '@datawell/stack';
import { adminRefusal as refusal } from '../admin/admin-error.spec-helper';
import { AdminError } from '../admin/admin.errors';
import { CollectionRedefinitions } from './collection-redefinition';
import type { DefinitionAt } from './member-network.service';

/*
 * A member's bridge approves (and, the last one, commits) the dao chaincode's new collection from
 * what its own peer and admin show: fakes of them record what it approved and committed, with which
 * collection.
 */

const CHANNEL = 'dao-acme-v2';
const DSP = 'DspMSP';
const VSP = 'VspMSP';
const NEW = 'NewMSP';
const cas: Record<string, string> = {};
beforeAll(async () => {
  for (const msp of [DSP, VSP, NEW, 'OrdererTls', 'Impostor']) cas[msp] = (await testCertificateAuthority(`ca.${msp}`)).caCertPem;
});

interface Setup {
  /** The channel's organisations as the member's peer shows them (default: the DSP, the VSP and the newcomer, unsorted). */
  readonly orgs?: readonly string[];
  /** The committed definition (default: sequence 1, collection of the DSP and the VSP). */
  readonly committed?: CommittedDefinition | 'none';
  /** Who has approved the next definition, as checkcommitreadiness on the member's peer answers (besides this member once it approved). */
  readonly approvedBy?: readonly string[];
  readonly self?: string;
  /** The channels the bridge follows (default: the version's). */
  readonly followed?: readonly string[];
  /** The channels its peer has joined (default: the followed ones). */
  readonly joined?: readonly string[];
  /** This member's CA in the channel's config (default: its own). */
  readonly caInConfig?: string;
  readonly guard?: (channel: string) => void;
  readonly commitFails?: Error;
  /** The commit fails because another member's bridge committed the same definition meanwhile. */
  readonly committedMeanwhile?: boolean;
}

function service(setup: Setup = {}) {
  const self = setup.self ?? DSP;
  const orgs = setup.orgs ?? [VSP, NEW, DSP];
  let committed: CommittedDefinition | undefined = setup.committed === 'none' ? undefined : (setup.committed ?? { version: '1.0', sequence: 1, approvals: { [DSP]: true, [VSP]: true }, collectionMembers: [DSP, VSP] });
  const approved: Array<{ channel: string; def: DefinitionAt; members: readonly string[] }> = [];
  const committedBy: Array<{ channel: string; def: DefinitionAt; members: readonly string[] }> = [];
  const asked: Array<readonly string[]> = [];
  const view = (): ChannelConfigView => ({
    channelId: CHANNEL,
    organisations: orgs.map((mspId): ConfigOrganisation => ({ mspId, rootCertPems: [mspId === self ? (setup.caInConfig ?? cas[mspId]!) : cas[mspId]!], intermediateCertPems: [], tlsRootCertPems: [], modPolicy: 'Admins', policies: Object.fromEntries(['Admins', 'Readers', 'Writers', 'Endorsement'].map((n) => [n, { signers: [mspId] }])) })),
    ordererOrganisations: [{ mspId: 'OrdererMSP', tlsRootCertPems: [cas['OrdererTls']!] }],
    applicationPolicies: Object.fromEntries(['Admins', 'Endorsement', 'LifecycleEndorsement'].map((n) => [n, { implicitMeta: { rule: 'MAJORITY', subPolicy: n === 'LifecycleEndorsement' ? 'Endorsement' : n } }]).concat(['Readers', 'Writers'].map((n) => [n, { implicitMeta: { rule: 'ANY', subPolicy: n } }]))),
  });
  const followed = setup.followed ?? [CHANNEL];
  const redefinitions = new CollectionRedefinitions({
    ledger: { mspId: self, channels: async () => [...followed] },
    admin: {
      ownPeerChannels: async () => [...(setup.joined ?? followed)],
      channelOrganisations: async (channel) => (channel === CHANNEL ? orgs.map((mspId) => ({ mspId, rootCertPems: [cas[mspId]!] })) : Promise.reject(new Error(`no channel ${channel}`))),
      committedDefinition: async () => committed,
      approveDefinition: async (channel, def, members) => void approved.push({ channel, def, members }),
      definitionApprovals: async (_channel, _def, members) => {
        asked.push(members);
        const by = new Set([...(setup.approvedBy ?? []), ...approved.map(() => self)]);
        return Object.fromEntries(orgs.map((o) => [o, by.has(o)]));
      },
      commitDefinition: async (channel, def, members) => {
        const now = { version: def.version, sequence: def.sequence, approvals: Object.fromEntries(members.map((m) => [m, true])), collectionMembers: [...members] };
        if (setup.committedMeanwhile) committed = now;
        if (setup.commitFails) throw setup.commitFails;
        committedBy.push({ channel, def, members });
        committed = now;
      },
      joinedChannel: async () => ({ genesis: view(), latest: view() }),
      ownCaCertPems: () => [cas[self]!],
      ordererTlsCaPems: () => [cas['OrdererTls']!],
    },
    ...(setup.guard ? { guard: setup.guard } : {}),
  });
  const redefine = (body: unknown = {}, daoId = 'acme', version = 2) => redefinitions.redefine(daoId, version, body);
  return { redefine, approved, committedBy, asked };
}

const SORTED = [DSP, NEW, VSP];

describe("a member's bridge approves and commits the dao chaincode's collection from its own peer's view", () => {
  it('approves, as its admin, the next sequence with the collection of the channel its own peer shows', async () => {
    const s = service();
    await expect(s.redefine()).resolves.toEqual({ daoId: 'acme', version: 2, channel: CHANNEL, chaincode: 'dao', members: SORTED, sequence: 2, outcome: 'approved' });
    expect(s.approved).toEqual([{ channel: CHANNEL, def: { name: 'dao', version: '1.0', sequence: 2 }, members: SORTED }]);
    expect(s.committedBy).toEqual([]);
    // Asked again: approved again (approveChaincode leaves an approval with the same package as it is).
    await expect(s.redefine({ commit: false })).resolves.toMatchObject({ outcome: 'approved', sequence: 2 });
  });

  it('answers current when the committed collection has the channel organisations already, approving nothing', async () => {
    const s = service({ orgs: [VSP, DSP] });
    await expect(s.redefine({ commit: true })).resolves.toEqual({ daoId: 'acme', version: 2, channel: CHANNEL, chaincode: 'dao', members: [DSP, VSP], sequence: 1, outcome: 'current' });
    expect([...s.approved, ...s.committedBy]).toEqual([]);
  });

  it('an unseat shrinks the collection to the channel organisations its peer shows', async () => {
    const s = service({ orgs: [NEW, DSP], committed: { version: '1.0', sequence: 3, approvals: {}, collectionMembers: [DSP, NEW, VSP] } });
    await expect(s.redefine()).resolves.toMatchObject({ members: [DSP, NEW], sequence: 4, outcome: 'approved' });
  });

  it('commits once every organisation approved, with the same collection, then answers current', async () => {
    const s = service({ approvedBy: [VSP, NEW] });
    await expect(s.redefine({ commit: true })).resolves.toEqual({ daoId: 'acme', version: 2, channel: CHANNEL, chaincode: 'dao', members: SORTED, sequence: 2, outcome: 'committed' });
    expect(s.approved.map((a) => a.members)).toEqual([SORTED]);
    expect(s.asked).toEqual([SORTED]);
    expect(s.committedBy).toEqual([{ channel: CHANNEL, def: { name: 'dao', version: '1.0', sequence: 2 }, members: SORTED }]);
    await expect(s.redefine({ commit: true })).resolves.toMatchObject({ sequence: 2, outcome: 'current' });
    expect(s.committedBy).toHaveLength(1);
  });

  it('refuses to commit before every organisation approved: 409 COLLECTION_NOT_APPROVED naming those missing, after its own approval', async () => {
    const s = service({ approvedBy: [VSP] });
    const error = await refusal(s.redefine({ commit: true }));
    expect([error.code, error.status]).toEqual(['COLLECTION_NOT_APPROVED', 409]);
    expect(error.message).toMatch(/not approved yet by NewMSP/);
    expect(error.exposedDetails()).toEqual({ missing: [NEW] });
    expect(s.approved).toHaveLength(1);
    expect(s.committedBy).toEqual([]);
  });

  it('a commit that fails because another bridge committed meanwhile answers current; any other failure is LEDGER_UNAVAILABLE', async () => {
    const conflict = new Error('peer lifecycle chaincode commit exited with code 1:\nError: transaction invalidated with status (MVCC_READ_CONFLICT)');
    const raced = service({ approvedBy: [VSP, NEW], commitFails: conflict, committedMeanwhile: true });
    await expect(raced.redefine({ commit: true })).resolves.toMatchObject({ sequence: 2, outcome: 'current' });
    const failed = service({ approvedBy: [VSP, NEW], commitFails: conflict });
    const error = await refusal(failed.redefine({ commit: true }));
    expect([error.code, error.status, error.message]).toEqual(['LEDGER_UNAVAILABLE', 503, expect.stringMatching(/could not be committed on dao-acme-v2 by DspMSP's admin: peer lifecycle chaincode commit exited/)]);
  });

  it('uses the collection its own peer shows, whatever the request says: extra fields are refused (400)', async () => {
    const s = service();
    for (const body of [{ members: [DSP] }, { commit: 'yes' }, { commit: true, collection: 'x' }, [], 'commit']) {
      const error = await refusal(s.redefine(body));
      expect([error.code, error.status]).toEqual(['INVALID_REQUEST', 400]);
    }
    expect(s.approved).toEqual([]);
    await s.redefine(undefined);
    expect(s.approved.map((a) => a.members)).toEqual([SORTED]);
  });

  it('answers VERSION_NOT_FOUND for a version whose channel its peer has not joined, INVALID_REQUEST for a bad DAO id', async () => {
    const s = service({ followed: ['dao-acme-v1'] });
    const missing = await refusal(s.redefine({}));
    expect([missing.code, missing.status]).toEqual(['VERSION_NOT_FOUND', 404]);
    expect((await refusal(service().redefine({}, 'Bad_Id'))).code).toBe('INVALID_REQUEST');
    expect((await refusal(service({ committed: 'none' }).redefine({}))).code).toBe('VERSION_NOT_FOUND');
    expect(s.approved).toEqual([]);
  });

  it("approves on a seat's channel its peer joined before its bridge relays it, after the newcomer's own check of the channel", async () => {
    const s = service({ self: NEW, followed: [], joined: [CHANNEL] });
    await expect(s.redefine({})).resolves.toMatchObject({ members: SORTED, outcome: 'approved' });
    // Its own organisation in the channel's config with another CA than its own: refused, nothing approved.
    const refused = service({ self: NEW, followed: [], joined: [CHANNEL], caInConfig: cas['Impostor'] });
    const error = await refusal(refused.redefine({}));
    expect([error.code, error.status]).toEqual(['CHANNEL_REFUSED', 422]);
    expect(refused.approved).toEqual([]);
  });

  it('approves nothing on a channel whose config failed its checks (ChannelConfigWatch guard)', async () => {
    const s = service({
      guard: () => {
        throw new AdminError('CHANNEL_REFUSED', `${CHANNEL}: its latest config failed DspMSP's checks`);
      },
    });
    expect((await refusal(s.redefine({ commit: true }))).code).toBe('CHANNEL_REFUSED');
    expect([...s.approved, ...s.committedBy]).toEqual([]);
  });

  it("answers LEDGER_UNAVAILABLE when its peer or admin does not answer", async () => {
    const s = service();
    const down = new CollectionRedefinitions({
      ledger: { mspId: DSP, channels: async () => [CHANNEL] },
      admin: { channelOrganisations: async () => Promise.reject(new Error('connect ECONNREFUSED')) } as never,
    });
    const error = await refusal(down.redefine('acme', 2, {}));
    expect([error.code, error.status]).toEqual(['LEDGER_UNAVAILABLE', 503]);
    expect(s.approved).toEqual([]);
  });
});
