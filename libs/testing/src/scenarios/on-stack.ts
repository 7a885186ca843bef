import { enrollClientIdentity, findDomain, memberServiceUrl, type StackContext } from '@datawell/stack';
import type { DomainMember } from './domains';

/** A member domain of a stack as the scenarios and benches act for it: a person of the organisation, enrolled at its own CA in its domain, and its own bridge. */
export async function domainMemberOnStack(ctx: StackContext, m: { mspId: string; role: 'DSP' | 'VSP' }): Promise<DomainMember> {
  const person = await enrollClientIdentity(ctx, m.mspId, 'owner');
  const d = findDomain(ctx, m.mspId);
  return { ...m, identity: { mspId: m.mspId, enrollmentId: person.id, certificatePem: person.certificatePem, privateKeyPem: person.privateKeyPem }, bridgeUrl: memberServiceUrl(ctx.settings, d, 'ledger-bridge') };
}
