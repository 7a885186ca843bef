import { ledgerCommandSchema } from '@datawell/contracts';
import { DESIRED, ledgerEvent, VERSION_CREATED } from './fixtures.spec-helper';
import { carryOverCommands, effectOf, failedCommand, InvalidLedgerEventError, outputsDigest, partFailedCommand, partProvisionedCommand, provisionedCommand, registerWorkloadCommand } from './ledger-effects';
import { activeWorkloads, jobIdOf, partOf } from './spec';

const versionCreated = VERSION_CREATED;

describe('effectOf (ledger events the provisioner acts on)', () => {
  it('turns VersionCreated into the desired state and an apply job', () => {
    const effect = effectOf(ledgerEvent('VersionCreated', versionCreated));
    expect(effect).toEqual({ type: 'version', desired: DESIRED, job: { kind: 'apply', daoId: 'd1', version: 1, revision: 1 } });
  });

  it('turns MemberAbandoned / MemberExited into a remove job, or a destroy job when the version is dissolved', () => {
    expect(effectOf(ledgerEvent('MemberAbandoned', { mspId: 'Vsp1MSP', dissolved: false }))).toMatchObject({ type: 'member-left', mspId: 'Vsp1MSP', job: { kind: 'remove', mspId: 'Vsp1MSP' } });
    expect(effectOf(ledgerEvent('MemberExited', { mspId: 'DspMSP', dissolved: true }))).toMatchObject({ type: 'member-left', dissolved: true, job: { kind: 'destroy', daoId: 'd1', version: 1 } });
    expect(effectOf(ledgerEvent('ProposalDecided', { proposalId: 'p', effect: { dissolved: true } }))).toMatchObject({ type: 'dissolved', job: { kind: 'destroy' } });
    // A transfer of rights: the leaver's workloads go, as on an exit.
    expect(effectOf(ledgerEvent('MemberTransferred', { transferId: 't1', from: 'Vsp1MSP', to: 'NewMSP' }))).toEqual({ type: 'member-left', daoId: 'd1', version: 1, mspId: 'Vsp1MSP', dissolved: false, job: { kind: 'remove', daoId: 'd1', version: 1, mspId: 'Vsp1MSP' } });
    expect(() => effectOf(ledgerEvent('MemberTransferred', { transferId: 't1', to: 'NewMSP' }))).toThrow(InvalidLedgerEventError);
    // An accepted change-infrastructure: apply the new revision.
    const spec = { workloads: [{ name: 'bigger', owner: 'Vsp1MSP', placement: 'managed', kind: 'service' }] };
    expect(effectOf(ledgerEvent('ProposalDecided', { proposalId: 'p', outcome: 'accepted', effect: { infrastructureRequested: { revision: 2, spec } } }))).toEqual({
      type: 'revision',
      daoId: 'd1',
      version: 1,
      revision: 2,
      spec,
      job: { kind: 'apply', daoId: 'd1', version: 1, revision: 2 },
    });
    expect(() => effectOf(ledgerEvent('ProposalDecided', { effect: { infrastructureRequested: { revision: 2, spec: { workloads: 'x' } } } }))).toThrow(InvalidLedgerEventError);
    expect(effectOf(ledgerEvent('ProposalDecided', { proposalId: 'p', outcome: 'accepted', effect: { terms: {} } }))).toBeUndefined();
  });

  it('ignores other events and channels, and rejects malformed or misplaced versions', () => {
    expect(effectOf(ledgerEvent('RevenueRecorded', { amount: '1' }))).toBeUndefined();
    expect(effectOf(ledgerEvent('VersionCreated', versionCreated, 'marketplace'))).toBeUndefined();
    expect(() => effectOf(ledgerEvent('VersionCreated', { ...versionCreated, terms: {} }))).toThrow(InvalidLedgerEventError);
    expect(() => effectOf(ledgerEvent('VersionCreated', versionCreated, 'dao-d1-v2'))).toThrow(/on channel dao-d1-v2/);
  });
});

describe('job ids', () => {
  it('are equal for equal triggers (so BullMQ dedupes them) and BullMQ-safe', () => {
    const apply = { kind: 'apply' as const, daoId: 'd1', version: 1, revision: 1 };
    expect(jobIdOf(apply)).toBe('apply.d1.v1.r1');
    expect(jobIdOf({ ...apply })).toBe(jobIdOf(apply));
    expect(jobIdOf({ ...apply, revision: 2 })).not.toBe(jobIdOf(apply));
    expect(jobIdOf({ kind: 'remove', daoId: 'd1', version: 2, mspId: 'Vsp1MSP' })).toBe('remove.d1.v2.Vsp1MSP');
    expect(jobIdOf({ kind: 'destroy', daoId: 'd1', version: 2 })).toBe('destroy.d1.v2');
    for (const id of ['apply.d1.v1.r1', 'remove.d1.v2.Vsp1MSP']) expect(id).not.toContain(':');
  });
});

