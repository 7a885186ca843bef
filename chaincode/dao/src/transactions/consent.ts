import type { Context } from 'fabric-contract-api';
import { canonicalJson, conflict, forbidden, notFound, queryChaincode } from '@datawell/chaincode-common';
import { DAO, MARKETPLACE, MARKETPLACE_CHANNEL, type Acceptances } from '@datawell/contracts';
import { AgreementConsentError, checkConsent, verifyAcceptances, type ConsentMember } from '@datawell/domain';
import { groupLevel } from '../agreement.validator';
import type { Agreement } from '../arguments';
import type { MemberState, VersionState } from '../state';

/**
 * InitVersion's consent check, on chain: every acceptance verifies (ECDSA over the agreement's
 * canonical JSON, a certificate issued by the CA its organisation registered on the marketplace
 * ledger, valid at the transaction time) and the consent rule holds (formation: every member; join:
 * D, the joiners and an ownership majority of version i−1 as recorded on its channel). The rules
 * are @datawell/domain's, the ones the operator's bridge applies before it builds a channel; here
 * the facts come from the ledgers themselves, read by this peer with cross-channel queries
 * (read-only, same caller). Refusals are `FORBIDDEN: BAD_SIGNATURE: …` or `FORBIDDEN: NOT_ACCEPTED: …`.
 */
export async function checkAgreementConsent(ctx: Context, agreement: Agreement, acceptances: Acceptances, atMs: number): Promise<void> {
  const members = new Set(agreement.members.map((m) => m.mspId));
  const cas = new Map<string, string>();
  for (const mspId of new Set(acceptances.signatures.map((s) => s.mspId))) {
    // A non-member's signature fails in verifyAcceptances; its registration is not read.
    if (!members.has(mspId)) continue;
    const ca = await registeredCaCertificate(ctx, mspId);
    if (ca) cas.set(mspId, ca);
  }
  const previous = agreement.version > 1 ? await previousVersionMembers(ctx, agreement, acceptances.previousChaincode) : undefined;
  try {
    const accepted = verifyAcceptances({ agreement, members: agreement.members, signatures: acceptances.signatures, caOf: (m) => cas.get(m), atMs });
    checkConsent(agreement, accepted, previous);
  } catch (error) {
    if (error instanceof AgreementConsentError) throw forbidden(`${error.code}: ${error.message}`);
    throw error;
  }
}

/** The CA certificate an organisation registered on the marketplace ledger; undefined if it is not an active participant. */
async function registeredCaCertificate(ctx: Context, mspId: string): Promise<string | undefined> {
  const participant = await registeredParticipant(ctx, mspId);
  return participant?.status === 'active' && typeof participant.caCertPem === 'string' ? participant.caCertPem : undefined;
}

/** An organisation's entry in the marketplace's participant registry (cross-channel read); undefined if it has none. */
export async function registeredParticipant(ctx: Context, mspId: string): Promise<{ status?: string; role?: string; caCertPem?: string } | undefined> {
  const answer = await queryChaincode(ctx, MARKETPLACE.chaincode, [MARKETPLACE.tx.GetParticipant, mspId], MARKETPLACE_CHANNEL);
  if (!answer.ok) {
    if (!answer.unreachable && /NOT_FOUND/.test(answer.message)) return undefined;
    throw notFound(`cannot read the participant registry (${MARKETPLACE.chaincode} on ${MARKETPLACE_CHANNEL}) for ${mspId}: ${answer.message}`);
  }
  return JSON.parse(answer.text) as { status?: string; role?: string; caCertPem?: string };
}

/**
 * Version i−1 as recorded on its channel: its active members (with their ownership, for the
 * majority). The agreement must carry exactly them, in their groups (CH_i = CH_{i−1} ∪ J_i), and
 * an earlier member's workload only as version i−1's current spec has it (carried over: the member's
 * MPC node then serves version i too; a join's consent needs only a majority of the earlier members,
 * so it may not give one of them a workload it never agreed to).
 */
async function previousVersionMembers(ctx: Context, agreement: Agreement, chaincode: string): Promise<ConsentMember[]> {
  const channel = `dao-${agreement.daoId}-v${agreement.version - 1}`;
  const answer = await queryChaincode(ctx, chaincode, [DAO.tx.GetVersion], channel);
  if (!answer.ok) throw notFound(`cannot read version ${agreement.version - 1} on ${channel} (chaincode ${chaincode}), whose members must consent to the join: ${answer.message}`);
  const previous = JSON.parse(answer.text) as VersionState & { memberStates: MemberState[] };
  if (previous.daoId !== agreement.daoId || previous.version !== agreement.version - 1) throw conflict(`${channel} holds version ${previous.version} of DAO ${previous.daoId}`);
  if (previous.status !== 'active') throw conflict(`version ${previous.version} on ${channel} is ${previous.status}: the DAO cannot grow`);
  const active = previous.memberStates.filter((m) => m.status === 'active');
  for (const m of active) {
    const there = agreement.members.find((a) => a.mspId === m.mspId);
    if (!there || there.group !== m.group) throw conflict(`agreement.members: ${m.mspId}, an active member of version ${previous.version} in group ${m.group}, is not in group ${m.group} of the agreement`);
  }
  for (const a of agreement.members) {
    if (groupLevel(a.group) < agreement.version && !active.some((m) => m.mspId === a.mspId)) {
      throw conflict(`agreement.members: ${a.mspId} (group ${a.group}) is not an active member of version ${previous.version}`);
    }
  }
  checkCarriedOver(agreement, previous);
  return active.map((m) => ({ mspId: m.mspId, group: m.group, ownershipPpm: m.ownershipPpm, status: m.status }));
}

/** Every workload of an earlier member (groups below J_i) is one of version i−1's current spec, unchanged; the joiners' are their own to add. */
function checkCarriedOver(agreement: Agreement, previous: VersionState): void {
  const earlier = new Set(agreement.members.filter((m) => groupLevel(m.group) < agreement.version).map((m) => m.mspId));
  agreement.infrastructure.workloads.forEach((w, k) => {
    if (!earlier.has(w.owner)) return;
    const there = previous.infrastructure.workloads.find((p) => p.name === w.name && p.owner === w.owner);
    if (!there || canonicalJson(there) !== canonicalJson(w)) {
      throw conflict(
        `agreement.infrastructure.workloads.${k}: ${w.name} of ${w.owner}, an earlier member, is not a workload of version ${previous.version}'s infrastructure revision ${previous.infrastructureRevision} as it stands: a join carries an earlier member's workload over unchanged and adds only the joiners'`,
      );
    }
  });
}
