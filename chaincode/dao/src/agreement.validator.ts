import { invalidArgument } from '@datawell/chaincode-common';
import type { Agreement } from '@datawell/contracts';
import { PPM, type InfrastructureSpec, type Terms } from '@datawell/domain';

export type { InfrastructureSpec, Terms } from '@datawell/domain';

/*
 * The agreement's shape is the catalogue's (InitVersion's argument, @datawell/contracts
 * agreementSchema); its rules across fields, which need the channel, are here.
 */

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
  terms.revenueRecorders?.forEach((r, k) => {
    if (!members.has(r)) throw invalidArgument(`${field}.revenueRecorders.${k}: ${r} is not a member`);
  });
}

export function checkInfrastructureMembers(spec: InfrastructureSpec, members: ReadonlySet<string>, field: string): void {
  spec.workloads.forEach((w, k) => {
    if (!members.has(w.owner)) throw invalidArgument(`${field}.workloads.${k}.owner: ${w.owner} is not a member`);
  });
}

/** 0 for D, k for J_k. */
export const groupLevel = (group: string): number => (group === 'D' ? 0 : Number(group.slice(1)));
export const groupName = (level: number): string => (level === 0 ? 'D' : `J${level}`);
