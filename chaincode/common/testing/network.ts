/**
 * Integration-test helpers for the chaincodes (not part of any chaincode's runtime): deploy a
 * chaincode from the working tree on the real network under a test name, and act as enrolled
 * identities of different organisations through the Fabric Gateway.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connectGateway, type GatewayConnection } from '@datawell/fabric';
import { addOrganisation, buildConnection, createChannel, deployChaincode, enrollClientIdentity, type StackContext } from '@datawell/stack';
import { REPO_DIR } from '@datawell/testing';
import type { Network } from '@hyperledger/fabric-gateway';

/** Every source file the chaincode runs (its own, the common helpers, the economics library). */
function sourceDigest(dirs: readonly string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.includes('spec-helper')) {
        hash.update(relative(REPO_DIR, path)).update('\0').update(readFileSync(path)).update('\0');
      }
    }
  };
  for (const dir of dirs) walk(join(REPO_DIR, dir));
  return hash.digest('hex').slice(0, 12);
}

function registeredVersion(ctx: StackContext, name: string): string | undefined {
  const file = join(ctx.settings.stackDir, 'fabric', 'registry.json');
  if (!existsSync(file)) return undefined;
  const registry = JSON.parse(readFileSync(file, 'utf8')) as { chaincodes?: Record<string, { version: string }> };
  return registry.chaincodes?.[name]?.version;
}

/**
 * Stops the server process of a test chaincode that this harness deployed earlier from older
 * sources (the stack keeps a running server and would serve the old code under the new package).
 * Only test chaincodes (names starting with `it-`) are ever stopped, by their own pid file.
 */
async function stopStaleTestServer(ctx: StackContext, name: string): Promise<void> {
  if (!name.startsWith('it-')) throw new Error(`refusing to restart ${name}: not a test chaincode`);
  const pidFile = join(ctx.settings.stackDir, 'run', `cc-${name}.pid`);
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-pid, 'SIGTERM'); // its own process group (started detached by the stack)
  } catch {
    process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 15000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) throw new Error(`test chaincode server ${name} (pid ${pid}) did not stop`);
}

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
  const version = `1.0-${sourceDigest([`${cc.module}/src`, 'chaincode/common/src', 'libs/domain/src'])}`;
  const previous = registeredVersion(ctx, cc.name);
  if (previous !== undefined && previous !== version) await stopStaleTestServer(ctx, cc.name);
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
