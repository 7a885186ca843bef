import type { DaoVersionView } from './authorization';

/** A version of a DSP and one VSP whose terms allow the mean to the VSP: what the computation specs ask for. */
export const TWO_MEMBER_VERSION: DaoVersionView = {
  daoId: 'd1',
  version: 1,
  channel: 'dao-d1-v1',
  members: [
    { mspId: 'DspMSP', role: 'DSP', group: 'D', status: 'active' },
    { mspId: 'Vsp1MSP', role: 'VSP', group: 'J1', status: 'active' },
  ],
  computations: [{ name: 'mean', resultRecipients: ['Vsp1MSP'] }],
};
