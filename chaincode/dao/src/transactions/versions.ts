import { createHash } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitPrivate, forbidden, notFound, queryChaincode, txTimeMs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
import { checkAgreement, groupLevel } from '../agreement.validator';
import type { Acceptances, Agreement, Successor } from '../arguments';
import { DaoStore, contractEndsAtMs, periodGrid, versionView, type MemberState, type VersionRecord, type VersionState } from '../state';
import { checkAgreementConsent } from './consent';
import { migrateLegacyLayout } from './legacy-layout';

/**
 * Creates this channel's version from the signed agreement. Only once, only by a member of the
 * founding group D (the DSP's ledger bridge), and only when the acceptances prove the members'
 * consent (transactions/consent.ts). One event, VersionCreated, whose payload carries the
 * infrastructure request (the bridge fans it out as InfrastructureRequested).
 */
export async function initVersion(ctx: Context, agreement: Agreement, acceptances: Acceptances): Promise<string> {
  checkAgreement(agreement, ctx.stub.getChannelID());
  const caller = ctx.clientIdentity.getMSPID();
  const self = agreement.members.find((m) => m.mspId === caller);
  if (!self || groupLevel(self.group) !== 0) throw forbidden(`${caller} is not in the founding group D of this agreement and may not ${DAO.tx.InitVersion}`);
  const store = new DaoStore(ctx);
  const agreementDigest = createHash('sha256').update(canonicalJson(agreement)).digest('hex');
  const existing = await store.existingVersion();
  if (existing) {
    // A bridge retrying the same agreement gets the version back; another agreement is refused.
    if (existing.agreementDigest === agreementDigest) {
      await migrateLegacyLayout(store, existing);
      return canonicalJson(versionView(existing));
    }
    throw conflict(`channel ${ctx.stub.getChannelID()} already holds a DAO version (agreement ${existing.agreementId})`);
  }
  const now = txTimeMs(ctx);
  // After the retry answer above: a version exists only for an agreement verified when it was created.
  await checkAgreementConsent(ctx, agreement, acceptances, now);
  const version: VersionRecord = {
    daoId: agreement.daoId,
    version: agreement.version,
    channel: ctx.stub.getChannelID(),
    agreementId: agreement.agreementId,
    agreementDigest,
    documentDigest: agreement.documentDigest,
    betaPpm: agreement.betaPpm,
    members: agreement.members.map((m) => m.mspId),
    terms: agreement.terms,
    infrastructure: agreement.infrastructure,
    infrastructureRevision: 1,
    infrastructureStatus: 'requested',
    status: 'active',
    createdAtMs: now,
    memberStates: agreement.members.map((m) => ({ mspId: m.mspId, group: m.group, level: groupLevel(m.group), role: m.role, weight: m.weight, ownershipPpm: m.ownershipPpm, status: 'active' })),
  };
  await store.putVersion(version);
  emitPrivate(ctx, DAO.emitted(DAO.event.VersionCreated, {
    daoId: version.daoId,
    version: version.version,
    agreementId: version.agreementId,
    agreementDigest: version.agreementDigest,
    betaPpm: version.betaPpm,
    members: agreement.members.map(({ mspId, group, role, weight, ownershipPpm }) => ({ mspId, group, role, weight, ownershipPpm })),
    terms: version.terms,
    createdAtMs: now,
    contractEndsAtMs: contractEndsAtMs(version),
    infrastructureRequested: { revision: 1, spec: version.infrastructure },
  }));
  return canonicalJson(versionView(version));
}

export async function getVersion(ctx: Context): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.version();
  await store.caller('read this DAO version');
  const members: MemberState[] = [];
  for (const m of version.memberStates) members.push({ ...m, lastHeartbeatMs: await store.lastHeartbeat(m.mspId) });
  return canonicalJson({ ...versionView(version), contractEndsAtMs: contractEndsAtMs(version), memberStates: members });
}

export async function getMember(ctx: Context, msp: string): Promise<string> {
  const store = new DaoStore(ctx);
  await store.version();
  await store.caller('read members');
  return canonicalJson({ ...(await store.requireMember(msp)), lastHeartbeatMs: await store.lastHeartbeat(msp) });
}

/**
 * Records that version i+1 exists, after reading it on its channel (cross-channel query by this
 * channel's endorsers, all members there): same DAO, version i+1, active, and every member of this
 * version in the same group (CH_{i+1} = CH_i ∪ J_{i+1}). From then on revenue is recorded on the
 * top channel and reaches this one only as AllocationReceived. Active D member (the DSP's bridge,
 * after InitVersion on the new channel). Idempotent. Event VersionSuperseded.
 */
export async function recordSuccessor(ctx: Context, input: Successor): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  await store.activeCaller('record the successor version', { foundingOnly: true });
  const channel = `dao-${version.daoId}-v${version.version + 1}`;
  if (version.successorChannel === channel) return canonicalJson(versionView(version));
  const answer = await queryChaincode(ctx, input.chaincode, [DAO.tx.GetVersion], channel);
  if (!answer.ok) throw notFound(answer.unreachable ? `cannot read version ${version.version + 1} on ${channel} (chaincode ${input.chaincode}): ${answer.message}` : `no version on ${channel}: ${answer.message}`);
  const next = JSON.parse(answer.text) as VersionState & { memberStates: MemberState[] };
  if (next.daoId !== version.daoId || next.version !== version.version + 1) throw conflict(`${channel} holds version ${next.version} of DAO ${next.daoId}`);
  if (next.status !== 'active') throw conflict(`version ${next.version} on ${channel} is ${next.status}`);
  for (const m of await store.members()) {
    const there = next.memberStates.find((n) => n.mspId === m.mspId);
    if (!there || there.group !== m.group) throw conflict(`${m.mspId} (group ${m.group}) is not in group ${m.group} of version ${next.version}`);
  }
  const periods = periodsContinue(version, next);
  const now = txTimeMs(ctx);
  const updated: VersionRecord = { ...version, successorChannel: channel, supersededAtMs: now, successorCreatedAtMs: next.createdAtMs };
  await store.putVersion(updated);
  emitPrivate(
    ctx,
    DAO.emitted(DAO.event.VersionSuperseded, {
      daoId: version.daoId,
      version: version.version,
      successorChannel: channel,
      successorAgreementId: next.agreementId,
      supersededAtMs: now,
      successorCreatedAtMs: next.createdAtMs,
      ...(periods !== undefined ? { periodsContinue: periods } : {}),
    }),
  );
  return canonicalJson(versionView(updated));
}

/**
 * Whether a subscription continued by a subscription keeps the DAO's one grid of periods (same
 * origin, same length), so that the period in progress when the successor was created, charged here,
 * is not charged again there; undefined when either side has no grid. The successor is recorded
 * either way (its members signed its terms, and refusing here would leave the DAO half-joined): the
 * negotiation makes a join continue the grid, and VersionSuperseded says whether it does.
 */
function periodsContinue(version: VersionState, next: VersionState): boolean | undefined {
  const mine = periodGrid(version);
  const theirs = periodGrid(next);
  if (!mine || !theirs) return undefined;
  return mine.originMs === theirs.originMs && mine.periodMs === theirs.periodMs;
}
