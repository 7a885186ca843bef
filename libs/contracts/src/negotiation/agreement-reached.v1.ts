import { DAO_ID_PATTERN, MSP_ID_PATTERN } from '@datawell/domain';
import { z } from 'zod';
import { buildCloudEvent, type CloudEvent } from '../cloudevent';

export const AGREEMENT_REACHED_TYPE = 'datawell.negotiation.agreement-reached.v1';

const mspId = z.string().regex(MSP_ID_PATTERN, 'must be letters and digits ending in "MSP"');

/**
 * An agreement every party accepted and signed. `agreement` is exactly the argument of the dao
 * chaincode's `InitVersion` (agreementId, daoId, version, betaPpm, members, terms, infrastructure,
 * documentDigest — see docs/lifecycle.md); the chaincode validates it field by field, the bridge
 * only routes it. Each signature is the party's enrolled key over the agreement's canonical JSON.
 */
export const agreementReachedSchema = z.object({
  sessionId: z.string().min(1).max(128),
  agreementId: z.string().min(1).max(128),
  daoId: z.string().regex(DAO_ID_PATTERN),
  version: z.number().int().min(1).max(9999),
  agreement: z.record(z.string(), z.json()),
  signatures: z
    .array(z.object({ mspId, enrollmentId: z.string().min(1).max(128), certificatePem: z.string().min(1).max(8192), signature: z.string().min(1).max(512) }))
    .min(2),
});
export type AgreementReached = z.output<typeof agreementReachedSchema>;

export function agreementReachedCloudEvent(event: AgreementReached, source: string): CloudEvent<AgreementReached> {
  return buildCloudEvent({
    id: `agreement:${event.agreementId}`,
    source,
    type: AGREEMENT_REACHED_TYPE,
    subject: `dao-${event.daoId}-v${event.version}`,
    data: agreementReachedSchema.parse(event),
  });
}
