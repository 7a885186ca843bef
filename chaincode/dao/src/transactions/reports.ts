import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitPrivate, forbidden, invalidArgument, txTimeMs } from '@datawell/chaincode-common';
import { DAO, type ProvisionedMpcNode } from '@datawell/contracts';
import type { ComputationReport, FailedReport, ProvisionedReport } from '../arguments';
import { DaoStore } from '../state';

/*
 * What other services report to the version: finished MPC computations (the coordinator) and the
 * outcome of an infrastructure request (the provisioner), each through a member's ledger bridge.
 */

/**
 * Records a finished MPC job (called by the MPC coordinator through a member's bridge): the
 * computation must be allowed by the terms, its members active members; the result's recipients
 * are the ones the terms name.
 */
export async function computationCompleted(ctx: Context, job: ComputationReport): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('record computations');
  const allowed = version.terms.computations.find((c) => c.name === job.computation);
  if (!allowed) throw forbidden(`computation ${job.computation} is not allowed by the terms of this version`);
  for (const msp of job.members) {
    const m = await store.member(msp);
    if (!m || m.status !== 'active') throw invalidArgument(`job.members: ${msp} is not an active member`);
  }
  const previous = await store.get<ComputationReport & { recipients: string[] }>('computation', job.jobId);
  if (previous) {
    const same = previous.computation === job.computation && previous.resultDigest === job.resultDigest && canonicalJson(previous.members) === canonicalJson(job.members);
    if (same) return canonicalJson(previous); // a retried report
    throw conflict(`job ${job.jobId} is already recorded with another result`);
  }
  const record = { ...job, recipients: allowed.resultRecipients, recordedBy: caller.mspId, atMs: txTimeMs(ctx) };
  await store.put(record, 'computation', job.jobId);
  emitPrivate(ctx, DAO.emitted(DAO.event.ComputationCompleted, record));
  return canonicalJson(record);
}

/** The provisioner built the requested infrastructure revision; recorded by a D member's bridge. */
export async function infrastructureProvisioned(ctx: Context, report: ProvisionedReport): Promise<string> {
  const record = { ...(await recordInfrastructureStatus(ctx, report.revision, 'provisioned')), outputsDigest: report.outputsDigest, resources: report.resources };
  emitPrivate(ctx, DAO.emitted(DAO.event.InfrastructureProvisioned, record));
  return canonicalJson(record);
}

/** The provisioner could not build the requested revision; recorded by a D member's bridge. */
export async function infrastructureFailed(ctx: Context, report: FailedReport): Promise<string> {
  const record = { ...(await recordInfrastructureStatus(ctx, report.revision, 'failed')), reason: report.reason };
  emitPrivate(ctx, DAO.emitted(DAO.event.InfrastructureFailed, record));
  return canonicalJson(record);
}

/** Sets the status of the current infrastructure revision, once; the report's common fields. */
async function recordInfrastructureStatus<S extends 'provisioned' | 'failed'>(ctx: Context, revision: number, status: S): Promise<{ revision: number; status: S; reportedBy: string; atMs: number }> {
  const store = new DaoStore(ctx);
  const version = await store.version();
  const caller = await store.activeCaller('report on infrastructure', { foundingOnly: true });
  if (revision !== version.infrastructureRevision) throw conflict(`infrastructure revision ${revision} is not the current one (${version.infrastructureRevision})`);
  if (version.infrastructureStatus !== 'requested') throw conflict(`infrastructure revision ${revision} is already ${version.infrastructureStatus}`);
  await store.putVersion({ ...version, infrastructureStatus: status });
  return { revision, status, reportedBy: caller.mspId, atMs: txTimeMs(ctx) };
}

/*
 * Infrastructure in parts (trust domains): each member's own provisioner builds that member's managed
 * workloads and reports its part as itself. The revision is provisioned once every active member with
 * managed workloads in it has reported its part; it has failed as soon as one part failed. A
 * transaction carries one event (Fabric keeps one per transaction): `InfrastructurePartProvisioned`
 * for a part while others are missing, else the version-wide `InfrastructureProvisioned` or
 * `InfrastructureFailed` as before, so what reads those needs no change.
 */

type PartRecord = {
  readonly revision: number;
  readonly mspId: string;
  readonly status: 'provisioned' | 'failed';
  readonly outputsDigest?: string;
  readonly resources?: ProvisionedReport['resources'];
  readonly reason?: string;
  readonly atMs: number;
};

