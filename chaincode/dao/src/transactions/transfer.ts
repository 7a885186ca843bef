import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, emitPrivate, forbidden, notFound, txTimeMs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
import { refused } from '../governance';
import type { TransferOffer } from '../arguments';
import type { Terms } from '../agreement.validator';
import { DaoStore, type MemberState, type TransferState, type VersionRecord } from '../state';
import { registeredParticipant } from './consent';

/*
 * Transfer of rights (second paper: "a transfer of rights between an active member and another
 * internal to the DAO or with a new member"): a member hands its whole position — level, group
 * weight, ownership (its vote) and the entitlement to future revenue of its level — to another
 * member of its own group or to a newcomer. The leaver offers (its own identity), the recipient
 * accepts (its own identity: a newcomer must first have been added to the channel), and the other
 * members consent under the join consent rule: every active member of the founding group D and
 * active members holding more than half of the active ownership (the leaver, having offered, counts
 * as consenting). The transaction that completes the three moves the position; the leaver is then a
 * non-member (status exited, endReason transfer). Revenue allocated before stays the leaver's.
 *
 * A position sits in every channel of its level and above; the same transfer (same id) is made on
 * each of them, each channel deciding from its own members.
 */

/** The leaving member offers its whole position to `to`. */
export async function offerTransfer(ctx: Context, offer: TransferOffer): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const from = await store.activeCaller('offer a transfer of its position');
  if (await store.get<TransferState>('transfer', offer.transferId)) throw conflict(refused('TRANSFER_EXISTS', `transfer ${offer.transferId} exists already`));
  if (offer.to === from.mspId) throw conflict(refused('SELF_TRANSFER', `${from.mspId} cannot transfer its position to itself`));
  if (from.exitRequestedAtMs !== undefined) throw conflict(refused('EXIT_ALREADY_REQUESTED', `${from.mspId} has given notice of exit (effective at ${from.exitEffectiveAtMs}): it has no position left to transfer`));
  // The caller's transfers, from its index (a range read of private data would forbid this transaction's writes).
  const mine = (await store.get<{ transferIds: string[] }>('transfersOf', from.mspId))?.transferIds ?? [];
  const pending = (await Promise.all(mine.map((id) => store.get<TransferState>('transfer', id)))).find((t) => t?.status === 'offered');
  if (pending) throw conflict(refused('TRANSFER_PENDING', `${from.mspId} is party to open transfer ${pending.transferId} (${pending.from} → ${pending.to})`));
  const recipient = version.memberStates.find((m) => m.mspId === offer.to);
  if (recipient) {
    if (recipient.status !== 'active') throw conflict(refused('RECIPIENT_NOT_ACTIVE', `${offer.to} is ${recipient.status}: a member who left cannot take a position`));
    // One position per organisation: an internal transfer merges two positions of the same group.
    if (recipient.level !== from.level) throw conflict(refused('RECIPIENT_AT_OTHER_LEVEL', `${offer.to} holds a position in group ${recipient.group}, not in ${from.group}: an organisation holds one position, so an internal transfer stays inside a group`));
  } else {
    const participant = await registeredParticipant(ctx, offer.to);
    if (!participant || participant.status !== 'active') throw notFound(refused('RECIPIENT_NOT_PARTICIPANT', `${offer.to} is not an active participant of the marketplace`));
    if (participant.role !== from.role) throw conflict(refused('ROLE_MISMATCH', `${offer.to} is registered as a ${participant.role ?? 'participant without a role'}; the position of ${from.mspId} is a ${from.role}'s`));
  }
  const now = txTimeMs(ctx);
  const transfer: TransferState = {
    transferId: offer.transferId,
    from: from.mspId,
    to: offer.to,
    group: from.group,
    level: from.level,
    role: from.role,
    weight: from.weight,
    ownershipPpm: from.ownershipPpm,
    recipientWasMember: recipient !== undefined,
    status: 'offered',
    offeredAtMs: now,
    consents: [from.mspId],
  };
  await store.put(transfer, 'transfer', transfer.transferId);
  // Each party's transfers, for the check above (transfersOf~<msp>).
  for (const party of [from.mspId, offer.to]) {
    const known = (await store.get<{ transferIds: string[] }>('transfersOf', party))?.transferIds ?? [];
    await store.put({ transferIds: [...known, transfer.transferId] }, 'transfersOf', party);
  }
  emitPrivate(ctx, DAO.emitted(DAO.event.TransferOffered, { ...summary(transfer, version), by: from.mspId, atMs: now }));
  return canonicalJson({ ...transfer, ...consentOf(transfer, version) });
}

