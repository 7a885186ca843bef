import { testCertificateAuthority } from '@datawell/testing';
import { adminRefusal as refusal } from '../admin/admin-error.spec-helper';
import type { MemberLedger } from '../admin/member-dao';
import { ConfigSignatures } from './config-signature';
import { applyWriteSet, configChange, configDifference, type ConfigGroup } from './config-update-check';

/*
 * Config groups and updates in configtxlator's JSON, as the stack's configtxgen makes them (each
 * organisation's policies its own, a DAO channel governed by its members' majority), and updates
 * computed from them by Fabric's rule (`computeUpdate` below follows configtx/update.go).
 */

const CHANNEL = 'dao-acme-v2';
const DSP = 'DspMSP';
const VSP1 = 'Vsp1MSP';
const LEAVER = 'Vsp2MSP';
const NEWCOMER = 'NewMSP';
const cas: Record<string, string> = {};
beforeAll(async () => {
  for (const msp of [DSP, VSP1, LEAVER, NEWCOMER, 'OperatorMSP', 'Impostor', 'OrdererTls']) cas[msp] = (await testCertificateAuthority(`ca.${msp}`)).caCertPem;
});

const b64 = (pem: string) => Buffer.from(pem).toString('base64');
const sig = (...msps: string[]) => ({ version: '0', mod_policy: 'Admins', policy: { type: 1, value: { identities: msps.map((m) => ({ principal: { msp_identifier: m, role: 'ADMIN' }, principal_classification: 'ROLE' })), rule: { n_out_of: { n: 1, rules: [{ signed_by: 0 }] } }, version: 0 } } });
const meta = (rule: string, sub: string) => ({ version: '0', mod_policy: 'Admins', policy: { type: 3, value: { rule, sub_policy: sub } } });

/** An organisation's group as configtxgen -printOrg writes it, with its anchor peer. */
function org(name: string, ca = cas[name]!, port = 7051): ConfigGroup {
  return {
    version: '0',
    mod_policy: 'Admins',
    groups: {},
    values: {
      MSP: { version: '0', mod_policy: 'Admins', value: { type: 0, config: { name, root_certs: [b64(ca)], tls_root_certs: [b64(ca)], intermediate_certs: [], admins: [], fabric_node_ous: { enable: true, admin_ou_identifier: { certificate: b64(ca), organizational_unit_identifier: 'admin' } } } } },
      AnchorPeers: { version: '0', mod_policy: 'Admins', value: { anchor_peers: [{ host: '127.0.0.1', port }] } },
    },
    policies: { Admins: sig(name), Readers: sig(name), Writers: sig(name), Endorsement: sig(name) },
  };
}

