import { DESIRED } from './fixtures.spec-helper';
import { sharedNodesOf, type RunningNode } from './shared-nodes';
import { partOf, type DesiredVersion } from './spec';

/** Version `version` of the fixture's DAO as Vsp1MSP's provisioner builds it, its MPC node named `name`. */
const part = (version: number, name = 'vsp1-mpc', extra: DesiredVersion['spec']['workloads'] = []): DesiredVersion =>
  partOf({ ...DESIRED, version, spec: { workloads: [{ name, owner: 'Vsp1MSP', placement: 'managed', kind: 'mpc-node' }, ...extra] } }, 'Vsp1MSP');

describe("one MPC node per member per DAO: which node a version's mpc-node workload is", () => {
  it('gives a first version its own node', () => {
    expect(sharedNodesOf(part(1), [])).toEqual({ ids: new Map(), handedOver: new Set() });
  });

  it("keeps the node a version already runs (a job run again), under the name it has there", () => {
    const running: RunningNode[] = [{ workloadId: 'd1-v1-vsp1-mpc', version: 2, name: 'vsp1-mpc' }];
    expect(sharedNodesOf(part(2), running).ids).toEqual(new Map([['vsp1-mpc', 'd1-v1-vsp1-mpc']]));
  });

  it("takes over the member's node of an earlier version: the latest version's, the one of the same name first", () => {
    const running: RunningNode[] = [
      { workloadId: 'd1-v1-old', version: 1, name: 'old' },
      { workloadId: 'd1-v2-node', version: 2, name: 'node' },
    ];
    expect(sharedNodesOf(part(3, 'renamed'), running)).toEqual({ ids: new Map([['renamed', 'd1-v2-node']]), handedOver: new Set() });
    expect(sharedNodesOf(part(3, 'old'), running).ids).toEqual(new Map([['old', 'd1-v1-old']]));
  });

  it('gives a second node of the same version a node of its own when there is no other to take over', () => {
    const two = part(2, 'a', [{ name: 'b', owner: 'Vsp1MSP', placement: 'managed', kind: 'mpc-node' }]);
    expect(sharedNodesOf(two, [{ workloadId: 'd1-v1-a', version: 1, name: 'a' }]).ids).toEqual(new Map([['a', 'd1-v1-a']]));
  });

  it('gives a version no node of its own once a later version runs the member\'s node, and leaves other kinds alone', () => {
    const withService = part(1, 'vsp1-mpc', [{ name: 'svc', owner: 'Vsp1MSP', placement: 'managed', kind: 'service' }]);
    expect(sharedNodesOf(withService, [{ workloadId: 'd1-v1-vsp1-mpc', version: 2, name: 'vsp1-mpc' }])).toEqual({ ids: new Map(), handedOver: new Set(['vsp1-mpc']) });
  });

  it('does not count a node of a removed member or a dissolved version', () => {
    expect(sharedNodesOf({ ...part(2), removedMembers: ['Vsp1MSP'] }, [{ workloadId: 'd1-v1-vsp1-mpc', version: 1, name: 'vsp1-mpc' }])).toEqual({ ids: new Map(), handedOver: new Set() });
    expect(sharedNodesOf({ ...part(2), dissolved: true }, [{ workloadId: 'd1-v1-vsp1-mpc', version: 1, name: 'vsp1-mpc' }]).ids.size).toBe(0);
  });
});
