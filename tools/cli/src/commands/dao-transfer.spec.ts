import { transferOfMessage } from './dao-transfer';

describe("./dev dao transfer show --grpc: the bridge's Transfer message in the routes' shape", () => {
  it('maps every field, keeps a step transaction only where there is one, and reads unset proto3 fields as their defaults', () => {
    const message = {
      dao_id: 'acme',
      transfer_id: 'tf1',
      channels: [
        { channel: 'dao-acme-v2', version: 2, tx_id: 'tx9', status: 'completed', from: 'Vsp2MSP', to: 'NewMSP', consents: ['DspMSP'], accepted: true, consented: true, consented_ppm: 600000, active_ownership_ppm: 1000000 },
        { channel: 'dao-acme-v3', version: 3, tx_id: null, status: 'offered', from: 'Vsp2MSP', to: 'NewMSP', consented_ppm: 0, active_ownership_ppm: 1000000 },
      ],
    };
    expect(transferOfMessage(message)).toEqual({
      daoId: 'acme',
      transferId: 'tf1',
      channels: [
        { channel: 'dao-acme-v2', version: 2, txId: 'tx9', transfer: { transferId: 'tf1', status: 'completed', from: 'Vsp2MSP', to: 'NewMSP', consents: ['DspMSP'], accepted: true, consented: true, consentedPpm: 600000, activeOwnershipPpm: 1000000 } },
        { channel: 'dao-acme-v3', version: 3, transfer: { transferId: 'tf1', status: 'offered', from: 'Vsp2MSP', to: 'NewMSP', consents: [], accepted: false, consented: false, consentedPpm: 0, activeOwnershipPpm: 1000000 } },
      ],
    });
    expect(transferOfMessage({ dao_id: 'acme', transfer_id: 'none' }).channels).toEqual([]);
  });
});
