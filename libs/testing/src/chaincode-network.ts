/**
 * Integration-test helpers for the chaincodes (not part of any chaincode's runtime): deploy a
 * chaincode from the working tree on the real network under a test name, and act as enrolled
 * identities of different organisations through the Fabric Gateway.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectGateway, type GatewayConnection } from '@datawell/fabric';
import { addOrganisation, buildConnection, createChannel, deployChaincode, enrollClientIdentity, sourceVersion, type StackContext } from '@datawell/stack';
import { REPO_DIR } from './stack-context';
import type { Network } from '@hyperledger/fabric-gateway';

export interface TestChaincode {
  readonly name: string;
  readonly channel: string;
  /** Folder under the repository, e.g. chaincode/dao. */
  readonly module: string;
}

/**
 * Adds the organisations, creates the channel and deploys the chaincode from the working tree.
 * All idempotent (fixed names on a persistent stack); the version is a digest of the sources, so a
 * changed chaincode is upgraded (next sequence) and its server restarted.
 */
export async function deployTestChaincode(ctx: StackContext, cc: TestChaincode, orgs: readonly string[]): Promise<void> {
  for (const org of orgs) if (org !== 'OperatorMSP') await addOrganisation(ctx, org);
  await createChannel(ctx, cc.channel, orgs);
  const version = sourceVersion(REPO_DIR, [`${cc.module}/src`, 'chaincode/common/src', 'libs/domain/src']);
  await deployChaincode(ctx, { name: cc.name, channel: cc.channel, modulePath: join(REPO_DIR, cc.module), version });
}

/** A Gateway connection to the org's own peer as a client identity enrolled at the org's CA. */
export async function connectAs(ctx: StackContext, mspId: string, user = 'it-chaincode'): Promise<GatewayConnection> {
  const identity = await enrollClientIdentity(ctx, mspId, user);
  const org = buildConnection(ctx).fabric.orgs[mspId];
  if (!org) throw new Error(`the stack has no organisation ${mspId}`);
  return connectGateway({ endpoint: org.peer.endpoint, hostAlias: org.peer.hostAlias, tlsCaPem: readFileSync(org.peer.tlsCaFile, 'utf8') }, identity);
}

/** The text of a Gateway error with the chaincode's messages from every endorser's details. */
export function gatewayErrorText(e: unknown): string {
  const err = e as { message?: string; details?: { message?: string }[] };
  return [err.message ?? String(e), ...(err.details ?? []).map((d) => d.message ?? '')].join(' | ');
}

/** Runs a Gateway call that must fail, and returns its error text (chaincode messages included). */
export async function failure(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (e) {
    return gatewayErrorText(e);
  }
  throw new Error('expected the call to fail, and it succeeded');
}

const decode = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** Submits a transaction and waits for its commit; returns its result, id, block and event. */
export async function submit(network: Network, chaincode: string, fn: string, ...args: string[]) {
  const contract = network.getContract(chaincode);
  const commit = await contract.submitAsync(fn, { arguments: args });
  const status = await commit.getStatus();
  if (!status.successful) throw new Error(`${fn} was not committed: validation code ${status.code}`);
  return { result: decode(commit.getResult()), txId: status.transactionId, blockNumber: status.blockNumber };
}

export async function evaluate(network: Network, chaincode: string, fn: string, ...args: string[]): Promise<string> {
  return decode(await network.getContract(chaincode).evaluateTransaction(fn, ...args));
}

/** The chaincode event of a committed transaction, read from the peer's event service. */
export async function eventOf(network: Network, chaincode: string, tx: { txId: string; blockNumber: bigint }): Promise<{ name: string; payload: Record<string, unknown> }> {
  const events = await network.getChaincodeEvents(chaincode, { startBlock: tx.blockNumber });
  try {
    for await (const event of events) {
      if (event.transactionId === tx.txId) return { name: event.eventName, payload: JSON.parse(decode(event.payload)) as Record<string, unknown> };
    }
  } finally {
    events.close();
  }
  throw new Error(`no event for transaction ${tx.txId}`);
}
