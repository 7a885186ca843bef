import type { UsageCheck } from '@datawell/contracts';
import { CATALOGUE, columnRange, type CatalogueProgram } from './programs/catalogue';

/*
 * Who may ask for what computation on a DAO version: the one rule, pure. The coordinator applies it
 * to its read model of the ledger before it schedules a computation; each member's MPC node applies it
 * again to the version as its own peer reads it before it takes part (issue 12), so a coordinator
 * asking for what the ledger does not allow is refused by every honest node.
 */

export interface LedgerVersionMember {
  readonly mspId: string;
  readonly role: string;
  readonly group: string;
  readonly status: 'active' | 'abandoned' | 'exited';
}

/** A DAO version as the rule needs it: its members with their status, and the computations its terms allow. */
export interface LedgerVersionView {
  readonly daoId: string;
  readonly version: number;
  readonly members: readonly LedgerVersionMember[];
  readonly computations: ReadonlyArray<{ readonly name: string; readonly resultRecipients: readonly string[] }>;
}

/** What is asked: the computation, its columns (or their number), the recipients and data owner when named. */
export interface ComputationAsk {
  readonly computation: string;
  readonly columns: number | readonly string[];
  /** When given, exactly the recipients the terms name for this computation (in any order). */
  readonly recipients?: readonly string[];
  /** The data owner (a DSP member); default: the version's only DSP. */
  readonly owner?: string;
}

export interface AuthorizedComputation {
  readonly program: CatalogueProgram;
  /** The terms' recipients of the computation, in the terms' order. */
  readonly recipients: readonly string[];
  readonly owner: string;
}

/** Why a request is refused: the first check (USAGE_CHECKS order) that failed; `invalid` for a malformed ask, `forbidden` otherwise. */
export interface ComputationRefusal {
  readonly check: UsageCheck;
  readonly kind: 'forbidden' | 'invalid';
  readonly message: string;
}

export type ComputationDecision = { readonly granted: AuthorizedComputation } | { readonly refused: ComputationRefusal };

export function versionMemberOf(version: LedgerVersionView, mspId: string): LedgerVersionMember | undefined {
  return version.members.find((m) => m.mspId === mspId);
}

const refuse = (check: UsageCheck, kind: ComputationRefusal['kind'], message: string): ComputationDecision => ({ refused: { check, kind, message } });

/** The checks of USAGE_CHECKS, in their order: the authorised computation, or the first refusal. */
export function authorizeComputation(version: LedgerVersionView, requester: string, ask: ComputationAsk): ComputationDecision {
  const of = `${version.daoId} version ${version.version}`;
  const me = versionMemberOf(version, requester);
  if (!me) return refuse('requester-member', 'forbidden', `${requester} is not a member of ${of}`);
  if (me.status !== 'active') return refuse('requester-active', 'forbidden', `${requester} is ${me.status} in ${of}`);
  const allowed = version.computations.find((c) => c.name === ask.computation);
  if (!allowed) return refuse('computation-allowed', 'forbidden', `computation ${ask.computation} is not allowed by the terms of ${of}`);
  const recipients = [...allowed.resultRecipients];
  if (ask.recipients) {
    const asked = [...new Set(ask.recipients)].sort();
    const terms = [...recipients].sort();
    if (asked.length !== ask.recipients.length || asked.length !== terms.length || asked.some((r, i) => r !== terms[i])) {
      return refuse('recipients-allowed', 'forbidden', `computation ${ask.computation} may only go to ${recipients.join(', ')}`);
    }
  }
  for (const r of recipients) {
    if (versionMemberOf(version, r)?.status !== 'active') return refuse('recipients-active', 'forbidden', `recipient ${r} is not an active member`);
  }
  if (!(CATALOGUE as readonly string[]).includes(ask.computation)) {
    return refuse('program', 'invalid', `computation ${ask.computation} has no program in the catalogue (${CATALOGUE.join(', ')})`);
  }
  const program = ask.computation as CatalogueProgram;
  const [lo, hi] = columnRange(program);
  const n = typeof ask.columns === 'number' ? ask.columns : ask.columns.length;
  if (n < lo || n > hi) return refuse('parameters', 'invalid', `parameters.columns: ${program} takes ${lo === hi ? lo : `${lo} to ${hi}`} columns`);
  const dsps = version.members.filter((m) => m.role === 'DSP');
  let owner = ask.owner;
  if (!owner) {
    if (dsps.length !== 1) return refuse('dataset-owner', 'invalid', 'dataset.owner: the version has several data owners; name one');
    owner = dsps[0]!.mspId;
  }
  const o = versionMemberOf(version, owner);
  if (!o || o.role !== 'DSP') return refuse('dataset-owner', 'invalid', `dataset.owner: ${owner} is not a data owner (DSP) of this version`);
  if (o.status !== 'active') return refuse('owner-active', 'forbidden', `data owner ${owner} is ${o.status}`);
  return { granted: { program, recipients, owner } };
}
