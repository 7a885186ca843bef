import { resolve } from 'node:path';
import { DAO } from '@datawell/contracts';
import { DaoContract } from './dao.contract';
import { DIGEST, DSP, OUTSIDER, START_MS, VSP1, ecKeys, initialised, signedHeartbeat } from './fixtures.spec-helper';

const s = JSON.stringify;

/** What fabric-shim's chaincode server builds from a chaincode module (its own loader, not ours). */
interface ShimChaincode {
  readonly defaultContractName: string;
  readonly contractImplementations: Record<string, { contractInstance: Record<string, unknown> }>;
  readonly metadata: { contracts: Record<string, { name: string; transactions: { name: string; tag?: string[]; parameters?: { name: string; schema: unknown }[]; returns?: unknown }[] }> };
}
interface ShimBootstrap {
  getInfoFromContract(modulePath: string): { contracts: unknown[]; serializers: unknown; title: string; version: string };
  getMetadata(modulePath: string): Promise<Record<string, unknown>>;
}
type ShimChaincodeClass = new (contracts: unknown[], serializers: unknown, metadata: Record<string, unknown>, title: string, version: string) => ShimChaincode;

/**
 * The transactions the peer sees, as clients and services call them: the contract is `dao` (the
 * default contract, so a bare name reaches it), each transaction is named after its method and
 * takes these string arguments. Written out here so that a change of the surface is deliberate.
 */
const TRANSACTIONS: readonly [name: string, kind: 'submit' | 'evaluate', parameters: readonly string[]][] = [
  ['AcceptTransfer', 'submit', ['transferId']],
  ['AllocationReceived', 'submit', ['relayJson']],
  ['CastVote', 'submit', ['proposalId', 'choice']],
  ['ChargeSubscription', 'submit', ['period']],
  ['CloseProposal', 'submit', ['proposalId']],
  ['CompleteExit', 'submit', ['mspId']],
  ['ComputationCompleted', 'submit', ['jobJson']],
  ['ConsentTransfer', 'submit', ['transferId']],
  ['CreateProposal', 'submit', ['proposalJson']],
  ['EvaluateAbandonment', 'submit', ['mspId']],
  ['EvaluateContractEnd', 'submit', ['mspId']],
  ['GetAllocation', 'evaluate', ['allocationId']],
  ['GetAllocationByTx', 'evaluate', ['txId']],
  ['GetEntitlement', 'evaluate', ['mspId']],
  ['GetEntitlements', 'evaluate', []],
  ['GetMember', 'evaluate', ['mspId']],
  ['GetProposal', 'evaluate', ['proposalId']],
  ['GetTransaction', 'evaluate', ['txId']],
  ['GetTransfer', 'evaluate', ['transferId']],
  ['GetUsage', 'evaluate', ['dataset']],
  ['GetVersion', 'evaluate', []],
  ['GetWorkload', 'evaluate', ['workloadId']],
  ['InfrastructureFailed', 'submit', ['reportJson']],
  ['InfrastructurePartFailed', 'submit', ['reportJson']],
  ['InfrastructurePartProvisioned', 'submit', ['reportJson']],
  ['InfrastructureProvisioned', 'submit', ['reportJson']],
  ['InitVersion', 'submit', ['agreementJson', 'acceptancesJson']],
  ['MeterComputation', 'submit', ['jobId']],
  ['OfferTransfer', 'submit', ['offerJson']],
  ['RecordRevenue', 'submit', ['revenueJson']],
  ['RecordSuccessor', 'submit', ['successorJson']],
  ['RecordTelemetry', 'submit', ['snapshotJson']],
  ['RecordUsage', 'submit', ['usageJson']],
  ['RegisterWorkload', 'submit', ['workloadJson']],
  ['RequestExit', 'submit', []],
];

/** The dao chaincode as fabric-shim's chaincode server loads it from the module folder. */
async function loadedByShim(): Promise<{ contracts: unknown[]; chaincode: ShimChaincode }> {
  const modulePath = resolve(__dirname, '..');
  const Bootstrap = jest.requireActual<ShimBootstrap>('fabric-shim/lib/contract-spi/bootstrap');
  const ChaincodeFromContract = jest.requireActual<ShimChaincodeClass>('fabric-shim/lib/contract-spi/chaincodefromcontract');
  const info = Bootstrap.getInfoFromContract(modulePath);
  // The shim appends its system contract to the array it is given: hand it a copy.
  const chaincode = new ChaincodeFromContract([...info.contracts], info.serializers, await Bootstrap.getMetadata(modulePath), info.title, info.version);
  return { contracts: info.contracts, chaincode };
}

