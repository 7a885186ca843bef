import { digestSchema, idSchema, invalidArgument, mspIdSchema, positiveInt, ppmSchema, z } from '@datawell/chaincode-common';
import { PPM, daoIdSchema, groupSchema, infrastructureSchema, roleSchema, termsSchema, type InfrastructureSpec, type Terms } from '@datawell/domain';

export { daoIdSchema, groupSchema, infrastructureSchema, roleSchema, termsSchema, type InfrastructureSpec, type Terms } from '@datawell/domain';

export const agreementSchema = z.strictObject({
  agreementId: idSchema,
  daoId: daoIdSchema,
  version: positiveInt.max(9999, 'must be at most 9999'),
  /** β_i of this version only, strictly inside (0, 10^6). */
  betaPpm: ppmSchema.min(1, 'must be above 0 ppm').max(PPM - 1, 'must be below 10^6 ppm'),
  members: z
    .array(
      z.strictObject({
        mspId: mspIdSchema,
        group: groupSchema,
        role: roleSchema,
        /** Integer weight inside the member's group (splits the group's payout). */
        weight: positiveInt.max(1_000_000_000, 'is too large'),
        /** The member's share of total profit from the signed agreement, for ownership-weighted votes. */
        ownershipPpm: ppmSchema,
      }),
    )
    .min(2, 'needs the founding group and at least one joining group')
    .max(256),
  terms: termsSchema,
  infrastructure: infrastructureSchema,
  /** Digest of the signed agreement document kept by the negotiation service. */
  documentDigest: digestSchema,
});
export type Agreement = z.output<typeof agreementSchema>;

/** Rules across fields: groups D, J1…J_i exactly, roles by group, unique members, ownership sums to 10^6. */
export function checkAgreement(a: Agreement, channel: string): void {
  const expected = `dao-${a.daoId}-v${a.version}`;
  if (channel !== expected) throw invalidArgument(`agreement: version ${a.version} of DAO ${a.daoId} belongs on channel ${expected}, not ${channel}`);
  checkMemberSet(a.members, a.version);
  const msps = new Set(a.members.map((m) => m.mspId));
  checkTermsMembers(a.terms, msps, 'agreement.terms');
  checkInfrastructureMembers(a.infrastructure, msps, 'agreement.infrastructure');
}

function checkMemberSet(members: Agreement['members'], version: number): void {
  const seen = new Set<string>();
  members.forEach((m, k) => {
    if (seen.has(m.mspId)) throw invalidArgument(`agreement.members.${k}.mspId: ${m.mspId} is listed twice`);
    seen.add(m.mspId);
    const level = groupLevel(m.group);
    if (level > version) throw invalidArgument(`agreement.members.${k}.group: ${m.group} has not joined by version ${version}`);
    const role = level === 0 ? 'DSP' : 'VSP';
    if (m.role !== role) throw invalidArgument(`agreement.members.${k}.role: members of group ${m.group} are ${role}s`);
  });
  for (let level = 0; level <= version; level++) {
    if (!members.some((m) => groupLevel(m.group) === level)) throw invalidArgument(`agreement.members: group ${groupName(level)} has no member`);
  }
  const sum = members.reduce((s, m) => s + m.ownershipPpm, 0);
  if (sum !== PPM) throw invalidArgument(`agreement.members: ownershipPpm sums to ${sum}, not 1000000`);
}

export function checkTermsMembers(terms: Terms, members: ReadonlySet<string>, field: string): void {
  terms.computations.forEach((c, k) =>
    c.resultRecipients.forEach((r) => {
      if (!members.has(r)) throw invalidArgument(`${field}.computations.${k}.resultRecipients: ${r} is not a member`);
    }),
  );
}

export function checkInfrastructureMembers(spec: InfrastructureSpec, members: ReadonlySet<string>, field: string): void {
  spec.workloads.forEach((w, k) => {
    if (!members.has(w.owner)) throw invalidArgument(`${field}.workloads.${k}.owner: ${w.owner} is not a member`);
  });
}

/** 0 for D, k for J_k. */
export const groupLevel = (group: string): number => (group === 'D' ? 0 : Number(group.slice(1)));
export const groupName = (level: number): string => (level === 0 ? 'D' : `J${level}`);
