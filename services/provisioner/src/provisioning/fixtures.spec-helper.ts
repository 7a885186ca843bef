import type { LedgerEvent } from '@datawell/contracts';
import type { DesiredVersion } from './spec';

export const DESIRED: DesiredVersion = {
  daoId: 'd1',
  version: 1,
  revision: 1,
  chaincode: 'dao',
  members: [
    { mspId: 'DspMSP', group: 'D', role: 'DSP' },
    { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP' },
  ],
  heartbeatIntervalSeconds: 5,
  spec: {
    workloads: [
      { name: 'dsp-mpc', owner: 'DspMSP', placement: 'managed', kind: 'mpc-node', parameters: { memoryMb: 256 } },
      { name: 'vsp1-mpc', owner: 'Vsp1MSP', placement: 'managed', kind: 'mpc-node' },
      { name: 'vsp1-own', owner: 'Vsp1MSP', placement: 'self-hosted', kind: 'service' },
    ],
  },
  removedMembers: [],
  dissolved: false,
};

export function ledgerEvent(eventName: string, payload: unknown, channel = 'dao-d1-v1'): LedgerEvent {
  return { channel, blockNumber: '7', transactionId: 'tx1', eventIndex: 0, chaincodeId: 'dao', eventName, payloadEncoding: 'json', payload: payload as never, daoId: 'd1' };
}

/** The `VersionCreated` payload of DESIRED, as the dao chaincode emits it. */
export const VERSION_CREATED = {
  daoId: 'd1',
  version: 1,
  agreementId: 'agr-1',
  members: [
    { mspId: 'DspMSP', group: 'D', role: 'DSP', weight: 1, ownershipPpm: 800000 },
    { mspId: 'Vsp1MSP', group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200000 },
  ],
  terms: { heartbeatIntervalSeconds: 5, abandonAfterSeconds: 30 },
  infrastructureRequested: { revision: 1, spec: DESIRED.spec },
};
