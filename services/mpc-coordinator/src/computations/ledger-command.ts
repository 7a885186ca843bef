import { DAO, daoChannelName, ledgerCommandId, type LedgerCommand, type UsageEntryInput } from '@datawell/contracts';

/**
 * `ComputationCompleted` on the DAO version's channel, acting as the member who asked for it (the
 * chaincode requires an active member). The argument matches the chaincode's computationSchema.
 */
export function computationCompletedCommand(c: {
  readonly id: string;
  readonly daoId: string;
  readonly version: number;
  readonly computation: string;
  readonly requester: string;
  readonly members: readonly string[];
  readonly resultDigest: string;
}): LedgerCommand {
  return DAO.command(
    DAO.tx.ComputationCompleted,
    { commandId: ledgerCommandId('mpc-coordinator', 'computation-completed', c.id), channel: daoChannelName(c.daoId, c.version), actingMspId: c.requester },
    // Keys in sorted order: the argument text stays the canonical JSON it always was.
    { computation: c.computation, jobId: c.id, members: [...c.members], resultDigest: c.resultDigest },
  );
}

/**
 * `MeterComputation` on the channel where the job was recorded, acting as the member who recorded it:
 * the chaincode charges the terms' price per computation once per job (revenue `job:<jobId>`). The
 * command id is the job's, so a replayed event queues the same command, which changes nothing twice.
 */
export function meterComputationCommand(c: { readonly jobId: string; readonly channel: string; readonly actingMspId: string }): LedgerCommand {
  return DAO.command(DAO.tx.MeterComputation, { commandId: ledgerCommandId('mpc-coordinator', 'meter-computation', c.jobId), channel: c.channel, actingMspId: c.actingMspId }, c.jobId);
}

/**
 * `RecordUsage` on the version's channel: one entry of the data owner's usage trail. A granted or
 * failed request is recorded as its requester (who, as for ComputationCompleted, must be an active
 * member), a refused one as the dataset's owner (the requester may be no member at all and could not
 * sign on the channel). The command id is the usage id's, so a retry records once.
 */
export function recordUsageCommand(u: { readonly daoId: string; readonly version: number; readonly entry: UsageEntryInput }): LedgerCommand {
  const actingMspId = u.entry.outcome === 'refused' ? u.entry.dataset.owner : u.entry.requester.mspId;
  return DAO.command(DAO.tx.RecordUsage, { commandId: ledgerCommandId('mpc-coordinator', 'record-usage', u.entry.usageId), channel: daoChannelName(u.daoId, u.version), actingMspId }, u.entry);
}
