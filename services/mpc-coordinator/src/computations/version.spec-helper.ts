import type { DaoVersionView } from './authorization';

/**
 * A DSP and one VSP as a DAO of domains: known from the marketplace's public directory (DaoPublished),
 * so without roles or terms (the identity directory gives the roles): the only versions the
 * coordinator knows.
 */
export const PUBLIC_TWO_MEMBER_VERSION: DaoVersionView = {
  daoId: 'd1',
  version: 1,
  channel: 'dao-d1-v1',
  members: [
    { mspId: 'DspMSP', role: '', group: '', status: 'active' },
    { mspId: 'Vsp1MSP', role: '', group: '', status: 'active' },
  ],
};

/**
 * The signature's fields in the shape parseComputationRequest requires (an unsigned request is
 * REQUEST_SIGNATURE_REQUIRED): for specs of the rules that come after the signature's check, which
 * never read them. What they must sign is signed-request.spec.ts's matter.
 */
export const SIGNATURE_FIELDS = { issuedAtMs: 1_800_000_000_000, certificatePem: 'PEM (not read by the rules)', signature: 'c2ln' } as const;
