/**
 * Integration-test helpers for the chaincodes (not part of any chaincode's runtime): deploy a
 * chaincode from the working tree on the real network under a test name, and act as enrolled
 * identities of different organisations through the Fabric Gateway.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAO, MARKETPLACE, MARKETPLACE_CHANNEL, OPERATOR_MSP, type Acceptances } from '@datawell/contracts';
import { agreementSigningBytes } from '@datawell/domain';
import { connectGateway, isPrivateChaincode, submitTransaction, unsealEvent, type GatewayConnection } from '@datawell/fabric';
import { addOrganisation, isPrivateChaincodeModule, addOrgToChannel, buildConnection, createChannel, deployChaincode, enrollClientIdentity, orgCaCertificate, sourceVersion, type EnrolledIdentity, type StackContext } from '@datawell/stack';
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
/** Test deployments of the dao chaincode's module under other names: private, as the dao chaincode is (docs/ledger.md, "Private data"). */
const privateTestChaincodes = new Set<string>();

export async function deployTestChaincode(ctx: StackContext, cc: TestChaincode, orgs: readonly string[]): Promise<void> {
  if (isPrivateChaincodeModule(cc.module)) privateTestChaincodes.add(cc.name);
  for (const org of orgs) if (org !== 'OperatorMSP') await addOrganisation(ctx, org);
  await createChannel(ctx, cc.channel, orgs);
  const version = sourceVersion(REPO_DIR, [`${cc.module}/src`, 'chaincode/common/src', 'libs/domain/src']);
  await deployChaincode(ctx, { name: cc.name, channel: cc.channel, modulePath: join(REPO_DIR, cc.module), version });
}

/**
 * Makes organisations participants of the real `marketplace`, as the operator's bridge onboards
 * them: their peer joins the channel and runs the marketplace chaincode, and RegisterParticipant
 * records their CA certificate, against which the dao chaincode's InitVersion verifies their
 * signatures. Idempotent (a registered organisation is left as it is).
 */
export async function registerParticipants(ctx: StackContext, orgs: readonly { mspId: string; role: 'DSP' | 'VSP' }[]): Promise<void> {
  for (const { mspId } of orgs) {
    await addOrganisation(ctx, mspId);
    await addOrgToChannel(ctx, MARKETPLACE_CHANNEL, mspId);
  }
  // The deployed definition, approved by (and installed on) the organisations that joined since.
  await deployChaincode(ctx, { name: MARKETPLACE.chaincode, channel: MARKETPLACE_CHANNEL, modulePath: join(REPO_DIR, 'chaincode', 'marketplace') });
  const operator = await connectAs(ctx, OPERATOR_MSP);
  try {
    const network = operator.gateway.getNetwork(MARKETPLACE_CHANNEL);
    for (const { mspId, role } of orgs) {
      const registered = await evaluate(network, MARKETPLACE.chaincode, MARKETPLACE.tx.GetParticipant, mspId).then(
        () => true,
        (e: unknown) => (/NOT_FOUND/.test(gatewayErrorText(e)) ? false : Promise.reject(e)),
      );
      if (registered) continue;
      const call = MARKETPLACE.invocation(MARKETPLACE.tx.RegisterParticipant, { mspId, role, name: `Test ${mspId}`, caCertPem: orgCaCertificate(ctx, mspId) });
      await submit(network, call.chaincode, call.transaction, ...call.arguments);
    }
  } finally {
    operator.close();
  }
}

