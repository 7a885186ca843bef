import { canonicalJson } from '@datawell/domain';
import { DAO_CHAINCODE, daoChannelName, type LedgerCommand } from '@datawell/contracts';

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
  return {
    commandId: `mpc-coordinator.computation-completed.${c.id}`,
    channel: daoChannelName(c.daoId, c.version),
    chaincode: DAO_CHAINCODE,
    transaction: 'ComputationCompleted',
    arguments: [canonicalJson({ jobId: c.id, computation: c.computation, members: [...c.members], resultDigest: c.resultDigest })],
    actingMspId: c.requester,
  };
}
