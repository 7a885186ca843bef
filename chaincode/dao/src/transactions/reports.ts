import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitEvent, forbidden, invalidArgument, txTimeMs } from '@datawell/chaincode-common';
import type { ComputationReport, FailedReport, ProvisionedReport } from '../operations.validator';
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
  emitEvent(ctx, 'ComputationCompleted', record);
  return canonicalJson(record);
}

/** The provisioner built the requested infrastructure revision; recorded by a D member's bridge. */
export function infrastructureProvisioned(ctx: Context, report: ProvisionedReport): Promise<string> {
  return infrastructureReport(ctx, report.revision, 'provisioned', 'InfrastructureProvisioned', { outputsDigest: report.outputsDigest, resources: report.resources });
}

/** The provisioner could not build the requested revision; recorded by a D member's bridge. */
export function infrastructureFailed(ctx: Context, report: FailedReport): Promise<string> {
  return infrastructureReport(ctx, report.revision, 'failed', 'InfrastructureFailed', { reason: report.reason });
}

async function infrastructureReport(ctx: Context, revision: number, status: 'provisioned' | 'failed', event: string, details: Record<string, unknown>): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.version();
  const caller = await store.activeCaller('report on infrastructure', { foundingOnly: true });
  if (revision !== version.infrastructureRevision) throw conflict(`infrastructure revision ${revision} is not the current one (${version.infrastructureRevision})`);
  if (version.infrastructureStatus !== 'requested') throw conflict(`infrastructure revision ${revision} is already ${version.infrastructureStatus}`);
  await store.putVersion({ ...version, infrastructureStatus: status });
  const record = { revision, status, reportedBy: caller.mspId, atMs: txTimeMs(ctx), ...details };
  emitEvent(ctx, event, record);
  return canonicalJson(record);
}
