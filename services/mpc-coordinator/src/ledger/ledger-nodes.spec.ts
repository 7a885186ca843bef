import type { LedgerEvent } from '@datawell/contracts';
import type { DaoVersionView } from '../computations/authorization';
import { planLedgerNodes, type LedgerNodesUpdate, type RegisteredNode } from './ledger-nodes';
import { readModelUpdateOf } from './read-model';

const node = (i: number, owner: string, extra: Record<string, unknown> = {}) => ({
  workloadId: `acme-v2-mpc-${i}`,
  owner,
  partyIndex: i,
  controlUrl: `https://127.0.0.1:${7100 + i}`,
  ...extra,
});

const provisioned = (resources: unknown, channel = 'dao-acme-v2', extra: Record<string, unknown> = {}): LedgerEvent => ({
  channel,
  blockNumber: '12',
  transactionId: 'tx1',
  eventIndex: 0,
  chaincodeId: 'dao',
  eventName: 'InfrastructureProvisioned',
  payloadEncoding: 'json',
  payload: { revision: 3, status: 'provisioned', reportedBy: 'DspMSP', atMs: 1, outputsDigest: 'ab'.repeat(32), resources, ...extra } as never,
  daoId: 'acme',
});

const version: DaoVersionView = {
  daoId: 'acme',
  version: 2,
  channel: 'dao-acme-v2',
  members: [
    { mspId: 'DspMSP', role: 'DSP', group: 'D', status: 'active' },
    { mspId: 'Vsp1MSP', role: 'VSP', group: 'J1', status: 'active' },
    { mspId: 'Vsp2MSP', role: 'VSP', group: 'J2', status: 'active' },
  ],
  computations: [],
};

describe('InfrastructureProvisioned → MPC node registrations', () => {
  it("reads resources.mpcNodes of the channel's DAO version, in party order", () => {
    const update = readModelUpdateOf(provisioned({ nodes: 2, mpcNodes: [node(1, 'Vsp1MSP'), node(0, 'DspMSP', { extra: true })] }));
    expect(update).toEqual({
      kind: 'ledger-nodes',
      daoId: 'acme',
      version: 2,
      revision: 3,
      nodes: [
        { workloadId: 'acme-v2-mpc-0', mspId: 'DspMSP', partyIndex: 0, controlUrl: 'https://127.0.0.1:7100' },
        { workloadId: 'acme-v2-mpc-1', mspId: 'Vsp1MSP', partyIndex: 1, controlUrl: 'https://127.0.0.1:7101' },
      ],
    });
  });

  it("pins a node its member runs in its own domain: the certificate and CA its member reported", () => {
    const pem = (tag: string) => `-----BEGIN CERTIFICATE-----\n${tag}\n-----END CERTIFICATE-----\n`;
    const own = { meshEndpoint: '127.0.0.1:7200', certificatePem: pem('NODE'), caCertificatePem: pem('CA') };
    const update = readModelUpdateOf(provisioned({ mpcNodes: [node(0, 'DspMSP', own), node(1, 'Vsp1MSP')] }));
    expect(update).toMatchObject({
      nodes: [
        { mspId: 'DspMSP', pin: { certificatePem: pem('NODE'), caCertificatePem: pem('CA') } },
        { mspId: 'Vsp1MSP', partyIndex: 1 },
      ],
    });
    expect((update as LedgerNodesUpdate).nodes[1]).not.toHaveProperty('pin');
    expect(readModelUpdateOf(provisioned({ mpcNodes: [node(0, 'DspMSP', { certificatePem: pem('NODE') })] }))).toEqual({ ignored: expect.stringMatching(/one of its two certificates/) });
    expect(readModelUpdateOf(provisioned({ mpcNodes: [node(0, 'DspMSP', { ...own, certificatePem: 'NODE' })] }))).toEqual({ ignored: expect.stringMatching(/certificatePem/) });
  });

  it('reads an empty list as "no ledger-registered nodes any more"', () => {
    expect(readModelUpdateOf(provisioned({ mpcNodes: [] }))).toMatchObject({ kind: 'ledger-nodes', revision: 3, nodes: [] });
  });

  it('changes nothing for a report without mpcNodes, an InfrastructureFailed or another channel', () => {
    expect(readModelUpdateOf(provisioned(undefined))).toBeUndefined();
    expect(readModelUpdateOf(provisioned({ nodes: 3 }))).toBeUndefined();
    expect(readModelUpdateOf(provisioned('text'))).toBeUndefined();
    expect(readModelUpdateOf({ ...provisioned({ mpcNodes: [node(0, 'DspMSP')] }), eventName: 'InfrastructureFailed' })).toBeUndefined();
    expect(readModelUpdateOf(provisioned({ mpcNodes: [node(0, 'DspMSP')] }, 'marketplace'))).toBeUndefined();
    expect(readModelUpdateOf({ ...provisioned({ mpcNodes: [node(0, 'DspMSP')] }), payloadEncoding: 'base64', payload: 'eyJ9' })).toBeUndefined();
  });

  it.each([
    ['not an array', { mpcNodes: { 0: node(0, 'DspMSP') } }, /resources\.mpcNodes/],
    ['a node without its owner', { mpcNodes: [{ ...node(0, 'DspMSP'), owner: undefined }] }, /resources\.mpcNodes\.0\.owner/],
    ['a node without its workload', { mpcNodes: [{ ...node(0, 'DspMSP'), workloadId: '' }] }, /resources\.mpcNodes\.0\.workloadId/],
    ['a fractional party index', { mpcNodes: [node(0, 'DspMSP', { partyIndex: 0.5 })] }, /partyIndex/],
    ['a negative party index', { mpcNodes: [node(0, 'DspMSP', { partyIndex: -1 })] }, /partyIndex/],
    ['a party index past 63', { mpcNodes: [node(0, 'DspMSP', { partyIndex: 64 })] }, /mpcNodes\.0\.partyIndex/],
    ['a plain-http control URL', { mpcNodes: [node(0, 'DspMSP', { controlUrl: 'http://127.0.0.1:7100' })] }, /mpcNodes\.0\.controlUrl/],
    ['a control URL that is no URL', { mpcNodes: [node(0, 'DspMSP', { controlUrl: 'https//x' })] }, /mpcNodes\.0\.controlUrl/],
    ['two nodes at one index', { mpcNodes: [node(0, 'DspMSP'), node(0, 'Vsp1MSP')] }, /two MPC nodes at party index 0/],
    ['two nodes of one member', { mpcNodes: [node(0, 'DspMSP'), node(1, 'DspMSP')] }, /two MPC nodes of DspMSP/],
  ])('ignores a report with malformed mpcNodes: %s', (_what, resources, problem) => {
    const update = readModelUpdateOf(provisioned(resources));
    expect(update).toEqual({ ignored: expect.stringMatching(problem) });
  });

  it('ignores mpcNodes in a report without a revision', () => {
    expect(readModelUpdateOf(provisioned({ mpcNodes: [node(0, 'DspMSP')] }, 'dao-acme-v2', { revision: undefined }))).toEqual({ ignored: expect.stringMatching(/revision/) });
  });
});

