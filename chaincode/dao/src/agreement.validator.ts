import { digestSchema, idSchema, integerJsonSchema, invalidArgument, mspIdSchema, nonNegativeInt, positiveInt, ppmSchema, textSchema, z } from '@datawell/chaincode-common';
import { PPM } from '@datawell/domain';

export const roleSchema = z.enum(['DSP', 'VSP']);
/** D is the founding group; J1, J2, … the joining groups, J_k joining in version k. */
export const groupSchema = z.string().regex(/^(D|J[1-9]\d{0,3})$/, 'must be "D" or "J<k>" (k ≥ 1)');
export const daoIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'must be 1-41 lower-case letters, digits or "-" (it is part of the channel name)');

export const termsSchema = z
  .strictObject({
    durationDays: positiveInt.max(36_500, 'must be at most 36500 days'),
    businessModel: z.enum(['pay-per-use', 'subscription']),
    heartbeatIntervalSeconds: positiveInt.max(86_400, 'must be at most one day'),
    abandonAfterSeconds: positiveInt.max(365 * 86_400, 'must be at most a year'),
    exitNoticeSeconds: nonNegativeInt.max(365 * 86_400, 'must be at most a year'),
    computations: z
      .array(z.strictObject({ name: idSchema, resultRecipients: z.array(mspIdSchema).min(1, 'needs at least one recipient').max(64) }))
      .max(64),
  })
  .superRefine((t, ctx) => {
    if (t.abandonAfterSeconds < t.heartbeatIntervalSeconds) {
      ctx.addIssue({ code: 'custom', path: ['abandonAfterSeconds'], message: 'must be at least heartbeatIntervalSeconds' });
    }
    const names = t.computations.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['computations'], message: `computation "${dup}" is listed twice` });
  });
export type Terms = z.output<typeof termsSchema>;

export const infrastructureSchema = z
  .strictObject({
    workloads: z
      .array(
        z.strictObject({
          name: idSchema,
          owner: mspIdSchema,
          placement: z.enum(['managed', 'self-hosted']),
          kind: textSchema(64),
          parameters: z.record(z.string().max(128), integerJsonSchema).optional(),
        }),
      )
      .min(1, 'needs at least one workload')
      .max(256),
    parameters: z.record(z.string().max(128), integerJsonSchema).optional(),
  })
  .superRefine((spec, ctx) => {
    const names = spec.workloads.map((w) => w.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['workloads'], message: `workload "${dup}" is listed twice` });
  });
export type InfrastructureSpec = z.output<typeof infrastructureSchema>;

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
