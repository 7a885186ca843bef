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
