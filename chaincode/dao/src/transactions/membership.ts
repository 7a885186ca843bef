import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitPrivate, txTimeMs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
import { refused } from '../governance';
import { DaoStore, contractEndsAtMs, type MemberState, type VersionRecord, type VersionState } from '../state';

/*
 * How a member's part in a version ends: abandonment (decided from recorded heartbeats), a
 * voluntary exit with notice, or the end of the version's term for its joining group.
 */

/**
 * Decides whether `mspId` has abandoned the DAO, from recorded heartbeats, the terms' abandon-after
 * and the transaction time: abandoned when its last heartbeat (or the version's creation, if none)
 * is more than abandon-after before now. A VSP's level then counts β = 10^6 for new revenue; a
 * DSP abandoning dissolves the DAO. Any active member may ask. Not abandoned: no write, no event.
 */
export async function evaluateAbandonment(ctx: Context, msp: string): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  await store.activeCaller('evaluate abandonment');
  const member = await store.requireMember(msp);
  if (member.status !== 'active') throw conflict(`${msp} is already ${member.status}`);
  const now = txTimeMs(ctx);
  const lastHeartbeatMs = await store.lastHeartbeat(msp);
  // A member who took its position by transfer is measured from then, not from the version's creation.
  const since = Math.max(lastHeartbeatMs ?? 0, version.createdAtMs, member.joinedAtMs ?? 0);
  const deadlineMs = since + version.terms.abandonAfterSeconds * 1000;
  if (now <= deadlineMs) return canonicalJson({ mspId: msp, abandoned: false, lastHeartbeatMs, deadlineMs, evaluatedAtMs: now });
  const dissolved = member.level === 0;
  await store.putVersion(withMember(version, { ...member, status: 'abandoned', endedAtMs: now }, dissolved ? { status: 'dissolved', dissolvedAtMs: now, dissolvedReason: `founding member ${msp} abandoned` } : {}));
  const levelEnded = await levelEnds(store, version, member);
  emitPrivate(ctx, DAO.emitted(DAO.event.MemberAbandoned, { mspId: msp, group: member.group, role: member.role, lastHeartbeatMs, deadlineMs, decidedAtMs: now, levelEnded, dissolved }));
  return canonicalJson({ mspId: msp, abandoned: true, lastHeartbeatMs, deadlineMs, evaluatedAtMs: now, levelEnded, dissolved });
}

/** The caller gives notice of leaving; the exit can complete once the terms' notice has run. */
export async function requestExit(ctx: Context): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const member = await store.activeCaller('request exit');
  if (member.exitRequestedAtMs !== undefined) throw conflict(refused('EXIT_ALREADY_REQUESTED', `${member.mspId} has already requested exit (effective at ${member.exitEffectiveAtMs})`));
  const now = txTimeMs(ctx);
  const next: MemberState = { ...member, exitRequestedAtMs: now, exitEffectiveAtMs: now + version.terms.exitNoticeSeconds * 1000 };
  await store.putMember(next);
  emitPrivate(ctx, DAO.emitted(DAO.event.ExitRequested, { mspId: member.mspId, group: member.group, requestedAtMs: now, effectiveAtMs: next.exitEffectiveAtMs }));
  return canonicalJson(next);
}

/**
 * Completes a requested exit once its notice has run (checked against the transaction time). Any
 * active member may complete it. Same payout effect as abandonment; a DSP leaving dissolves the DAO.
 */
export async function completeExit(ctx: Context, msp: string): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  await store.activeCaller('complete exits');
  const member = await store.requireMember(msp);
  if (member.status !== 'active') throw conflict(`${msp} is already ${member.status}`);
  if (member.exitEffectiveAtMs === undefined) throw conflict(refused('EXIT_NOT_REQUESTED', `${msp} has not requested exit`));
  const now = txTimeMs(ctx);
  if (now < member.exitEffectiveAtMs) throw conflict(refused('EXIT_NOTICE_RUNNING', `the exit notice of ${msp} runs until ${member.exitEffectiveAtMs} (now ${now})`));
  const dissolved = member.level === 0;
  await store.putVersion(withMember(version, { ...member, status: 'exited', endedAtMs: now, endReason: 'exit' }, dissolved ? { status: 'dissolved', dissolvedAtMs: now, dissolvedReason: `founding member ${msp} exited` } : {}));
  const levelEnded = await levelEnds(store, version, member);
  emitPrivate(ctx, DAO.emitted(DAO.event.MemberExited, { mspId: msp, group: member.group, role: member.role, exitedAtMs: now, reason: 'exit', levelEnded, dissolved }));
  return canonicalJson({ mspId: msp, status: 'exited', exitedAtMs: now, reason: 'exit', levelEnded, dissolved });
}

/**
 * Ends the contract of this version's joining group J_i once the agreement's term has run: version
 * i's terms.durationDays count from its InitVersion, in transaction time. A member of J_i then leaves
 * as by a completed exit (status exited, reason contract-ended; event MemberExited, so its workloads
 * of this version are destroyed and, once the whole group is out, the level's lump passes inward).
 * Members of D and of earlier groups are bound by their own version's term, not this one; the
 * founding group's contract has no end date (the DAO lasts until dissolved). Any active member may
 * ask. Term not over: no write, no event.
 */
export async function evaluateContractEnd(ctx: Context, msp: string): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  await store.activeCaller('evaluate contract ends');
  const member = await store.requireMember(msp);
  if (member.level !== version.version) {
    throw conflict(`${msp} is in group ${member.group}: the term of version ${version.version} binds its joining group J${version.version} only`);
  }
  if (member.status !== 'active') throw conflict(`${msp} is already ${member.status}`);
  const now = txTimeMs(ctx);
  const endsAtMs = contractEndsAtMs(version);
  if (now < endsAtMs) return canonicalJson({ mspId: msp, ended: false, contractEndsAtMs: endsAtMs, evaluatedAtMs: now });
  await store.putVersion(withMember(version, { ...member, status: 'exited', endedAtMs: now, endReason: 'contract-ended' }));
  const levelEnded = await levelEnds(store, version, member);
  emitPrivate(ctx, DAO.emitted(DAO.event.MemberExited, { mspId: msp, group: member.group, role: member.role, exitedAtMs: now, reason: 'contract-ended', contractEndsAtMs: endsAtMs, levelEnded, dissolved: false }));
  return canonicalJson({ mspId: msp, ended: true, status: 'exited', exitedAtMs: now, reason: 'contract-ended', contractEndsAtMs: endsAtMs, levelEnded, dissolved: false });
}

/** Whether `leaving` was the last active member of this channel's joining group J_i. */
async function levelEnds(store: DaoStore, version: VersionState, leaving: MemberState): Promise<boolean> {
  if (leaving.level !== version.version) return false;
  const others = (await store.members()).filter((m) => m.level === version.version && m.mspId !== leaving.mspId && m.status === 'active');
  return others.length === 0;
}

/** The version record with one member's new state (and other changes of the same transaction). */
function withMember(version: VersionRecord, member: MemberState, changes: Partial<VersionState> = {}): VersionRecord {
  return { ...version, ...changes, memberStates: version.memberStates.map((m) => (m.mspId === member.mspId ? member : m)) };
}
