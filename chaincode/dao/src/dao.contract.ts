import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson, hasUnsealedEvent, notFound, parseTxArgs, parseTxArgsOf, readSealed, sealTransaction } from '@datawell/chaincode-common';
import { DAO, DAO_PRIVATE_COLLECTION } from '@datawell/contracts';
import { DaoStore } from './state';
import * as governance from './transactions/governance';
import * as membership from './transactions/membership';
import * as reports from './transactions/reports';
import * as revenue from './transactions/revenue';
import * as transfer from './transactions/transfer';
import * as usage from './transactions/usage';
import * as versions from './transactions/versions';
import * as workloads from './transactions/workloads';

/**
 * Version i of a DAO on its channel dao-<d>-v<i>. Every transaction checks the caller's MSP against
 * the version's members, parses its arguments into typed objects, uses integers only, writes
 * canonical JSON and emits exactly one event (Fabric keeps one per transaction) named after its
 * primary action, with a `{type, txId, channel, ...}` payload.
 *
 * This class is the chaincode's surface only: Fabric names each transaction after its method here
 * (the contract is `dao`), and each method parses its string arguments into typed values and hands
 * them to the module of its concern under `transactions/` (dao.contract.spec.ts pins the list).
 */
@Info({ title: 'DaoContract', description: 'One version of a Datawell DAO: members, β_i, terms, revenue split, heartbeats, governance' })
export class DaoContract extends Contract {
  constructor() {
    super('dao');
  }

  /**
   * After every transaction: a private event that was not sealed would be lost to the members (its
   * marker in the block names a record that was never written), so the transaction fails instead.
   */
  override async afterTransaction(ctx: Context): Promise<void> {
    if (hasUnsealedEvent(ctx)) throw new Error(`${ctx.stub.getFunctionAndParameters().fcn} emitted an event it did not seal (sealTransaction)`);
  }

  // ---------------------------------------------------------------- private transactions (docs/ledger.md, "Private data")

  /**
   * A transaction's response and event as the chaincode made them (the block holds only markers of
   * them): for the channel's members, whose peers hold the collection (its policy refuses others).
   */
  @Transaction(false)
  @Returns('string')
  async GetTransaction(ctx: Context, txId: string): Promise<string> {
    const [id] = parseTxArgs(DAO.transactions.GetTransaction, txId);
    await new DaoStore(ctx).caller('read its transactions');
    const record = await readSealed(ctx, DAO_PRIVATE_COLLECTION, id);
    if (!record) throw notFound(`no private record of transaction ${id} on this peer`);
    return canonicalJson(record);
  }

  // ---------------------------------------------------------------- versions (transactions/versions.ts)