describe('ledger commands', () => {
  it('register a workload as its owner and report as the DSP, with deterministic ids and chaincode arguments', () => {
    const register = registerWorkloadCommand(DESIRED, { workloadId: 'd1-v1-vsp1-mpc', owner: 'Vsp1MSP', publicKeyPem: 'PEM' });
    expect(ledgerCommandSchema.parse(register)).toEqual({
      commandId: 'provisioner:register:dao-d1-v1:d1-v1-vsp1-mpc',
      channel: 'dao-d1-v1',
      chaincode: 'dao',
      transaction: 'RegisterWorkload',
      arguments: ['{"publicKeyPem":"PEM","workloadId":"d1-v1-vsp1-mpc"}'],
      actingMspId: 'Vsp1MSP',
    });
    const digest = outputsDigest('{"b": 1, "a": {"y": 2, "x": 1}}');
    expect(digest).toBe(outputsDigest('{"a":{"x":1,"y":2},"b":1}'));
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const provisioned = provisionedCommand(DESIRED, digest, 2);
    expect(provisioned).toMatchObject({ commandId: 'provisioner:provisioned:d1:v1:r1', transaction: 'InfrastructureProvisioned', actingMspId: 'DspMSP' });
    expect(JSON.parse(provisioned.arguments[0]!)).toEqual({ revision: 1, outputsDigest: digest, resources: { workloads: 2 } });
    // A provisioner running meshes reports the nodes, an empty list too (it clears the coordinator's).
    const node = { workloadId: 'd1-v1-dsp-mpc', owner: 'DspMSP', partyIndex: 0, controlUrl: 'https://127.0.0.1:4444' };
    expect(JSON.parse(provisionedCommand(DESIRED, digest, 2, [node]).arguments[0]!).resources).toEqual({ workloads: 2, mpcNodes: [node] });
    expect(JSON.parse(provisionedCommand(DESIRED, digest, 2, []).arguments[0]!).resources).toEqual({ workloads: 2, mpcNodes: [] });
    const failed = failedCommand(DESIRED, '  tofu apply failed  ');
    expect(failed).toMatchObject({ commandId: 'provisioner:failed:d1:v1:r1', transaction: 'InfrastructureFailed', actingMspId: 'DspMSP' });
    expect(JSON.parse(failed.arguments[0]!)).toEqual({ revision: 1, reason: 'tofu apply failed' });
  });
});

describe('member mode (a member\'s own provisioner, trust domains)', () => {
  it('builds only its member\'s managed workloads', () => {
    expect(activeWorkloads(partOf(DESIRED, 'Vsp1MSP')).map((w) => w.name)).toEqual(['vsp1-mpc']);
    expect(activeWorkloads(partOf(DESIRED, 'OtherMSP'))).toEqual([]);
  });

  it('reports its part as its member, with ids apart from every other member\'s', () => {
    const ok = partProvisionedCommand(DESIRED, 'Vsp1MSP', 'ab'.repeat(32), 1);
    expect(ledgerCommandSchema.parse(ok)).toMatchObject({ transaction: 'InfrastructurePartProvisioned', actingMspId: 'Vsp1MSP', channel: 'dao-d1-v1', commandId: 'provisioner:provisioned:d1:v1:r1:Vsp1MSP' });
    expect(JSON.parse(ok.arguments[0]!)).toEqual({ outputsDigest: 'ab'.repeat(32), resources: { workloads: 1 }, revision: 1 });
    expect(partProvisionedCommand(DESIRED, 'DspMSP', 'ab'.repeat(32), 1).commandId).not.toBe(ok.commandId);
    const failed = partFailedCommand(DESIRED, 'Vsp1MSP', '  ');
    expect(failed).toMatchObject({ transaction: 'InfrastructurePartFailed', actingMspId: 'Vsp1MSP', commandId: 'provisioner:failed:d1:v1:r1:Vsp1MSP' });
    expect(JSON.parse(failed.arguments[0]!)).toEqual({ reason: 'provisioning failed', revision: 1 });
  });
});

