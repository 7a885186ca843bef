import { configBlockNetwork } from './config-block';

describe("a config block's network", () => {
  const msp = (name: string, values: Record<string, unknown> = {}) => ({ values: { MSP: { value: { config: { name } } }, ...values } });
  const configBlock = (application: Record<string, unknown>, orderer: Record<string, unknown>) => ({ data: { data: [{ payload: { data: { config: { channel_group: { groups: { Application: { groups: application }, Orderer: orderer } } } } } }] } });
  const raft = {
    groups: { OrdererMSP: msp('OrdererMSP', { Endpoints: { value: { addresses: ['localhost:7050', 'localhost:7053'] } } }) },
    values: { ConsensusType: { value: { type: 'etcdraft', metadata: { consenters: [{ host: 'localhost', port: 7050 }, { host: 'localhost', port: 7053 }] } } } },
  };

  it('names each organisation by its MSP with its anchor peers, the orderer organisations with their endpoints, and the consenters', () => {
    const block = configBlock({ Vsp: msp('VspMSP'), Dsp: msp('DspMSP', { AnchorPeers: { value: { anchor_peers: [{ host: 'peer0.dsp', port: 7051 }] } } }) }, raft);
    expect(configBlockNetwork(block)).toEqual({
      organisations: [
        { mspId: 'DspMSP', anchorPeers: ['peer0.dsp:7051'] },
        { mspId: 'VspMSP', anchorPeers: [] },
      ],
      ordererOrganisations: [{ mspId: 'OrdererMSP', endpoints: ['localhost:7050', 'localhost:7053'] }],
      consenters: ['localhost:7050', 'localhost:7053'],
      consensusType: 'etcdraft',
    });
  });

  it("reads BFT's consenter mapping", () => {
    const bft = { ...raft, values: { ConsensusType: { value: { type: 'BFT' } }, Orderers: { value: { consenter_mapping: [{ id: 1, host: 'o1', port: 7050 }] } } } };
    expect(configBlockNetwork(configBlock({ D: msp('DspMSP') }, bft))).toMatchObject({ consenters: ['o1:7050'], consensusType: 'BFT' });
  });

  it('refuses a block without Application and Orderer groups, or an organisation without an MSP name', () => {
    expect(() => configBlockNetwork(configBlock({ D: msp('DspMSP') }, undefined as unknown as Record<string, unknown>))).toThrow(/Application and Orderer groups/);
    expect(() => configBlockNetwork(null)).toThrow(/Application and Orderer groups/);
    expect(() => configBlockNetwork(configBlock({ X: { values: {} } }, raft))).toThrow(/no MSP name/);
  });
});
