import { status as GrpcStatus } from '@grpc/grpc-js';
import { GatewayError, type Network } from '@hyperledger/fabric-gateway';
import { isPrivateChaincode, privateProposal, unsealResponse } from './private';

/**
 * The gateway found no set of live peers satisfying the endorsement policy: its discovery view lags
 * (a peer just joined, or gossip is late under load, when peers miss each other's alive messages).
 * Nothing reached the ledger; it passes.
 */
const NO_ENDORSERS = /no combination of peers can be derived|no peer combination can satisfy/;

/**
 * An endorsing peer could not run the chaincode yet: the definition just committed has not reached
 * its ledger, or the chaincode's connection is still being set up (under load the first launch on a
 * new channel can time out). The gateway then aborts with one such detail per failing peer.
 */
const CHAINCODE_NOT_READY = /has been successfully defined on channel|timeout expired while starting chaincode|could not launch chaincode|code = Unavailable/;

/**
 * The endorsers simulated the transaction on ledgers at different heights: one peer has not yet
 * committed the block another has (a replay right after the first commit, where one peer finds it
 * done and another would write it). The gateway then aborts with this detail; once the lagging
 * peer commits, endorsing again agrees.
 */
const PAYLOADS_DIFFER = /ProposalResponsePayloads do not match/;

/** An error's per-peer details (`mspId@address: message`), for messages that say what each peer answered. */
export function endorsementDetails(error: unknown): string[] {
  if (!(error instanceof GatewayError)) return [];
  return error.details.map((d) => `${d.mspId}@${d.address}: ${d.message}`);
}

/**
 * An endorsement that failed before anything reached the orderer for a reason that passes: the
 * peer unreachable or too slow, its discovery view not yet showing enough endorsers, every
 * endorser answering that the chaincode is not ready there yet, or endorsers whose ledgers were
 * not yet at the same height answering differently. Endorsing
 * again (a new proposal, so a new transaction id) cannot apply anything twice.
 */
export function isTransientEndorsementError(error: unknown): boolean {
  if (!(error instanceof GatewayError) || error.name !== 'EndorseError') return false;
  if (error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.DEADLINE_EXCEEDED) return true;
  if (error.code === GrpcStatus.ABORTED) return error.details.length > 0 && error.details.every((d) => CHAINCODE_NOT_READY.test(d.message) || PAYLOADS_DIFFER.test(d.message));
  return error.code === GrpcStatus.FAILED_PRECONDITION && NO_ENDORSERS.test(error.message);
}

export interface SubmitOptions {
  /** How long endorsement is retried while it fails transiently; 60 s by default. */
  readonly endorseForMs?: number;
  readonly transientData?: Record<string, Uint8Array>;
  /** The organisations whose peers endorse; the caller then answers for the endorsement policy. Left out, the Gateway chooses. */
  readonly endorsingOrganizations?: readonly string[];
  /** Whether the chaincode is private (arguments in transient data, sealed response); by default the dao chaincode's name says so (isPrivateChaincode). */
  readonly private?: boolean;
}

/**
 * Endorses, submits and waits for the commit of one transaction of `chaincode` on the network's channel; an endorsement that fails
 * transiently is tried again with backoff (0.5 s doubling to 5 s) until `endorseForMs` has passed.
 * Once the transaction is endorsed it is submitted once: a failure after that is the caller's.
 * A private chaincode's (the dao's) arguments go in transient data and its sealed response is read
 * back from the caller's peer after the commit (private.ts).
 * Throws if the transaction was not committed as valid.
 */
export async function submitTransaction(network: Network, chaincode: string, fn: string, args: readonly string[], options: SubmitOptions = {}): Promise<{ txId: string; result: Uint8Array; blockNumber: bigint }> {
  const contract = network.getContract(chaincode);
  const privately = options.private ?? isPrivateChaincode(chaincode);
  const deadline = Date.now() + (options.endorseForMs ?? 60_000);
  let backoff = 500;
  for (;;) {
    let transaction;
    try {
      // A private chaincode's arguments travel in transient data, with a fresh salt per proposal (private.ts).
      const parts = privately ? privateProposal(args) : { arguments: [...args], transientData: {} };
      const transientData = { ...parts.transientData, ...options.transientData };
      transaction = await contract
        .newProposal(fn, {
          arguments: parts.arguments,
          ...(Object.keys(transientData).length > 0 ? { transientData } : {}),
          ...(options.endorsingOrganizations ? { endorsingOrganizations: [...options.endorsingOrganizations] } : {}),
        })
        .endorse();
    } catch (error) {
      if (!isTransientEndorsementError(error) || Date.now() + backoff > deadline) throw withDetails(error);
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 5000);
      continue;
    }
    const submitted = await transaction.submit();
    const status = await submitted.getStatus();
    if (!status.successful) throw new Error(`${fn} on ${network.getName()} was not committed: validation code ${status.code}`);
    const result = privately ? await unsealResponse(network, chaincode, transaction.getResult()) : transaction.getResult();
    return { txId: status.transactionId, result, blockNumber: status.blockNumber };
  }
}

/**
 * The gateway's message says only "see attached details": the error is given each peer's answer in
 * its message as well, so a log or a test failure shows why the endorsement failed.
 */
function withDetails(error: unknown): unknown {
  const details = endorsementDetails(error);
  if (details.length > 0 && error instanceof Error && !error.message.includes(details[0]!)) error.message = `${error.message} (${details.join('; ')})`;
  return error;
}
