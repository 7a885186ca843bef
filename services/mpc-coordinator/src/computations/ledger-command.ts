import { DAO, daoChannelName, ledgerCommandId, type LedgerCommand } from '@datawell/contracts';

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