/** An active member (other than the two parties) consents; completes the transfer if it was the last thing missing. */
export async function consentTransfer(ctx: Context, transferId: string): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const caller = await store.activeCaller('consent to transfers');
  const transfer = await openTransfer(store, transferId);
  if (caller.mspId === transfer.to) throw conflict(refused('NOT_TRANSFER_PARTY', `${caller.mspId} is the recipient of transfer ${transferId}: it accepts (AcceptTransfer), it does not consent`));
  if (transfer.consents.includes(caller.mspId)) throw conflict(refused('ALREADY_CONSENTED', `${caller.mspId} has already consented to transfer ${transferId}`));
  const next: TransferState = { ...transfer, consents: [...transfer.consents, caller.mspId] };
  return settle(ctx, store, version, next, caller.mspId, DAO.event.TransferConsented);
}

/** The recipient accepts, as its own identity (a newcomer once its organisation is on the channel). */
export async function acceptTransfer(ctx: Context, transferId: string): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.activeVersion();
  const msp = ctx.clientIdentity.getMSPID();
  const transfer = await store.get<TransferState>('transfer', transferId);
  // Only the two parties and the members learn that a transfer exists.
  if (!transfer || (msp !== transfer.to && !version.memberStates.some((m) => m.mspId === msp))) throw notFound(`no transfer ${transferId}`);
  if (msp !== transfer.to) throw forbidden(refused('NOT_TRANSFER_RECIPIENT', `transfer ${transferId} is offered to ${transfer.to}, not to ${msp}`));
  if (transfer.status !== 'offered') throw conflict(refused('TRANSFER_DECIDED', `transfer ${transferId} is already ${transfer.status}`));
  if (transfer.acceptedAtMs !== undefined) throw conflict(refused('TRANSFER_DECIDED', `${msp} has already accepted transfer ${transferId}`));
  const recipient = version.memberStates.find((m) => m.mspId === msp);
  if (recipient && recipient.status !== 'active') throw conflict(refused('RECIPIENT_NOT_ACTIVE', `${msp} is ${recipient.status}`));
  const next: TransferState = { ...transfer, acceptedAtMs: txTimeMs(ctx) };
  return settle(ctx, store, version, next, msp, DAO.event.TransferAccepted);
}

/** A transfer, with where its consent stands: to the members (any status) and to its recipient. */
export async function getTransfer(ctx: Context, transferId: string): Promise<string> {
  const store = new DaoStore(ctx);
  const version = await store.version();
  const msp = ctx.clientIdentity.getMSPID();
  const transfer = await store.get<TransferState>('transfer', transferId);
  if (!transfer || (msp !== transfer.to && !version.memberStates.some((m) => m.mspId === msp))) throw notFound(`no transfer ${transferId}`);
  return canonicalJson({ ...transfer, ...consentOf(transfer, version) });
}

async function openTransfer(store: DaoStore, transferId: string): Promise<TransferState> {
  const transfer = await store.get<TransferState>('transfer', transferId);
  if (!transfer) throw notFound(`no transfer ${transferId}`);
  if (transfer.status !== 'offered') throw conflict(refused('TRANSFER_DECIDED', `transfer ${transferId} is already ${transfer.status}`));
  return transfer;
}

/**
 * The join consent rule applied to a transfer, over this channel's active members: every active
 * member of D consented, and the consenting active ownership is more than half of the active
 * ownership. Consents of members who have since left do not count.
 */
export function consentOf(transfer: Pick<TransferState, 'consents'>, version: Pick<VersionRecord, 'memberStates'>): { consentedPpm: number; activeOwnershipPpm: number; foundingMissing: string[]; consented: boolean } {
  const active = version.memberStates.filter((m) => m.status === 'active');
  const given = new Set(transfer.consents);
  const activeOwnershipPpm = active.reduce((s, m) => s + m.ownershipPpm, 0);
  const consentedPpm = active.filter((m) => given.has(m.mspId)).reduce((s, m) => s + m.ownershipPpm, 0);
  const foundingMissing = active.filter((m) => m.level === 0 && !given.has(m.mspId)).map((m) => m.mspId);
  return { consentedPpm, activeOwnershipPpm, foundingMissing, consented: foundingMissing.length === 0 && 2 * consentedPpm > activeOwnershipPpm };
}