/** InitVersion's acceptances: each identity's signature over the agreement, as the negotiation service makes it. */
export function acceptancesOf(agreement: unknown, identities: readonly EnrolledIdentity[], previousChaincode?: string): Acceptances {
  const bytes = agreementSigningBytes(agreement);
  const signatures = identities.map((i) => ({ mspId: i.mspId, enrollmentId: i.id, certificatePem: i.certificatePem, signature: sign('sha256', bytes, createPrivateKey(i.privateKeyPem)).toString('base64') }));
  return { signatures, previousChaincode: previousChaincode ?? DAO.chaincode };
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

/**
 * Submits a transaction and waits for its commit, as the services do (an endorsement that fails
 * transiently, such as peers a block apart answering differently, is endorsed again); returns its
 * result, id and block.
 */
export async function submit(network: Network, chaincode: string, fn: string, ...args: string[]) {
  const committed = await submitTransaction(network, chaincode, fn, args, { private: isPrivateChaincode(chaincode) || privateTestChaincodes.has(chaincode) });
  return { result: decode(committed.result), txId: committed.txId, blockNumber: committed.blockNumber };
}

export async function evaluate(network: Network, chaincode: string, fn: string, ...args: string[]): Promise<string> {
  return decode(await network.getContract(chaincode).evaluateTransaction(fn, ...args));
}

/** The chaincode event of a committed transaction, read from the peer's event service. */
export async function eventOf(network: Network, chaincode: string, tx: { txId: string; blockNumber: bigint }): Promise<{ name: string; payload: Record<string, unknown> }> {
  const events = await network.getChaincodeEvents(chaincode, { startBlock: tx.blockNumber });
  try {
    for await (const event of events) {
      if (event.transactionId !== tx.txId) continue;
      // A private chaincode's event is a marker in the block: its payload is read from this peer.
      const unsealed = await unsealEvent(network, event);
      return { name: unsealed.eventName, payload: JSON.parse(decode(unsealed.payload)) as Record<string, unknown> };
    }
  } finally {
    events.close();
  }
  throw new Error(`no event for transaction ${tx.txId}`);
}

/** Terms of a test DAO: pay-per-use, a day to abandon or exit, `mean` to the DSP; `overrides` replace fields. */
export function testTerms(dsp: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    durationDays: 30,
    businessModel: 'pay-per-use',
    heartbeatIntervalSeconds: 60,
    abandonAfterSeconds: 86_400,
    exitNoticeSeconds: 86_400,
    computations: [{ name: 'mean', resultRecipients: [dsp] }],
    ...overrides,
  };
}

export interface TwoMemberAgreementOptions {
  readonly daoId: string;
  readonly dsp: string;
  readonly vsp: string;
  /** The terms' fields that differ from testTerms. */
  readonly terms?: Record<string, unknown>;
  readonly documentDigest?: string;
}

/**
 * Version 1 of a test DAO of a DSP (D) and one VSP (J1) at β 0.6 (ownership 60/40), with the DSP's
 * managed MPC node: the agreement most chaincode tests on the real network start from.
 */
export function twoMemberAgreement(o: TwoMemberAgreementOptions) {
  return {
    agreementId: `${o.daoId}-agreement-1`,
    daoId: o.daoId,
    version: 1,
    betaPpm: 600_000,
    members: [
      { mspId: o.dsp, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 600_000 },
      { mspId: o.vsp, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 400_000 },
    ],
    terms: testTerms(o.dsp, o.terms),
    infrastructure: { workloads: [{ name: 'mpc-dsp', owner: o.dsp, placement: 'managed', kind: 'mpc-node' }] },
    documentDigest: o.documentDigest ?? 'cd'.repeat(32),
  };
}

export interface TwoVersionAgreementsOptions {
  readonly daoId: string;
  readonly dsp: string;
  /** J1, a member of both versions. */
  readonly vsp1: string;
  /** J2, who joins in version 2. */
  readonly vsp2: string;
  /** The terms' fields that differ from testTerms (both versions). */
  readonly terms?: Record<string, unknown>;
  readonly documentDigest?: string;
}

/**
 * Versions 1 and 2 of a test DAO: version 1 as twoMemberAgreement (D and J1 at β 0.6), version 2
 * adds J2 at β 0.75 (ownership 45/30/25) under the same terms and infrastructure.
 */
export function twoVersionAgreements(o: TwoVersionAgreementsOptions) {
  const v1 = twoMemberAgreement({ daoId: o.daoId, dsp: o.dsp, vsp: o.vsp1, ...(o.terms ? { terms: o.terms } : {}), ...(o.documentDigest ? { documentDigest: o.documentDigest } : {}) });
  const v2 = {
    ...v1,
    agreementId: `${o.daoId}-agreement-2`,
    version: 2,
    betaPpm: 750_000,
    members: [
      { mspId: o.dsp, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 450_000 },
      { mspId: o.vsp1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 300_000 },
      { mspId: o.vsp2, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 250_000 },
    ],
  };
  return { 1: v1, 2: v2 } as const;
}
