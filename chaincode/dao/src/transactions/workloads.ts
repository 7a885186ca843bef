import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitPrivate, invalidArgument, notFound, txTimeMs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
import { parseWorkloadKey, verifyHeartbeat } from '../heartbeat';
import type { Snapshot, WorkloadRegistration } from '../arguments';
import { DaoStore, type WorkloadState } from '../state';

/** How far a heartbeat's own timestamp may run ahead of the transaction time (clock skew). */
export const MAX_HEARTBEAT_SKEW_MS = 5 * 60 * 1000;

/** Registers a workload the caller runs, with the public key its heartbeats are signed with. */
export async function registerWorkload(ctx: Context, input: WorkloadRegistration): Promise<string> {
  const { keyType } = parseWorkloadKey(input.publicKeyPem);
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('register workloads');
  if (await store.workload(input.workloadId)) throw conflict(`workload ${input.workloadId} is already registered`);
  const workload: WorkloadState = { workloadId: input.workloadId, owner: caller.mspId, publicKeyPem: input.publicKeyPem, keyType, registeredAtMs: txTimeMs(ctx) };
  await store.putWorkload(workload);
  // The key travels with the event: telemetry verifies heartbeats with it before anything reaches the ledger.
  emitPrivate(ctx, DAO.emitted(DAO.event.WorkloadRegistered, { workloadId: workload.workloadId, owner: workload.owner, keyType, publicKeyPem: workload.publicKeyPem, daoId: version.daoId, version: version.version }));
  return canonicalJson(workload);
}

export async function getWorkload(ctx: Context, id: string): Promise<string> {
  const store = new DaoStore(ctx);
  await store.version();
  await store.caller('read workloads');
  const workload = await store.workload(id);
  if (!workload) throw notFound(`no workload ${id}`);
  return canonicalJson(workload);
}

/**
 * Records a telemetry snapshot. Every heartbeat's signature is verified against its workload's
 * registered key; one bad, unknown, replayed or future-dated heartbeat rejects the whole snapshot.
 * Any active member may submit (the telemetry service, through a bridge); the signatures, not the
 * submitter, make the heartbeats count.
 */
export async function recordTelemetry(ctx: Context, snapshot: Snapshot): Promise<string> {
  const store = new DaoStore(ctx);
  await store.activeVersion();
  const caller = await store.activeCaller('record telemetry');
  if (await store.get('snapshot', snapshot.snapshotId)) throw conflict(`snapshot ${snapshot.snapshotId} is already recorded`);
  const now = txTimeMs(ctx);
  const workloads = new Map<string, WorkloadState>();
  for (const [k, hb] of snapshot.heartbeats.entries()) {
    const where = `snapshot.heartbeats.${k}`;
    let workload = workloads.get(hb.workloadId);
    if (!workload) {
      const stored = await store.workload(hb.workloadId);
      if (!stored) throw notFound(`${where}: unknown workload ${hb.workloadId}`);
      workload = { ...stored };
      workloads.set(hb.workloadId, workload);
    }
    if (!verifyHeartbeat(hb, workload.publicKeyPem)) throw invalidArgument(`${where}: signature does not verify with the key of workload ${hb.workloadId}`);
    if (workload.lastSeq !== undefined && hb.seq <= workload.lastSeq) throw conflict(`${where}: seq ${hb.seq} of workload ${hb.workloadId} is not after ${workload.lastSeq}`);
    if (hb.timestamp > now + MAX_HEARTBEAT_SKEW_MS) throw invalidArgument(`${where}: timestamp ${hb.timestamp} is ahead of the transaction time ${now}`);
    workload.lastSeq = hb.seq;
    workload.lastHeartbeatMs = Math.max(workload.lastHeartbeatMs ?? 0, hb.timestamp);
  }
  const latestByMember = new Map<string, number>();
  for (const w of workloads.values()) {
    await store.putWorkload(w);
    latestByMember.set(w.owner, Math.max(latestByMember.get(w.owner) ?? 0, w.lastHeartbeatMs ?? 0));
  }
  // Kept apart from the member record, which every allocation reads: telemetry then never
  // invalidates a concurrent revenue transaction.
  for (const [msp, latest] of latestByMember) {
    if ((await store.lastHeartbeat(msp) ?? 0) < latest) await store.put({ mspId: msp, lastHeartbeatMs: latest }, 'heartbeat', msp);
  }
  await store.put({ snapshotId: snapshot.snapshotId, recordedBy: caller.mspId, atMs: now, heartbeats: snapshot.heartbeats }, 'snapshot', snapshot.snapshotId);
  const summary = [...workloads.values()].map((w) => ({ workloadId: w.workloadId, owner: w.owner, lastSeq: w.lastSeq, lastHeartbeatMs: w.lastHeartbeatMs }));
  emitPrivate(ctx, DAO.emitted(DAO.event.TelemetryRecorded, { snapshotId: snapshot.snapshotId, recordedBy: caller.mspId, heartbeats: snapshot.heartbeats.length, workloads: summary }));
  return canonicalJson({ snapshotId: snapshot.snapshotId, workloads: summary });
}
