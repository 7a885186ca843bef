import { z } from 'zod';
import { computationCharge } from '@datawell/domain';
import { DAO, parseDaoChannel, type LedgerCommand, type LedgerEvent } from '@datawell/contracts';
import { meterComputationCommand } from '../computations/ledger-command';

/**
 * Pay-per-use metering, pure: a `ComputationCompleted` committed on a DAO channel becomes the
 * `MeterComputation` command for its job, acting as the member who recorded it (the chaincode takes
 * the price from the terms; without one it records nothing). Undefined for any other event; `ignored`
 * with the reason for a ComputationCompleted that cannot be metered.
 *
 * Always on the event's own channel, the version that ran the job, never the top one: a computation is
 * metered at its version's price and split from its level down, also when that version is superseded
 * before the event or its metering comes (the chaincode meters it there: the members who joined later
 * took no part in it). So the decision needs no knowledge of supersession here, and a replay after a
 * successor gives the same command (one charge).
 */
export function meteringCommandOf(event: LedgerEvent): { readonly jobId: string; readonly command: LedgerCommand } | { readonly ignored: string } | undefined {
  if (event.eventName !== DAO.event.ComputationCompleted) return undefined;
  if (!parseDaoChannel(event.channel) || event.payloadEncoding !== 'json') return { ignored: `${event.eventName} outside a DAO channel` };
  const p = DAO.events.ComputationCompleted.safeParse(event.payload);
  if (!p.success) return { ignored: `${event.eventName} without a usable payload (${p.error.issues[0]?.message ?? 'invalid'})` };
  if (!p.data.recordedBy) return { ignored: `${event.eventName} of job ${p.data.jobId} without recordedBy` };
  return { jobId: p.data.jobId, command: meterComputationCommand({ jobId: p.data.jobId, channel: event.channel, actingMspId: p.data.recordedBy }) };
}

/**
 * What metering needs of a version's terms: its business model and its price per computation
 * (undefined without one). Kept from VersionCreated and from an accepted change-terms
 * ProposalDecided (the chaincode replaces the version's terms in place: same channel, same version).
 */
export interface MeteringTerms {
  readonly daoId: string;
  readonly version: number;
  readonly businessModel: string;
  readonly perComputation: string | undefined;
}

const termsPricing = z.object({
  businessModel: z.string().min(1),
  price: z.object({ perComputation: z.string().optional() }).loose().optional(),
});

/** The metering terms a VersionCreated or an accepted change-terms ProposalDecided sets for its version; undefined for anything else or terms it cannot read. */
export function meteringTermsOf(event: LedgerEvent): MeteringTerms | undefined {
  const channel = parseDaoChannel(event.channel);
  if (!channel || event.payloadEncoding !== 'json') return undefined;
  let terms: unknown;
  if (event.eventName === DAO.event.VersionCreated) {
    const p = DAO.events.VersionCreated.safeParse(event.payload);
    if (!p.success || p.data.daoId !== channel.daoId || p.data.version !== channel.level) return undefined;
    terms = p.data.terms;
  } else if (event.eventName === DAO.event.ProposalDecided) {
    const p = DAO.events.ProposalDecided.safeParse(event.payload);
    if (!p.success || p.data.kind !== 'change-terms' || p.data.outcome !== 'accepted' || p.data.effect?.terms === undefined) return undefined;
    terms = p.data.effect.terms;
  } else return undefined;
  const t = termsPricing.safeParse(terms);
  if (!t.success) return undefined;
  return { daoId: channel.daoId, version: channel.level, businessModel: t.data.businessModel, perComputation: t.data.price?.perComputation };
}

/**
 * Whether a completed computation of a version with these terms is sent for metering. Only a
 * pay-per-use version with a price per computation is: without a price the chaincode would record
 * nothing (`no-price`), and a subscription version refuses MeterComputation. Terms not known (a
 * version learned before the coordinator kept them) are metered, and the chaincode decides.
 */
export function meteringDecision(terms: Pick<MeteringTerms, 'businessModel' | 'perComputation'> | undefined): { readonly meter: true } | { readonly meter: false; readonly reason: string } {
  if (!terms) return { meter: true };
  const charge = computationCharge({ businessModel: terms.businessModel, price: { perComputation: terms.perComputation } });
  return charge.charged ? { meter: true } : { meter: false, reason: charge.reason };
}
