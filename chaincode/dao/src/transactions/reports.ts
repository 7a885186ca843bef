import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emit, forbidden, invalidArgument, txTimeMs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
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
  emit(ctx, DAO.emitted(DAO.event.ComputationCompleted, record));
  return canonicalJson(record);
}

/** The provisioner built the requested infrastructure revision; recorded by a D member's bridge. */
export async function infrastructureProvisioned(ctx: Context, report: ProvisionedReport): Promise<string> {
  const record = { ...(await recordInfrastructureStatus(ctx, report.revision, 'provisioned')), outputsDigest: report.outputsDigest, resources: report.resources };
  emit(ctx, DAO.emitted(DAO.event.InfrastructureProvisioned, record));
  return canonicalJson(record);
}

/** The provisioner could not build the requested revision; recorded by a D member's bridge. */
export async function infrastructureFailed(ctx: Context, report: FailedReport): Promise<string> {
  const record = { ...(await recordInfrastructureStatus(ctx, report.revision, 'failed')), reason: report.reason };
  emit(ctx, DAO.emitted(DAO.event.InfrastructureFailed, record));
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
