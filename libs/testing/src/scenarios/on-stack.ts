import { enrollClientIdentity, findDomain, memberServiceUrl, type StackContext } from '@datawell/stack';
import type { DomainMember } from './domains';
import type { LifecycleMember } from './lifecycle';

/** A member domain of a stack as the scenarios and benches act for it: a person of the organisation, enrolled at its own CA in its domain, and its own bridge. */
export async function domainMemberOnStack(ctx: StackContext, m: { mspId: string; role: 'DSP' | 'VSP' }): Promise<DomainMember> {
  const person = await enrollClientIdentity(ctx, m.mspId, 'owner');
  const d = findDomain(ctx, m.mspId);
  return { ...m, identity: { mspId: m.mspId, enrollmentId: person.id, certificatePem: person.certificatePem, privateKeyPem: person.privateKeyPem }, bridgeUrl: memberServiceUrl(ctx.settings, d, 'ledger-bridge') };
}

/** A member domain as the life cycle acts for it: domainMemberOnStack and the domain's own provisioner. */
export async function lifecycleMemberOnStack(ctx: StackContext, m: { mspId: string; role: 'DSP' | 'VSP' }): Promise<LifecycleMember> {
  return { ...(await domainMemberOnStack(ctx, m)), provisionerUrl: memberServiceUrl(ctx.settings, findDomain(ctx, m.mspId), 'provisioner') };
}
