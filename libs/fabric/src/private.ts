import { randomBytes } from 'node:crypto';
import type { ChaincodeEvent, Network } from '@hyperledger/fabric-gateway';
import { DAO, SALT_BYTES, TRANSIENT_ARGS, TRANSIENT_SALT, isSealedEventPayload, sealedRecordSchema, sealedTxId, type SealedRecord } from '@datawell/contracts';

/*
 * The client's side of a private chaincode (docs/ledger.md, "Private data"): its arguments go in
 * the proposal's transient data with a fresh salt, so no block carries them; its response and
 * event come back as markers naming the transaction, and the whole is read from the caller's own
 * peer with `GetTransaction` (a member's peer holds the channel's collection).
 */

/** Whether `chaincode` keeps its state private to the channel's members: the dao chaincode. */
export function isPrivateChaincode(chaincode: string): boolean {
  return chaincode === DAO.chaincode;
}

/** A private transaction's proposal parts: empty clear arguments (their count is what the contract API checks), the real ones and a salt in transient data. */
export function privateProposal(args: readonly string[]): { arguments: string[]; transientData: Record<string, Uint8Array> } {
  return {
    arguments: args.map(() => ''),
    transientData: { [TRANSIENT_ARGS]: Buffer.from(JSON.stringify(args), 'utf8'), [TRANSIENT_SALT]: randomBytes(SALT_BYTES) },
  };
}

/**
 * Whether a peer's answer says it lacks private data it will have shortly: a transaction's data it
 * has not pulled from the endorsers yet (NOT_FOUND of GetTransaction), or data written before its
 * organisation joined the collection, which it fetches by reconciliation (Fabric's "private data
 * matching public hash version is not available").
 */
export function isPrivateDataPending(error: unknown): boolean {
  return /NOT_FOUND: no private record|private data matching public hash version is not available/.test(messageOf(error));
}

/**
 * `call`, asked again while the caller's own peer lacks the private data it needs
 * (isPrivateDataPending): 0.2 s doubling to 5 s, for up to `withinMs` (30 s by default: a peer
 * pulls a new transaction's data from the endorsers at once, and a newcomer's peer reconciles the
 * data from before its organisation joined every 5 s). Any other error, or the pending one after
 * the deadline, is the caller's. Only for calls that change nothing when refused: an evaluation, or
 * a submission refused at endorsement (the peer could not read, so nothing went to the orderer).
 */
export async function awaitPrivateData<T>(call: () => Promise<T>, withinMs = 30_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let wait = 200; ; wait = Math.min(wait * 2, 5000)) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() + wait > deadline || !isPrivateDataPending(error)) throw error;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** The record of a sealed transaction, as the caller's own peer holds it (awaitPrivateData while the peer lacks it). */
export function readSealedRecord(network: Network, chaincode: string, txId: string): Promise<SealedRecord> {
  return awaitPrivateData(async () => {
    const bytes = await network.getContract(chaincode).evaluateTransaction(DAO.tx.GetTransaction, txId);
    return sealedRecordSchema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  });
}

/** An error's message with the peers' details (a Gateway error says "see attached details"). */
function messageOf(error: unknown): string {
  const details = (error as { details?: Array<{ message?: string }> }).details ?? [];
  return [error instanceof Error ? error.message : String(error), ...details.map((d) => d.message ?? '')].join(' ');
}

/** A transaction's response as its members see it: a sealed marker replaced by the response its record keeps. */
export async function unsealResponse(network: Network, chaincode: string, result: Uint8Array): Promise<Uint8Array> {
  const txId = sealedTxId(Buffer.from(result).toString('utf8'));
  if (!txId) return result;
  return Buffer.from((await readSealedRecord(network, chaincode, txId)).response, 'utf8');
}

/**
 * A chaincode event as its channel's members see it: the marker of a private transaction's event
 * replaced by the payload its record keeps (read from the caller's peer, which committed the block
 * the event came in, with its private data).
 */
export async function unsealEvent(network: Network, event: ChaincodeEvent): Promise<ChaincodeEvent> {
  if (!isSealedEventPayload(Buffer.from(event.payload).toString('utf8'))) return event;
  const record = await readSealedRecord(network, event.chaincodeName, event.transactionId);
  if (!record.event || record.event.name !== event.eventName) throw new Error(`the private record of transaction ${event.transactionId} holds no event ${event.eventName}`);
  return { ...event, payload: Buffer.from(JSON.stringify(record.event.payload), 'utf8') };
}

/** A closeable stream of chaincode events (fabric-gateway's getChaincodeEvents). */
export interface ClosableEvents extends AsyncIterable<ChaincodeEvent> {
  close(): void;
}

/**
 * `events` with each private event named in `names` unsealed (unsealEvent); the others pass as the
 * block carries them (a reader that needs no payload of them spares the peer a read each).
 */
export function unsealedEvents(network: Network, events: ClosableEvents, names: readonly string[]): ClosableEvents {
  return {
    close: () => events.close(),
    async *[Symbol.asyncIterator]() {
      for await (const event of events) yield names.includes(event.eventName) ? await unsealEvent(network, event) : event;
    },
  };
}