/** Stores a step; when the recipient has accepted and the consent rule holds, moves the position. */
async function settle(ctx: Context, store: DaoStore, version: VersionRecord, transfer: TransferState, by: string, stepEvent: typeof DAO.event.TransferConsented | typeof DAO.event.TransferAccepted): Promise<string> {
  const consent = consentOf(transfer, version);
  const now = txTimeMs(ctx);
  if (transfer.acceptedAtMs === undefined || !consent.consented) {
    await store.put(transfer, 'transfer', transfer.transferId);
    emitPrivate(ctx, DAO.emitted(stepEvent, { ...summary(transfer, version), by, atMs: now }));
    return canonicalJson({ ...transfer, ...consent });
  }
  const from = version.memberStates.find((m) => m.mspId === transfer.from);
  if (!from || from.status !== 'active') throw conflict(refused('RECIPIENT_NOT_ACTIVE', `${transfer.from} is ${from?.status ?? 'not a member'}: its position can no longer move`));
  const done: TransferState = { ...transfer, status: 'completed', completedAtMs: now };
  const moved = movePosition(version, from, transfer.to, now);
  await store.putVersion(moved);
  await store.put(done, 'transfer', transfer.transferId);
  emitPrivate(ctx, DAO.emitted(DAO.event.MemberTransferred, { ...summary(done, version), by, atMs: now, terms: moved.terms }));
  return canonicalJson({ ...done, ...consent });
}

/**
 * The version record once `from`'s position is `to`'s: the leaver exited (reason transfer); an
 * existing member of the group takes its weight and ownership on top of its own; a newcomer takes
 * the leaver's place in the agreement order (so the remainder rule still falls where it fell). The
 * terms' roles go with the position (termsAfterTransfer).
 */
export function movePosition(version: VersionRecord, from: MemberState, to: string, now: number): VersionRecord {
  const left: MemberState = { ...from, status: 'exited', endedAtMs: now, endReason: 'transfer', transferredTo: to };
  const terms = termsAfterTransfer(version.terms, from.mspId, to);
  const existing = version.memberStates.find((m) => m.mspId === to);
  if (existing) {
    const merged: MemberState = { ...existing, weight: existing.weight + from.weight, ownershipPpm: existing.ownershipPpm + from.ownershipPpm };
    return { ...version, terms, memberStates: version.memberStates.map((m) => (m.mspId === from.mspId ? left : m.mspId === to ? merged : m)) };
  }
  const newcomer: MemberState = { mspId: to, group: from.group, level: from.level, role: from.role, weight: from.weight, ownershipPpm: from.ownershipPpm, status: 'active', joinedAtMs: now, transferredFrom: from.mspId };
  return {
    ...version,
    terms,
    members: version.members.flatMap((m) => (m === from.mspId ? [m, to] : [m])),
    memberStates: version.memberStates.flatMap((m) => (m.mspId === from.mspId ? [left, newcomer] : [m])),
  };
}

/**
 * The terms once `from`'s position is `to`'s: where they name the leaver (a computation's result
 * recipients, the members who may record revenue), they name the recipient instead, once (an
 * internal recipient already named keeps its place). Otherwise a computation whose recipients
 * included the leaver could never be granted again (its recipients must be active members), and the
 * leaver's right to record revenue would be lost with it. The infrastructure is not rewritten: the
 * leaver's workloads go (the provisioners remove them on MemberTransferred) and the recipient's part
 * is the members' to decide by a change-infrastructure proposal.
 */
export function termsAfterTransfer(terms: Terms, from: string, to: string): Terms {
  const swap = (list: readonly string[]): string[] => [...new Set(list.map((m) => (m === from ? to : m)))];
  return {
    ...terms,
    computations: terms.computations.map((c) => ({ ...c, resultRecipients: swap(c.resultRecipients) })),
    ...(terms.revenueRecorders ? { revenueRecorders: swap(terms.revenueRecorders) } : {}),
  };
}

function summary(t: TransferState, version: VersionRecord) {
  const c = consentOf(t, version);
  return { transferId: t.transferId, from: t.from, to: t.to, group: t.group, level: t.level, accepted: t.acceptedAtMs !== undefined, consents: [...t.consents], consentedPpm: c.consentedPpm, activeOwnershipPpm: c.activeOwnershipPpm, recipientWasMember: t.recipientWasMember };
}
