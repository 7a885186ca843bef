import { DAO, DAO_ID_PATTERN, daoChannelName } from '@datawell/contracts';
import { AdminError, isNotVisible } from './admin.errors';

/** What a member may read of a DAO version it belongs to. */
export type DaoRead = typeof DAO.tx.GetVersion | typeof DAO.tx.GetEntitlements;

/** Evaluates a chaincode function on a channel as an organisation (through its peer, with its identity). */
export type EvaluateAs = (mspId: string, channel: string, chaincode: string, fn: string, args: readonly string[]) => Promise<string>;

/**
 * Reads the dao chaincode on a DAO version's channel as `asMspId`: only a member's peer has the
 * channel, so anyone else gets VERSION_NOT_FOUND, the same answer as for a version that does not
 * exist; a peer that does not answer is LEDGER_UNAVAILABLE (try again), never a bare 500.
 */
export async function readDaoVersion(evaluate: EvaluateAs, daoId: string, version: number, fn: DaoRead, asMspId: string): Promise<unknown> {
  if (!DAO_ID_PATTERN.test(daoId)) throw new AdminError('INVALID_REQUEST', 'daoId: must be 1-41 lower-case letters, digits or "-"');
  const call = DAO.invocation(fn);
  let result: string;
  try {
    result = await evaluate(asMspId, daoChannelName(daoId, version), call.chaincode, call.transaction, call.arguments);
  } catch (error) {
    if (isNotVisible(error)) throw new AdminError('VERSION_NOT_FOUND', `no version ${version} of DAO ${daoId} of which ${asMspId} is a member`, { cause: error });
    throw new AdminError('LEDGER_UNAVAILABLE', `the peer did not answer for DAO ${daoId} v${version}; try again`, { cause: error });
  }
  return JSON.parse(result);
}