/** The members whose managed workloads make up the current revision (active members only), sorted. */
async function partOwners(store: DaoStore): Promise<string[]> {
  const version = await store.version();
  const active = new Set(version.memberStates.filter((m) => m.status === 'active').map((m) => m.mspId));
  return [...new Set(version.infrastructure.workloads.filter((w) => w.placement === 'managed' && active.has(w.owner)).map((w) => w.owner))].sort();
}

/** Checks and stores the caller's part report; a retried identical report returns the stored one. */
async function recordPart(ctx: Context, revision: number, part: Omit<PartRecord, 'revision' | 'mspId' | 'atMs'>): Promise<{ record: PartRecord; retried: boolean; store: DaoStore }> {
  const store = new DaoStore(ctx);
  const version = await store.version();
  const caller = await store.activeCaller('report on its infrastructure');
  if (revision !== version.infrastructureRevision) throw conflict(`infrastructure revision ${revision} is not the current one (${version.infrastructureRevision})`);
  const owners = await partOwners(store);
  if (!owners.includes(caller.mspId)) throw forbidden(`${caller.mspId} runs no managed workload in infrastructure revision ${revision}`);
  const key = [String(revision), caller.mspId] as const;
  const previous = await store.get<PartRecord>('infraPart', ...key);
  if (previous) {
    const same = previous.status === part.status && previous.outputsDigest === part.outputsDigest && previous.reason === part.reason && canonicalJson(previous.resources ?? null) === canonicalJson(part.resources ?? null);
    if (same) return { record: previous, retried: true, store };
    throw conflict(`${caller.mspId} already reported its part of infrastructure revision ${revision} as ${previous.status}`);
  }
  if (version.infrastructureStatus !== 'requested') throw conflict(`infrastructure revision ${revision} is already ${version.infrastructureStatus}`);
  const record: PartRecord = { revision, mspId: caller.mspId, ...part, atMs: txTimeMs(ctx) };
  await store.put(record, 'infraPart', ...key);
  return { record, retried: false, store };
}

/** A member's own provisioner built its part of the requested revision; recorded by that member's bridge. */
export async function infrastructurePartProvisioned(ctx: Context, report: ProvisionedReport): Promise<string> {
  const { record, retried, store } = await recordPart(ctx, report.revision, { status: 'provisioned', outputsDigest: report.outputsDigest, ...(report.resources ? { resources: report.resources } : {}) });
  if (retried) return canonicalJson(record);
  const parts: PartRecord[] = [];
  for (const owner of await partOwners(store)) {
    // A transaction does not read its own writes: the caller's part is the record just made.
    const part = owner === record.mspId ? record : await store.get<PartRecord>('infraPart', String(report.revision), owner);
    if (part?.status !== 'provisioned') {
      emitPrivate(ctx, DAO.emitted(DAO.event.InfrastructurePartProvisioned, { ...record, status: 'provisioned' as const, outputsDigest: report.outputsDigest }));
      return canonicalJson(record);
    }
    parts.push(part);
  }
  // Every part is in: the revision is provisioned, with the parts' digests and resources combined.
  const version = await store.version();
  await store.putVersion({ ...version, infrastructureStatus: 'provisioned' });
  const outputsDigest = createHash('sha256').update(canonicalJson(parts.map((p) => [p.mspId, p.outputsDigest]))).digest('hex');
  const workloads = parts.reduce((n, p) => n + (typeof p.resources?.['workloads'] === 'number' ? p.resources['workloads'] : 0), 0);
  const mpcNodes = parts.flatMap((p) => (Array.isArray(p.resources?.['mpcNodes']) ? (p.resources['mpcNodes'] as unknown as ProvisionedMpcNode[]) : []));
  const whole = {
    revision: report.revision,
    status: 'provisioned' as const,
    reportedBy: record.mspId,
    atMs: record.atMs,
    outputsDigest,
    resources: mpcNodes.length > 0 ? { mpcNodes, workloads } : { workloads },
    parts: parts.map((p) => p.mspId),
  };
  emitPrivate(ctx, DAO.emitted(DAO.event.InfrastructureProvisioned, whole));
  return canonicalJson(record);
}

/** A member's own provisioner could not build its part: the revision has failed. */
export async function infrastructurePartFailed(ctx: Context, report: FailedReport): Promise<string> {
  const { record, retried, store } = await recordPart(ctx, report.revision, { status: 'failed', reason: report.reason });
  if (retried) return canonicalJson(record);
  const version = await store.version();
  await store.putVersion({ ...version, infrastructureStatus: 'failed' });
  emitPrivate(ctx, DAO.emitted(DAO.event.InfrastructureFailed, { revision: report.revision, status: 'failed' as const, reportedBy: record.mspId, atMs: record.atMs, reason: `${record.mspId}: ${report.reason}` }));
  return canonicalJson(record);
}
