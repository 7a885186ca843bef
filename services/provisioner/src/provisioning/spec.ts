import { DAO, DAO_ID_PATTERN } from '@datawell/contracts';
import { integerJsonSchema as integerJson } from '@datawell/domain';
import { z } from 'zod';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const workloadSpecSchema = z.object({
  name: z.string().regex(ID),
  owner: z.string().min(1),
  placement: z.enum(['managed', 'self-hosted']),
  kind: z.string().min(1).max(64),
  parameters: z.record(z.string(), integerJson).optional(),
});
export type WorkloadSpec = z.output<typeof workloadSpecSchema>;

export const infrastructureSpecSchema = z.object({
  workloads: z.array(workloadSpecSchema).max(256),
  parameters: z.record(z.string(), integerJson).optional(),
});
export type InfrastructureSpec = z.output<typeof infrastructureSpecSchema>;

export const memberSchema = z.object({ mspId: z.string().min(1), group: z.string().min(1), role: z.string().min(1) });
export type Member = z.output<typeof memberSchema>;

/** The dao chaincode's `VersionCreated` payload, with what the provisioner needs of it checked strictly. */
export const versionCreatedSchema = DAO.events.VersionCreated.extend({
  daoId: z.string().regex(DAO_ID_PATTERN),
  version: z.number().int().min(1).max(9999),
  terms: z.object({ heartbeatIntervalSeconds: z.number().int().min(1).max(86_400) }).loose(),
  infrastructureRequested: z.object({ revision: z.number().int().min(1), spec: infrastructureSpecSchema }),
});
export type VersionCreated = z.output<typeof versionCreatedSchema>;

/** `MemberAbandoned` / `MemberExited`: a member leaves; `dissolved` when the DAO version ends with it. */
export const memberLeftSchema = DAO.events.MemberExited;

/** What a DAO version should run, as kept in the provisioner's schema. */
export interface DesiredVersion {
  readonly daoId: string;
  readonly version: number;
  readonly revision: number;
  readonly chaincode: string;
  readonly members: readonly Member[];
  readonly heartbeatIntervalSeconds: number;
  readonly spec: InfrastructureSpec;
  /** Members whose workloads are gone (abandoned or exited). */
  readonly removedMembers: readonly string[];
  readonly dissolved: boolean;
}

export class InvalidWorkloadIdError extends Error {
  readonly code = 'INVALID_WORKLOAD_ID';
  constructor(readonly workloadId: string) {
    super(`workload id "${workloadId}" is not 1-128 letters, digits, ".", "_", ":" or "-"`);
    this.name = 'InvalidWorkloadIdError';
  }
}

/** `<daoId>-v<version>-<name>`, the id a workload heartbeats and registers under. */
export function workloadId(daoId: string, version: number, name: string): string {
  const id = `${daoId}-v${version}-${name}`;
  if (!ID.test(id)) throw new InvalidWorkloadIdError(id);
  return id;
}

/** The OpenTofu workspace of a DAO version. */
export function workspaceName(daoId: string, version: number): string {
  return `dao-${daoId}-v${version}`;
}

/** The founding group's first member: the DSP the infrastructure reports act as. */
export function dspOf(members: readonly Member[]): string {
  const dsp = members.find((m) => m.group === 'D');
  if (!dsp) throw new Error('the version has no member in the founding group D');
  return dsp.mspId;
}

/** The workloads the version should run now: managed ones of members still there, none once dissolved. */
export function activeWorkloads(desired: DesiredVersion): WorkloadSpec[] {
  if (desired.dissolved) return [];
  const removed = new Set(desired.removedMembers);
  return desired.spec.workloads.filter((w) => w.placement === 'managed' && !removed.has(w.owner));
}

/** Member mode: the version as one member's provisioner builds it, only that member's workloads. */
export function partOf(desired: DesiredVersion, member: string): DesiredVersion {
  return { ...desired, spec: { ...desired.spec, workloads: desired.spec.workloads.filter((w) => w.owner === member) } };
}

export type JobKind = 'apply' | 'remove' | 'destroy';

export interface JobData {
  readonly kind: JobKind;
  readonly daoId: string;
  readonly version: number;
  readonly revision?: number;
  readonly mspId?: string;
}

/**
 * The BullMQ job id of a trigger; equal triggers get equal ids, so a redelivered event adds no job.
 * BullMQ refuses ":" in custom ids (beyond its own three-part form), so the parts are joined with ".".
 */
export function jobIdOf(data: JobData): string {
  const base = `${data.kind}.${data.daoId}.v${data.version}`;
  switch (data.kind) {
    case 'apply':
      return `${base}.r${data.revision ?? 1}`;
    case 'remove':
      return `${base}.${data.mspId ?? ''}`;
    case 'destroy':
      return base;
  }
}
