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

/**
 * The same two members as a DAO of domains: known from the marketplace's public directory
 * (DaoPublished), so without roles or terms (the identity directory gives the roles). The only kind of
 * version the coordinator runs a mesh for; one known from its channel is refused CUSTODIAL_DAO.
 */
export const PUBLIC_TWO_MEMBER_VERSION: DaoVersionView = {
  daoId: 'd1',
  version: 1,
  channel: 'dao-d1-v1',
  source: 'directory',
  members: [
    { mspId: 'DspMSP', role: '', group: '', status: 'active' },
    { mspId: 'Vsp1MSP', role: '', group: '', status: 'active' },
  ],
  computations: [],
};

/**
 * The signature's fields in the shape parseComputationRequest requires (an unsigned request is
 * REQUEST_SIGNATURE_REQUIRED): for specs of the rules that come after the signature's check, which
 * never read them. What they must sign is signed-request.spec.ts's matter.
 */
export const SIGNATURE_FIELDS = { issuedAtMs: 1_800_000_000_000, certificatePem: 'PEM (not read by the rules)', signature: 'c2ln' } as const;
