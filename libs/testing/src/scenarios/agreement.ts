import { createHash } from 'node:crypto';
import { ownershipExact, PPM, type AgreementSignature } from '@datawell/domain';
import { enrollClientIdentity, type StackContext } from '@datawell/stack';
import { acceptancesOf } from '../chaincode-network';
import { testStackContext } from '../stack-context';

export interface DaoPlan {
  readonly daoId: string;
  readonly dsp: string;
  /** VSP_1 … VSP_n, in joining order. */
  readonly vsps: readonly string[];
  /** β_1 … β_n in ppm. */
  readonly betasPpm: readonly number[];
}

/** One member of a version's agreement, as the `dao` chaincode's InitVersion takes it. */
export interface AgreementMember {
  readonly mspId: string;
  readonly group: string;
  readonly role: 'DSP' | 'VSP';
  readonly weight: number;
  readonly ownershipPpm: number;
}

/**
 * Ownership of D, J_1 … J_i in ppm from β_1 … β_i (formulas (2) and (3), exact), rounded down
 * with the rounding remainder to the DSP so the vector sums to exactly 10^6.
 */
export function ownershipPpm(betasPpm: readonly number[]): number[] {
  const exact = ownershipExact(betasPpm);
  const shares = exact.numerators.map((n) => Number((n * BigInt(PPM)) / exact.denominator));
  shares[0]! += PPM - shares.reduce((a, b) => a + b, 0);
  return shares;
}

/** The signed agreement of version `version` (1-based) of the planned DAO. */
export function agreementFor(plan: DaoPlan, version: number): Record<string, unknown> {
  const betas = plan.betasPpm.slice(0, version);
  const shares = ownershipPpm(betas);
  const members: AgreementMember[] = [
    { mspId: plan.dsp, group: 'D', role: 'DSP', weight: 1, ownershipPpm: shares[0]! },
    ...plan.vsps.slice(0, version).map((mspId, k) => ({ mspId, group: `J${k + 1}`, role: 'VSP' as const, weight: 1, ownershipPpm: shares[k + 1]! })),
  ];
  const body = {
    agreementId: `${plan.daoId}-v${version}`,
    daoId: plan.daoId,
    version,
    betaPpm: plan.betasPpm[version - 1]!,
    members,
    terms: {
      durationDays: 365,
      businessModel: 'pay-per-use',
      heartbeatIntervalSeconds: 10,
      abandonAfterSeconds: 60,
      exitNoticeSeconds: 0,
      computations: [{ name: 'mean', resultRecipients: members.map((m) => m.mspId) }],
    },
    infrastructure: { workloads: members.map((m) => ({ name: `mpc-${m.mspId.toLowerCase()}`, owner: m.mspId, placement: 'managed', kind: 'mpc-node' })) },
  };
  const documentDigest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return { ...body, documentDigest };
}

/** An agreement with its members' acceptances, as `POST /admin/dao-versions` and InitVersion take it. */
export interface SignedAgreement {
  readonly agreement: Record<string, unknown>;
  readonly signatures: readonly AgreementSignature[];
}

/**
 * The agreement of version `version` signed by every member with an identity enrolled at its own
 * CA (the scenario acts for each member, as negotiation's parties do): the dao chaincode verifies
 * the signatures and the consent rule before it creates the version.
 */
export async function signedAgreementFor(plan: DaoPlan, version: number, ctx: StackContext = testStackContext()): Promise<SignedAgreement> {
  const agreement = agreementFor(plan, version);
  const members = [plan.dsp, ...plan.vsps.slice(0, version)];
  const identities = await Promise.all(members.map((m) => enrollClientIdentity(ctx, m, 'scenario')));
  return { agreement, signatures: acceptancesOf(agreement, identities).signatures };
}