describe('DaoContract surface', () => {
  it('offers the peer exactly the dao contract\'s transactions, by name, kind and arguments, through fabric-shim\'s own loader', async () => {
    const { contracts, chaincode } = await loadedByShim();
    expect(contracts).toEqual([DaoContract]);
    expect(chaincode.defaultContractName).toBe('dao');
    expect(Object.keys(chaincode.metadata.contracts).sort()).toEqual(['dao', 'org.hyperledger.fabric']);
    const transactions = chaincode.metadata.contracts['dao']?.transactions ?? [];
    const seen = transactions
      .map((t) => [t.name, t.tag?.includes('SUBMIT') ? 'submit' : 'evaluate', (t.parameters ?? []).map((p) => p.name)] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    expect(seen).toEqual(TRANSACTIONS);
    for (const t of transactions) {
      expect(t.returns).toEqual({ type: 'string' });
      for (const p of t.parameters ?? []) expect(p.schema).toEqual({ type: 'string' });
      // The shim calls the transaction as a method of the contract instance, by its name.
      expect(typeof chaincode.contractImplementations['dao']?.contractInstance[t.name]).toBe('function');
    }
  });

  it('is the ledger catalogue\'s dao chaincode: its transactions, submitted or evaluated as it says, with its number of arguments', async () => {
    const { chaincode } = await loadedByShim();
    expect(DAO.chaincode).toBe(chaincode.defaultContractName);
    const offered = (chaincode.metadata.contracts['dao']?.transactions ?? []).map((t) => [t.name, t.tag?.includes('SUBMIT') ?? false, t.parameters?.length ?? 0]);
    const catalogued = DAO.transactionNames.map((name) => [name, DAO.transactions[name].submit, DAO.transactions[name].args.length]);
    expect(offered.sort()).toEqual(catalogued.sort());
  });

  it('refuses every read and write to an MSP that is not a member of the version (FORBIDDEN)', async () => {
    const { ledger, dao } = await initialised(1);
    const reads: [string, (ctx: Parameters<DaoContract['GetVersion']>[0]) => Promise<string>][] = [
      ['GetVersion', (ctx) => dao.GetVersion(ctx)],
      ['GetMember', (ctx) => dao.GetMember(ctx, DSP)],
      ['GetAllocation', (ctx) => dao.GetAllocation(ctx, 'revenue:r')],
      ['GetAllocationByTx', (ctx) => dao.GetAllocationByTx(ctx, 'tx1')],
      ['GetEntitlements', (ctx) => dao.GetEntitlements(ctx)],
      ['GetEntitlement', (ctx) => dao.GetEntitlement(ctx, DSP)],
      ['GetWorkload', (ctx) => dao.GetWorkload(ctx, 'w')],
      ['GetProposal', (ctx) => dao.GetProposal(ctx, 'p')],
      ['GetTransaction', (ctx) => dao.GetTransaction(ctx, 'tx1')],
    ];
    for (const [name, read] of reads) {
      await expect(ledger.evaluate(OUTSIDER, read).catch((e: Error) => Promise.reject(new Error(`${name}: ${e.message}`)))).rejects.toThrow(new RegExp(`^${name}: FORBIDDEN: OutsiderMSP is not a member`));
    }
    const writes: ((ctx: Parameters<DaoContract['GetVersion']>[0]) => Promise<string>)[] = [
      (ctx) => dao.RecordRevenue(ctx, s({ revenueId: 'r', amount: '1', kind: 'use' })),
      (ctx) => dao.AllocationReceived(ctx, s({ sourceChannel: 'dao-acme-v2', sourceTxId: 't', amount: '1' })),
      (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w', publicKeyPem: ecKeys().publicKeyPem })),
      (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [signedHeartbeat(ecKeys(), 'w', 1, START_MS)] })),
      (ctx) => dao.EvaluateAbandonment(ctx, VSP1),
      (ctx) => dao.RequestExit(ctx),
      (ctx) => dao.CompleteExit(ctx, VSP1),
      (ctx) => dao.CreateProposal(ctx, s({ proposalId: 'p', kind: 'dissolve' })),
      (ctx) => dao.CastVote(ctx, 'p', 'yes'),
      (ctx) => dao.CloseProposal(ctx, 'p'),
      (ctx) => dao.ComputationCompleted(ctx, s({ jobId: 'j', computation: 'mean', members: [DSP], resultDigest: DIGEST })),
      (ctx) => dao.InfrastructureProvisioned(ctx, s({ revision: 1, outputsDigest: DIGEST })),
      (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: 'x' })),
      (ctx) => dao.RecordSuccessor(ctx, '{}'),
    ];
    for (const write of writes) await expect(ledger.submit(OUTSIDER, write)).rejects.toThrow(/^FORBIDDEN: OutsiderMSP is not a member of this DAO version/);
    await expect(ledger.submit(VSP1, (ctx) => dao.InfrastructureFailed(ctx, s({ revision: 1, reason: 'x' })))).rejects.toThrow(/^FORBIDDEN: VspOneMSP is not in the founding group D/);
    expect(ledger.events).toHaveLength(1);
  });

});