describe('carry-over (a member of version i sits in every later version\'s channel)', () => {
  // Version 2 adds the joiner Vsp2MSP; DspMSP and Vsp1MSP sit in it too.
  const V2 = { ...DESIRED, version: 2, members: [...DESIRED.members, { mspId: 'Vsp2MSP', group: 'J2', role: 'VSP' }], spec: { workloads: [{ name: 'vsp2-mpc', owner: 'Vsp2MSP', placement: 'managed' as const, kind: 'mpc-node' }] } };
  const built = (workloadId: string, owner: string, extra: Partial<{ daoId: string; version: number; status: 'active' | 'destroyed'; publicKeyPem: string }> = {}) => ({
    workloadId,
    daoId: 'd1',
    version: 1,
    owner,
    publicKeyPem: `PEM-${workloadId}`,
    status: 'active' as const,
    ...extra,
  });
  const v1 = [built('d1-v1-dsp-mpc', 'DspMSP'), built('d1-v1-vsp1-mpc', 'Vsp1MSP')];

  it("registers every earlier version's running workload on the new channel as its owner, same id and key, with an id naming the channel", () => {
    const commands = carryOverCommands(V2, v1);
    expect(commands.map((c) => ledgerCommandSchema.parse(c))).toEqual([
      {
        commandId: 'provisioner:register:dao-d1-v2:d1-v1-dsp-mpc',
        channel: 'dao-d1-v2',
        chaincode: 'dao',
        transaction: 'RegisterWorkload',
        arguments: ['{"publicKeyPem":"PEM-d1-v1-dsp-mpc","workloadId":"d1-v1-dsp-mpc"}'],
        actingMspId: 'DspMSP',
      },
      {
        commandId: 'provisioner:register:dao-d1-v2:d1-v1-vsp1-mpc',
        channel: 'dao-d1-v2',
        chaincode: 'dao',
        transaction: 'RegisterWorkload',
        arguments: ['{"publicKeyPem":"PEM-d1-v1-vsp1-mpc","workloadId":"d1-v1-vsp1-mpc"}'],
        actingMspId: 'Vsp1MSP',
      },
    ]);
    // The same workload's registration on its own channel keeps an id apart; a redelivery gets the same ids.
    expect(registerWorkloadCommand(DESIRED, v1[0]!).commandId).toBe('provisioner:register:dao-d1-v1:d1-v1-dsp-mpc');
    expect(carryOverCommands(V2, [...v1].reverse()).map((c) => c.commandId)).toEqual(commands.map((c) => c.commandId));
  });

  it("in member mode carries only its member's own workloads", () => {
    expect(carryOverCommands(V2, v1, 'Vsp1MSP').map((c) => [c.commandId, c.actingMspId])).toEqual([['provisioner:register:dao-d1-v2:d1-v1-vsp1-mpc', 'Vsp1MSP']]);
    expect(carryOverCommands(V2, v1, 'Vsp2MSP')).toEqual([]);
  });

  it('leaves out stopped workloads, owners no longer in the version, other DAOs, later versions and dissolved targets', () => {
    expect(carryOverCommands(V2, [built('a', 'DspMSP', { status: 'destroyed' })])).toEqual([]);
    expect(carryOverCommands({ ...V2, removedMembers: ['Vsp1MSP'] }, v1).map((c) => c.actingMspId)).toEqual(['DspMSP']);
    expect(carryOverCommands({ ...V2, members: V2.members.filter((m) => m.mspId !== 'DspMSP') }, v1).map((c) => c.actingMspId)).toEqual(['Vsp1MSP']);
    expect(carryOverCommands(V2, [built('x', 'DspMSP', { daoId: 'd2' }), built('y', 'DspMSP', { version: 2 }), built('z', 'DspMSP', { version: 3 }), built('k', 'DspMSP', { publicKeyPem: '' })])).toEqual([]);
    expect(carryOverCommands({ ...V2, dissolved: true }, v1)).toEqual([]);
    // Version 3: workloads of versions 1 and 2 alike.
    expect(carryOverCommands({ ...V2, version: 3 }, [...v1, built('d1-v2-vsp2-mpc', 'Vsp2MSP', { version: 2 })]).map((c) => c.commandId)).toEqual([
      'provisioner:register:dao-d1-v3:d1-v1-dsp-mpc',
      'provisioner:register:dao-d1-v3:d1-v1-vsp1-mpc',
      'provisioner:register:dao-d1-v3:d1-v2-vsp2-mpc',
    ]);
  });
});