  @Transaction()
  @Returns('string')
  async InitVersion(ctx: Context, agreementJson: string, acceptancesJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await versions.initVersion(ctx, ...parseTxArgsOf(ctx, DAO.transactions.InitVersion, agreementJson, acceptancesJson)));
  }

  @Transaction(false)
  @Returns('string')
  async GetVersion(ctx: Context): Promise<string> {
    return versions.getVersion(ctx);
  }

  @Transaction(false)
  @Returns('string')
  async GetMember(ctx: Context, mspId: string): Promise<string> {
    return versions.getMember(ctx, ...parseTxArgs(DAO.transactions.GetMember, mspId));
  }

  @Transaction()
  @Returns('string')
  async RecordSuccessor(ctx: Context, successorJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await versions.recordSuccessor(ctx, ...parseTxArgsOf(ctx, DAO.transactions.RecordSuccessor, successorJson)));
  }

  // ---------------------------------------------------------------- revenue and allocation (transactions/revenue.ts)

  @Transaction()
  @Returns('string')
  async RecordRevenue(ctx: Context, revenueJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await revenue.recordRevenue(ctx, ...parseTxArgsOf(ctx, DAO.transactions.RecordRevenue, revenueJson)));
  }

  @Transaction()
  @Returns('string')
  async AllocationReceived(ctx: Context, relayJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await revenue.allocationReceived(ctx, ...parseTxArgsOf(ctx, DAO.transactions.AllocationReceived, relayJson)));
  }

  @Transaction(false)
  @Returns('string')
  async GetAllocation(ctx: Context, allocationId: string): Promise<string> {
    return revenue.getAllocation(ctx, ...parseTxArgs(DAO.transactions.GetAllocation, allocationId));
  }

  @Transaction(false)
  @Returns('string')
  async GetAllocationByTx(ctx: Context, txId: string): Promise<string> {
    return revenue.getAllocationByTx(ctx, ...parseTxArgs(DAO.transactions.GetAllocationByTx, txId));
  }

  @Transaction(false)
  @Returns('string')
  async GetEntitlements(ctx: Context): Promise<string> {
    return revenue.getEntitlements(ctx);
  }

  @Transaction(false)
  @Returns('string')
  async GetEntitlement(ctx: Context, mspId: string): Promise<string> {
    return revenue.getEntitlement(ctx, ...parseTxArgs(DAO.transactions.GetEntitlement, mspId));
  }

  @Transaction()
  @Returns('string')
  async MeterComputation(ctx: Context, jobId: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await revenue.meterComputation(ctx, ...parseTxArgsOf(ctx, DAO.transactions.MeterComputation, jobId)));
  }

  @Transaction()
  @Returns('string')
  async ChargeSubscription(ctx: Context, period: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await revenue.chargeSubscription(ctx, ...parseTxArgsOf(ctx, DAO.transactions.ChargeSubscription, period)));
  }

  // ---------------------------------------------------------------- workloads and telemetry (transactions/workloads.ts)

  @Transaction()
  @Returns('string')
  async RegisterWorkload(ctx: Context, workloadJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await workloads.registerWorkload(ctx, ...parseTxArgsOf(ctx, DAO.transactions.RegisterWorkload, workloadJson)));
  }

  @Transaction(false)
  @Returns('string')
  async GetWorkload(ctx: Context, workloadId: string): Promise<string> {
    return workloads.getWorkload(ctx, ...parseTxArgs(DAO.transactions.GetWorkload, workloadId));
  }

  @Transaction()
  @Returns('string')
  async RecordTelemetry(ctx: Context, snapshotJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await workloads.recordTelemetry(ctx, ...parseTxArgsOf(ctx, DAO.transactions.RecordTelemetry, snapshotJson)));
  }

  // ---------------------------------------------------------------- membership: abandonment, exit, contract end (transactions/membership.ts)

  @Transaction()
  @Returns('string')
  async EvaluateAbandonment(ctx: Context, mspId: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await membership.evaluateAbandonment(ctx, ...parseTxArgsOf(ctx, DAO.transactions.EvaluateAbandonment, mspId)));
  }

  @Transaction()
  @Returns('string')
  async RequestExit(ctx: Context): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await membership.requestExit(ctx));
  }

  @Transaction()
  @Returns('string')
  async CompleteExit(ctx: Context, mspId: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await membership.completeExit(ctx, ...parseTxArgsOf(ctx, DAO.transactions.CompleteExit, mspId)));
  }

  @Transaction()
  @Returns('string')
  async EvaluateContractEnd(ctx: Context, mspId: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await membership.evaluateContractEnd(ctx, ...parseTxArgsOf(ctx, DAO.transactions.EvaluateContractEnd, mspId)));
  }

  // ---------------------------------------------------------------- transfer of rights (transactions/transfer.ts)

  @Transaction()
  @Returns('string')
  async OfferTransfer(ctx: Context, offerJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await transfer.offerTransfer(ctx, ...parseTxArgsOf(ctx, DAO.transactions.OfferTransfer, offerJson)));
  }

  @Transaction()
  @Returns('string')
  async ConsentTransfer(ctx: Context, transferId: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await transfer.consentTransfer(ctx, ...parseTxArgsOf(ctx, DAO.transactions.ConsentTransfer, transferId)));
  }

  @Transaction()
  @Returns('string')
  async AcceptTransfer(ctx: Context, transferId: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await transfer.acceptTransfer(ctx, ...parseTxArgsOf(ctx, DAO.transactions.AcceptTransfer, transferId)));
  }

  @Transaction(false)
  @Returns('string')
  async GetTransfer(ctx: Context, transferId: string): Promise<string> {
    return transfer.getTransfer(ctx, ...parseTxArgs(DAO.transactions.GetTransfer, transferId));
  }

  // ---------------------------------------------------------------- governance (transactions/governance.ts)

  @Transaction()
  @Returns('string')
  async CreateProposal(ctx: Context, proposalJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await governance.createProposal(ctx, ...parseTxArgsOf(ctx, DAO.transactions.CreateProposal, proposalJson)));
  }

  @Transaction()
  @Returns('string')
  async CastVote(ctx: Context, proposalId: string, choice: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await governance.castVote(ctx, ...parseTxArgsOf(ctx, DAO.transactions.CastVote, proposalId, choice)));
  }

  @Transaction(false)
  @Returns('string')
  async GetProposal(ctx: Context, proposalId: string): Promise<string> {
    return governance.getProposal(ctx, ...parseTxArgs(DAO.transactions.GetProposal, proposalId));
  }

  @Transaction()
  @Returns('string')
  async CloseProposal(ctx: Context, proposalId: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await governance.closeProposal(ctx, ...parseTxArgsOf(ctx, DAO.transactions.CloseProposal, proposalId)));
  }

  // ---------------------------------------------------------------- computation and infrastructure reports (transactions/reports.ts)

  @Transaction()
  @Returns('string')
  async ComputationCompleted(ctx: Context, jobJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await reports.computationCompleted(ctx, ...parseTxArgsOf(ctx, DAO.transactions.ComputationCompleted, jobJson)));
  }

  @Transaction()
  @Returns('string')
  async InfrastructureProvisioned(ctx: Context, reportJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await reports.infrastructureProvisioned(ctx, ...parseTxArgsOf(ctx, DAO.transactions.InfrastructureProvisioned, reportJson)));
  }

  @Transaction()
  @Returns('string')
  async InfrastructureFailed(ctx: Context, reportJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await reports.infrastructureFailed(ctx, ...parseTxArgsOf(ctx, DAO.transactions.InfrastructureFailed, reportJson)));
  }

  @Transaction()
  @Returns('string')
  async InfrastructurePartProvisioned(ctx: Context, reportJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await reports.infrastructurePartProvisioned(ctx, ...parseTxArgsOf(ctx, DAO.transactions.InfrastructurePartProvisioned, reportJson)));
  }

  @Transaction()
  @Returns('string')
  async InfrastructurePartFailed(ctx: Context, reportJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await reports.infrastructurePartFailed(ctx, ...parseTxArgsOf(ctx, DAO.transactions.InfrastructurePartFailed, reportJson)));
  }

  // ---------------------------------------------------------------- the data owner's usage trail (transactions/usage.ts)

  @Transaction()
  @Returns('string')
  async RecordUsage(ctx: Context, usageJson: string): Promise<string> {
    return sealTransaction(ctx, DAO_PRIVATE_COLLECTION, await usage.recordUsage(ctx, ...parseTxArgsOf(ctx, DAO.transactions.RecordUsage, usageJson)));
  }

  @Transaction(false)
  @Returns('string')
  async GetUsage(ctx: Context, dataset: string): Promise<string> {
    return usage.getUsage(ctx, ...parseTxArgs(DAO.transactions.GetUsage, dataset));
  }
}