/** A DAO channel's config group with these organisations (versions as after a few updates). */
function daoChannel(orgs: readonly string[]): ConfigGroup {
  return {
    version: '0',
    mod_policy: 'Admins',
    groups: {
      Application: {
        version: '3',
        mod_policy: 'Admins',
        groups: Object.fromEntries(orgs.map((o) => [o, org(o)])),
        values: { Capabilities: { version: '0', mod_policy: 'Admins', value: { capabilities: { V2_0: {} } } } },
        policies: { Admins: meta('MAJORITY', 'Admins'), Readers: meta('ANY', 'Readers'), Writers: meta('ANY', 'Writers'), Endorsement: meta('MAJORITY', 'Endorsement'), LifecycleEndorsement: meta('MAJORITY', 'Endorsement') },
      },
      Orderer: {
        version: '0',
        mod_policy: 'Admins',
        groups: { OrdererOrg: { version: '0', mod_policy: 'Admins', values: { MSP: { version: '0', mod_policy: 'Admins', value: { config: { name: 'OrdererMSP', root_certs: [b64(cas['OrdererTls']!)], tls_root_certs: [b64(cas['OrdererTls']!)] } } } }, policies: {} } },
        values: { BatchSize: { version: '0', mod_policy: 'Admins', value: { max_message_count: 10 } } },
        policies: { Admins: meta('MAJORITY', 'Admins') },
      },
    },
    values: { Capabilities: { version: '0', mod_policy: 'Admins', value: { capabilities: { V2_0: {} } } } },
    policies: { Admins: meta('MAJORITY', 'Admins'), Readers: meta('ANY', 'Readers'), Writers: meta('ANY', 'Writers') },
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
type Item = { version?: string; mod_policy?: string };

/** The write set Fabric's configtxlator compute_update gives for original → updated (configtx/update.go). */
function computeUpdate(original: ConfigGroup, updated: ConfigGroup): { write: ConfigGroup; changed: boolean } {
  const v = (x: { version?: string | number }) => Number(x.version ?? 0);
  let members = false;
  let inner = false;
  const maps = (kind: 'values' | 'policies') => {
    const write: Record<string, Item> = {};
    const sameSet: Record<string, Item> = {};
    for (const [name, o] of Object.entries(original[kind] ?? {})) {
      const u = updated[kind]?.[name];
      if (!u) members = true;
      else if (same({ ...o, version: 0 }, { ...u, version: 0 })) sameSet[name] = { version: String(v(o)) };
      else {
        write[name] = { ...u, version: String(v(o) + 1) };
        inner = true;
      }
    }
    for (const [name, u] of Object.entries(updated[kind] ?? {})) {
      if (!original[kind]?.[name]) {
        members = true;
        write[name] = { ...u, version: '0' };
      }
    }
    return { write, sameSet };
  };
  const values = maps('values');
  const policies = maps('policies');
  const groupsWrite: Record<string, ConfigGroup> = {};
  const groupsSame: Record<string, ConfigGroup> = {};
  for (const [name, o] of Object.entries(original.groups ?? {})) {
    const u = updated.groups?.[name];
    if (!u) {
      members = true;
      continue;
    }
    const child = computeUpdate(o, u);
    if (child.changed) {
      groupsWrite[name] = child.write;
      inner = true;
    } else groupsSame[name] = { version: String(v(o)) };
  }
  for (const [name, u] of Object.entries(updated.groups ?? {})) {
    if (!original.groups?.[name]) {
      members = true;
      groupsWrite[name] = u;
    }
  }
  if (!members && original.mod_policy === updated.mod_policy) {
    return { write: { version: String(v(original)), groups: groupsWrite, values: values.write, policies: policies.write }, changed: inner };
  }
  return {
    write: { version: String(v(original) + 1), mod_policy: updated.mod_policy ?? '', groups: { ...groupsSame, ...groupsWrite }, values: { ...values.sameSet, ...values.write }, policies: { ...policies.sameSet, ...policies.write } },
    changed: true,
  };
}

/** A decoded CONFIG_UPDATE envelope (configtxlator's JSON) taking `current` to `edit(current)`. */
function envelope(current: ConfigGroup, edit: (config: { groups: Record<string, ConfigGroup & { groups: Record<string, ConfigGroup>; policies: Record<string, unknown> }> }) => void, channel = CHANNEL, type = 2): unknown {
  const updated = structuredClone(current) as Parameters<typeof edit>[0];
  edit(updated);
  const { write } = computeUpdate(current, updated as ConfigGroup);
  return { payload: { header: { channel_header: { channel_id: channel, type } }, data: { config_update: { channel_id: channel, read_set: {}, write_set: write }, signatures: [] } } };
}

const seated = (c: Parameters<Parameters<typeof envelope>[1]>[0], group = org(NEWCOMER, cas[NEWCOMER], 9051)) => void (c.groups['Application']!.groups[NEWCOMER] = group as never);
const unseated = (c: Parameters<Parameters<typeof envelope>[1]>[0], msp = LEAVER) => void delete c.groups['Application']!.groups[msp];

interface Setup {
  readonly orgs?: readonly string[];
  readonly transfer?: Record<string, unknown> | 'none';
  readonly registeredCa?: string;
  readonly decoded: unknown;
  readonly self?: string;
  /** What the ordering service says to a submission (default: takes it). */
  readonly orderer?: () => Promise<void>;
}

/** The service with this member's peer and admin as fakes over the configs above: what it would sign, and whether it signed. */
function service(setup: Setup) {
  const self = setup.self ?? DSP;
  const signed: Buffer[] = [];
  const submitted: Array<{ channel: string; envelope: Buffer }> = [];
  const marketplace = daoChannel(['OperatorMSP', DSP, VSP1, LEAVER, NEWCOMER]);
  // The newcomer's group in marketplace was written by the operator's admission: same content, its own versions.
  (marketplace.groups!['Application']!.groups as Record<string, ConfigGroup>)[NEWCOMER] = { ...org(NEWCOMER, cas[NEWCOMER], 9051), version: '2' };
  const transfer = setup.transfer ?? { transferId: 't1', status: 'offered', from: LEAVER, to: NEWCOMER, consented: true, recipientWasMember: false };
  const ledger: Pick<MemberLedger, 'mspId' | 'channels' | 'evaluate'> = {
    mspId: self,
    channels: async () => [CHANNEL, 'marketplace'],
    evaluate: async (_as, channel, _cc, fn, args) => {
      if (fn === 'GetTransfer') {
        if (transfer === 'none' || args[0] !== transfer['transferId']) throw Object.assign(new Error(`NOT_FOUND: no transfer ${args[0]}`), { details: [] });
        return JSON.stringify(transfer);
      }
      if (channel === 'marketplace' && fn === 'GetParticipant') return JSON.stringify({ mspId: args[0], status: 'active', caCertPem: setup.registeredCa ?? cas[String(args[0])] });
      throw new Error(`unexpected ${fn}`);
    },
  };
  const current = daoChannel(setup.orgs ?? [DSP, VSP1, LEAVER]);
  const signatures = new ConfigSignatures({
    ledger,
    admin: {
      channelConfig: async (channel) => (channel === 'marketplace' ? marketplace : current),
      decodeConfigUpdate: async (bytes) => {
        if (bytes.toString() !== 'envelope') throw new Error('proto: cannot parse invalid wire-format data');
        return setup.decoded;
      },
      signConfigUpdate: async (bytes) => {
        signed.push(bytes);
        return Buffer.concat([bytes, Buffer.from(`+${self}`)]);
      },
      submitConfigUpdate: async (channel, bytes) => {
        await (setup.orderer ?? (async () => undefined))();
        submitted.push({ channel, envelope: bytes });
      },
      ownCaCertPems: () => [cas[self]!],
      ordererTlsCaPems: () => [cas['OrdererTls']!],
    },
  });
  const sign = (transferId = 't1', bytes = 'envelope', submit?: boolean) => signatures.sign('acme', 2, { transferId, envelope: Buffer.from(bytes).toString('base64'), ...(submit === undefined ? {} : { submit }) });
  return { sign, signed, submitted, current };
}

describe('a member signs a seat or unseat config update only after its own check', () => {
  it('signs the seat that adds exactly the recipient as marketplace records it, the transfer consented', async () => {
    const s = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated) });
    const answer = await s.sign();
    expect(answer).toEqual({ daoId: 'acme', version: 2, channel: CHANNEL, transferId: 't1', change: { kind: 'seat', mspId: NEWCOMER }, signedBy: DSP, envelope: Buffer.from(`envelope+${DSP}`).toString('base64') });
    expect(s.signed).toHaveLength(1);
  });

  it('as the last signer, submits the checked update as its admin instead of answering a signature (submit)', async () => {
    const s = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated) });
    const answer = await s.sign('t1', 'envelope', true);
    expect(answer).toMatchObject({ change: { kind: 'seat', mspId: NEWCOMER }, signedBy: DSP, submitted: true, envelope: Buffer.from('envelope').toString('base64') });
    expect(s.submitted).toEqual([{ channel: CHANNEL, envelope: Buffer.from('envelope') }]);
    expect(s.signed).toHaveLength(0);
    // Without submit, nothing is submitted.
    await s.sign();
    expect(s.submitted).toHaveLength(1);
  });

  it('submits nothing it refuses, and says when the ordering service does not take the update', async () => {
    const refused = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), (c: Parameters<typeof seated>[0]) => seated(c, org(NEWCOMER, cas['Impostor'], 9051))) });
    expect((await refusal(refused.sign('t1', 'envelope', true))).code).toBe('CONFIG_UPDATE_REFUSED');
    expect(refused.submitted).toHaveLength(0);
    const short = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated), orderer: async () => Promise.reject(new Error('Error: got unexpected status: BAD_REQUEST -- error applying config update to existing channel: implicit policy evaluation failed - 1 sub-policies were satisfied, but this policy requires 2')) });
    const e = await refusal(short.sign('t1', 'envelope', true));
    expect([e.code, e.message]).toEqual(['CONFIG_UPDATE_NOT_ACCEPTED', expect.stringMatching(/did not take the update of .*: Error: got unexpected status: BAD_REQUEST/)]);
    // As libs/stack's run reports it: the command on the first line, the orderer's answer in the output below.
    const cli = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated), orderer: async () => Promise.reject(new Error('peer channel update -f envelope.pb -c dao-acme-v2 exited with code 1:\nError: got unexpected status: BAD_REQUEST -- error applying config update to existing channel \'dao-acme-v2\': error authorizing update: implicit policy evaluation failed')) });
    const refusedByCli = await refusal(cli.sign('t1', 'envelope', true));
    expect([refusedByCli.code, refusedByCli.message]).toEqual(['CONFIG_UPDATE_NOT_ACCEPTED', expect.stringMatching(/did not take the update of .*: Error: got unexpected status: BAD_REQUEST -- error applying config update/)]);
    const down = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated), orderer: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:7050')) });
    expect((await refusal(down.sign('t1', 'envelope', true))).code).toBe('LEDGER_UNAVAILABLE');
  });

  it('signs the unseat that removes exactly the leaver of a completed transfer', async () => {
    const orgs = [DSP, VSP1, LEAVER, NEWCOMER];
    const s = service({ orgs, decoded: envelope(daoChannel(orgs), unseated), transfer: { transferId: 't1', status: 'completed', from: LEAVER, to: NEWCOMER, consented: true } });
    expect((await s.sign()).change).toEqual({ kind: 'unseat', mspId: LEAVER });
  });

  it.each([
    ['adds another organisation than the recipient', (c: Parameters<typeof seated>[0]) => void (c.groups['Application']!.groups['Vsp9MSP'] = org('Vsp9MSP', cas['Impostor']) as never), /adds Vsp9MSP; transfer t1's recipient is NewMSP/],
    ['adds the recipient with another CA than it registered', (c: Parameters<typeof seated>[0]) => seated(c, org(NEWCOMER, cas['Impostor'], 9051)), /changes the value MSP of Channel\/Application\/NewMSP/],
    ['adds the recipient with another anchor peer', (c: Parameters<typeof seated>[0]) => seated(c, org(NEWCOMER, cas[NEWCOMER], 9999)), /changes the value AnchorPeers of Channel\/Application\/NewMSP/],
    ['adds the recipient with an Admins policy naming another organisation', (c: Parameters<typeof seated>[0]) => seated(c, { ...org(NEWCOMER, cas[NEWCOMER], 9051), policies: { ...org(NEWCOMER).policies, Admins: sig(NEWCOMER, DSP) } }), /changes the policy Admins of Channel\/Application\/NewMSP/],
    [
      'changes the channel Admins policy besides the addition',
      (c: Parameters<typeof seated>[0]) => {
        seated(c);
        c.groups['Application']!.policies['Admins'] = meta('ANY', 'Admins');
      },
      /changes the policy Admins of Channel\/Application, beyond adding NewMSP/,
    ],
    [
      'changes the orderer besides the addition',
      (c: Parameters<typeof seated>[0]) => {
        seated(c);
        (c.groups['Orderer']!.values as Record<string, unknown>)['BatchSize'] = { version: '0', mod_policy: 'Admins', value: { max_message_count: 1 } };
      },
      /changes the value BatchSize of Channel\/Orderer/,
    ],
    [
      "changes another organisation's anchor peer besides the addition",
      (c: Parameters<typeof seated>[0]) => {
        seated(c);
        c.groups['Application']!.groups[VSP1] = org(VSP1, cas[VSP1], 1234) as never;
      },
      /changes the value AnchorPeers of Channel\/Application\/Vsp1MSP/,
    ],
    [
      'removes the leaver while it seats the recipient',
      (c: Parameters<typeof seated>[0]) => {
        seated(c);
        unseated(c);
      },
      /adds NewMSP and removes Vsp2MSP/,
    ],
  ])('refuses a seat update that %s (422 CONFIG_UPDATE_REFUSED naming it), signing nothing', async (_what, edit, reason) => {
    const s = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), edit) });
    const error = await refusal(s.sign());
    expect(error.code).toBe('CONFIG_UPDATE_REFUSED');
    expect(error.message).toMatch(reason);
    expect(s.signed).toHaveLength(0);
  });

  it('refuses the right seat when the registered CA is not the one marketplace config has', async () => {
    const s = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated), registeredCa: cas['Impostor'] });
    expect((await refusal(s.sign())).message).toMatch(/NewMSP's MSP in marketplace is not exactly the CA its registration holds/);
    expect(s.signed).toHaveLength(0);
  });

  it.each([
    ['not consented yet', { transferId: 't1', status: 'offered', from: LEAVER, to: NEWCOMER, consented: false, recipientWasMember: false }, /consent rule of transfer t1 does not hold yet/],
    ['completed', { transferId: 't1', status: 'completed', from: LEAVER, to: NEWCOMER, consented: true }, /the update adds NewMSP: transfer t1 is completed/],
    ['to a member of the group', { transferId: 't1', status: 'offered', from: LEAVER, to: NEWCOMER, consented: true, recipientWasMember: true }, /needs no seat/],
  ])('refuses a seat for a transfer %s', async (_what, transfer, reason) => {
    const s = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated), transfer });
    const error = await refusal(s.sign());
    expect(error.code).toBe('CONFIG_UPDATE_REFUSED');
    expect(error.message).toMatch(reason);
  });

  it('refuses an unseat that removes someone other than the leaver, or before the transfer completed', async () => {
    const orgs = [DSP, VSP1, LEAVER, NEWCOMER];
    const completed = { transferId: 't1', status: 'completed', from: LEAVER, to: NEWCOMER, consented: true };
    const other = service({ orgs, decoded: envelope(daoChannel(orgs), (c) => unseated(c, VSP1)), transfer: completed });
    expect((await refusal(other.sign())).message).toMatch(/removes Vsp1MSP; transfer t1's leaver is Vsp2MSP/);
    const open = service({ orgs, decoded: envelope(daoChannel(orgs), unseated) });
    expect((await refusal(open.sign())).message).toMatch(/the update removes Vsp2MSP: transfer t1 is offered/);
    const more = service({
      orgs,
      transfer: completed,
      decoded: envelope(daoChannel(orgs), (c) => {
        unseated(c);
        c.groups['Application']!.policies['Endorsement'] = meta('ANY', 'Endorsement');
      }),
    });
    expect((await refusal(more.sign())).message).toMatch(/changes the policy Endorsement of Channel\/Application, beyond removing Vsp2MSP/);
    expect([...other.signed, ...open.signed, ...more.signed]).toHaveLength(0);
  });

  it('refuses an envelope of another channel or of another type', async () => {
    const other = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated, 'dao-acme-v1') });
    expect((await refusal(other.sign())).message).toMatch(/names channel "dao-acme-v1", not dao-acme-v2/);
    const tx = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated, CHANNEL, 3) });
    expect((await refusal(tx.sign())).message).toMatch(/not a CONFIG_UPDATE \(header type 3\)/);
  });

  it('answers TRANSFER_NOT_FOUND for a transfer the channel does not record, VERSION_NOT_FOUND for a version it is not in, INVALID_REQUEST for a malformed envelope', async () => {
    const s = service({ decoded: envelope(daoChannel([DSP, VSP1, LEAVER]), seated) });
    expect((await refusal(s.sign('t-unknown'))).code).toBe('TRANSFER_NOT_FOUND');
    expect((await refusal(service({ decoded: {}, transfer: 'none' }).sign())).code).toBe('TRANSFER_NOT_FOUND');
    expect((await refusal(s.sign('t1', 'garbage'))).code).toBe('INVALID_REQUEST');
    expect((await refusal(service({ decoded: { payload: { header: { channel_header: { type: 2, channel_id: CHANNEL } }, data: {} } } }).sign())).code).toBe('INVALID_REQUEST');
    const other = new ConfigSignatures({ ledger: { mspId: DSP, channels: async () => [], evaluate: async () => '' }, admin: {} as never });
    expect((await refusal(other.sign('acme', 2, { transferId: 't1', envelope: 'ZW52ZWxvcGU=' }))).code).toBe('VERSION_NOT_FOUND');
    expect((await refusal(s.sign('t1', ''))).code).toBe('INVALID_REQUEST');
    expect(s.signed).toHaveLength(0);
  });
});