describe('planLedgerNodes', () => {
  const update = (nodes: LedgerNodesUpdate['nodes']): LedgerNodesUpdate => ({ kind: 'ledger-nodes', daoId: 'acme', version: 2, revision: 3, nodes });
  const reg = (i: number, mspId: string, url = `https://127.0.0.1:${7100 + i}`) => ({ workloadId: `w${i}`, mspId, partyIndex: i, controlUrl: url });
  const row = (i: number, mspId: string, source: RegisteredNode['source'], url = `https://127.0.0.1:${7100 + i}`): RegisteredNode => ({ mspId, partyIndex: i, controlUrl: url, source });

  it('registers every node of a first report', () => {
    expect(planLedgerNodes(version, [], update([reg(0, 'DspMSP'), reg(1, 'Vsp1MSP')]))).toEqual({
      remove: [],
      insert: [
        { ...reg(0, 'DspMSP'), keepInventory: false },
        { ...reg(1, 'Vsp1MSP'), keepInventory: false },
      ],
      dropped: [],
      evicted: [],
    });
  });

  it("replaces an earlier report's nodes, keeping a node's stock when its control URL is the same", () => {
    const current = [row(0, 'DspMSP', 'ledger'), row(1, 'Vsp1MSP', 'ledger'), row(2, 'Vsp2MSP', 'ledger')];
    const plan = planLedgerNodes(version, current, update([reg(0, 'DspMSP'), reg(1, 'Vsp1MSP', 'https://10.0.0.9:7101')]));
    expect(plan).toEqual({
      remove: ['DspMSP', 'Vsp1MSP', 'Vsp2MSP'],
      insert: [
        { ...reg(0, 'DspMSP'), keepInventory: true },
        { ...reg(1, 'Vsp1MSP', 'https://10.0.0.9:7101'), keepInventory: false },
      ],
      dropped: ['Vsp2MSP'],
      evicted: [],
    });
  });

  it("keeps members' own nodes the report does not touch, overrides its owners' and evicts one at a reported index", () => {
    const current = [row(0, 'DspMSP', 'member'), row(1, 'Vsp2MSP', 'member'), row(2, 'Vsp1MSP', 'member')];
    // The report: DspMSP at 0 (its own registration replaced) and Vsp1MSP at 1 (Vsp2MSP's slot).
    const plan = planLedgerNodes(version, current, update([reg(0, 'DspMSP', 'https://127.0.0.1:9000'), reg(1, 'Vsp1MSP')]));
    expect(plan).toMatchObject({ remove: ['DspMSP', 'Vsp2MSP', 'Vsp1MSP'], dropped: [], evicted: ['Vsp2MSP'] });
    const kept = planLedgerNodes(version, current.slice(0, 2), update([reg(0, 'DspMSP')]));
    expect(kept).toMatchObject({ remove: ['DspMSP'], evicted: [], dropped: [] });
  });

  it('an empty report drops the ledger-registered nodes only', () => {
    const plan = planLedgerNodes(version, [row(0, 'DspMSP', 'ledger'), row(1, 'Vsp1MSP', 'member')], update([]));
    expect(plan).toEqual({ remove: ['DspMSP'], insert: [], dropped: ['DspMSP'], evicted: [] });
  });

  it('refuses the whole report for a node the PUT route would refuse its owner', () => {
    expect(planLedgerNodes(version, [], update([reg(0, 'DspMSP'), reg(1, 'StrangerMSP')]))).toEqual({ problem: expect.stringMatching(/^the MPC node w1: StrangerMSP is not an active member of acme version 2/) });
    const abandoned = { ...version, members: version.members.map((m) => (m.mspId === 'Vsp1MSP' ? { ...m, status: 'abandoned' as const } : m)) };
    expect(planLedgerNodes(abandoned, [], update([reg(1, 'Vsp1MSP')]))).toEqual({ problem: expect.stringMatching(/Vsp1MSP is not an active member/) });
    expect(planLedgerNodes(version, [], update([reg(3, 'Vsp2MSP')]))).toEqual({ problem: expect.stringMatching(/partyIndex: this version has 3 members/) });
  });
});