describe('applyWriteSet', () => {
  it('applies an update as Fabric does: references keep the current content, a new version replaces, a group at its next version keeps only the children it names', () => {
    const current = daoChannel([DSP, VSP1, LEAVER]);
    const updated = structuredClone(current);
    delete (updated.groups!['Application']!.groups as Record<string, ConfigGroup>)[LEAVER];
    const { write } = computeUpdate(current, updated);
    const change = configChange(current, write);
    expect(change).toMatchObject({ kind: 'unseat', mspId: LEAVER });
    expect(Object.keys(change.result.groups!['Application']!.groups!).sort()).toEqual([DSP, VSP1]);
    expect(configDifference(change.result.groups!['Application']!.groups![DSP]!, current.groups!['Application']!.groups![DSP]!)).toBeUndefined();
    expect(configDifference(change.result, updated)).toBeUndefined();
  });

  it('refuses versions Fabric would refuse: a skipped version, a new element not at 0', () => {
    const current = daoChannel([DSP, VSP1]);
    expect(() => applyWriteSet(current, { version: '0', groups: { Application: { version: '5' } } })).toThrow(/Channel\/Application is written at version 5, the channel has 3/);
    expect(() => applyWriteSet(current, { version: '0', groups: { Application: { version: '4', mod_policy: 'Admins', groups: { [DSP]: { version: '0' }, X: { ...org(DSP), version: '2' } } } } })).toThrow(/Channel\/Application\/X is new but written at version 2/);
    expect(() => applyWriteSet(current, { version: '0', groups: { Sneaky: { version: '0' } } })).toThrow(/adds group Sneaky without a new version of its group/);
  });
});
