import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { parseTxArgs } from '@datawell/chaincode-common';
import { DAO } from '@datawell/contracts';
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

  // ---------------------------------------------------------------- versions (transactions/versions.ts)

  @Transaction()
  @Returns('string')
  async InitVersion(ctx: Context, agreementJson: string, acceptancesJson: string): Promise<string> {
    return versions.initVersion(ctx, ...parseTxArgs(DAO.transactions.InitVersion, agreementJson, acceptancesJson));
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
    return versions.recordSuccessor(ctx, ...parseTxArgs(DAO.transactions.RecordSuccessor, successorJson));
  }

  // ---------------------------------------------------------------- revenue and allocation (transactions/revenue.ts)

  @Transaction()
  @Returns('string')
  async RecordRevenue(ctx: Context, revenueJson: string): Promise<string> {
    return revenue.recordRevenue(ctx, ...parseTxArgs(DAO.transactions.RecordRevenue, revenueJson));
  }

  @Transaction()
  @Returns('string')
  async AllocationReceived(ctx: Context, relayJson: string): Promise<string> {
    return revenue.allocationReceived(ctx, ...parseTxArgs(DAO.transactions.AllocationReceived, relayJson));
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
    return revenue.meterComputation(ctx, ...parseTxArgs(DAO.transactions.MeterComputation, jobId));
  }

  @Transaction()
  @Returns('string')
  async ChargeSubscription(ctx: Context, period: string): Promise<string> {
    return revenue.chargeSubscription(ctx, ...parseTxArgs(DAO.transactions.ChargeSubscription, period));
  }

  // ---------------------------------------------------------------- workloads and telemetry (transactions/workloads.ts)

  @Transaction()
  @Returns('string')
  async RegisterWorkload(ctx: Context, workloadJson: string): Promise<string> {
    return workloads.registerWorkload(ctx, ...parseTxArgs(DAO.transactions.RegisterWorkload, workloadJson));
  }

  @Transaction(false)
  @Returns('string')
  async GetWorkload(ctx: Context, workloadId: string): Promise<string> {
    return workloads.getWorkload(ctx, ...parseTxArgs(DAO.transactions.GetWorkload, workloadId));
  }

  @Transaction()
  @Returns('string')
  async RecordTelemetry(ctx: Context, snapshotJson: string): Promise<string> {
    return workloads.recordTelemetry(ctx, ...parseTxArgs(DAO.transactions.RecordTelemetry, snapshotJson));
  }

  // ---------------------------------------------------------------- membership: abandonment, exit, contract end (transactions/membership.ts)

  @Transaction()
  @Returns('string')
  async EvaluateAbandonment(ctx: Context, mspId: string): Promise<string> {
    return membership.evaluateAbandonment(ctx, ...parseTxArgs(DAO.transactions.EvaluateAbandonment, mspId));
  }

  @Transaction()
  @Returns('string')
  async RequestExit(ctx: Context): Promise<string> {
    return membership.requestExit(ctx);
  }

  @Transaction()
  @Returns('string')
  async CompleteExit(ctx: Context, mspId: string): Promise<string> {
    return membership.completeExit(ctx, ...parseTxArgs(DAO.transactions.CompleteExit, mspId));
  }

  @Transaction()
  @Returns('string')
  async EvaluateContractEnd(ctx: Context, mspId: string): Promise<string> {
    return membership.evaluateContractEnd(ctx, ...parseTxArgs(DAO.transactions.EvaluateContractEnd, mspId));
  }

  // ---------------------------------------------------------------- transfer of rights (transactions/transfer.ts)

  @Transaction()
  @Returns('string')
  async OfferTransfer(ctx: Context, offerJson: string): Promise<string> {
    return transfer.offerTransfer(ctx, ...parseTxArgs(DAO.transactions.OfferTransfer, offerJson));
  }

  @Transaction()
  @Returns('string')
  async ConsentTransfer(ctx: Context, transferId: string): Promise<string> {
    return transfer.consentTransfer(ctx, ...parseTxArgs(DAO.transactions.ConsentTransfer, transferId));
  }

  @Transaction()
  @Returns('string')
  async AcceptTransfer(ctx: Context, transferId: string): Promise<string> {
    return transfer.acceptTransfer(ctx, ...parseTxArgs(DAO.transactions.AcceptTransfer, transferId));
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
    return governance.createProposal(ctx, ...parseTxArgs(DAO.transactions.CreateProposal, proposalJson));
  }

  @Transaction()
  @Returns('string')
  async CastVote(ctx: Context, proposalId: string, choice: string): Promise<string> {
    return governance.castVote(ctx, ...parseTxArgs(DAO.transactions.CastVote, proposalId, choice));
  }

  @Transaction(false)
  @Returns('string')
  async GetProposal(ctx: Context, proposalId: string): Promise<string> {
    return governance.getProposal(ctx, ...parseTxArgs(DAO.transactions.GetProposal, proposalId));
  }

  @Transaction()
  @Returns('string')
  async CloseProposal(ctx: Context, proposalId: string): Promise<string> {
    return governance.closeProposal(ctx, ...parseTxArgs(DAO.transactions.CloseProposal, proposalId));
  }

  // ---------------------------------------------------------------- computation and infrastructure reports (transactions/reports.ts)

  @Transaction()
  @Returns('string')
  async ComputationCompleted(ctx: Context, jobJson: string): Promise<string> {
    return reports.computationCompleted(ctx, ...parseTxArgs(DAO.transactions.ComputationCompleted, jobJson));
  }

  @Transaction()
  @Returns('string')
  async InfrastructureProvisioned(ctx: Context, reportJson: string): Promise<string> {
    return reports.infrastructureProvisioned(ctx, ...parseTxArgs(DAO.transactions.InfrastructureProvisioned, reportJson));
  }

  @Transaction()
  @Returns('string')
  async InfrastructureFailed(ctx: Context, reportJson: string): Promise<string> {
    return reports.infrastructureFailed(ctx, ...parseTxArgs(DAO.transactions.InfrastructureFailed, reportJson));
  }

  @Transaction()
  @Returns('string')
  async InfrastructurePartProvisioned(ctx: Context, reportJson: string): Promise<string> {
    return reports.infrastructurePartProvisioned(ctx, ...parseTxArgs(DAO.transactions.InfrastructurePartProvisioned, reportJson));
  }

  @Transaction()
  @Returns('string')
  async InfrastructurePartFailed(ctx: Context, reportJson: string): Promise<string> {
    return reports.infrastructurePartFailed(ctx, ...parseTxArgs(DAO.transactions.InfrastructurePartFailed, reportJson));
  }

  // ---------------------------------------------------------------- the data owner's usage trail (transactions/usage.ts)

  @Transaction()
  @Returns('string')
  async RecordUsage(ctx: Context, usageJson: string): Promise<string> {
    return usage.recordUsage(ctx, ...parseTxArgs(DAO.transactions.RecordUsage, usageJson));
  }

  @Transaction(false)
  @Returns('string')
  async GetUsage(ctx: Context, dataset: string): Promise<string> {
    return usage.getUsage(ctx, ...parseTxArgs(DAO.transactions.GetUsage, dataset));
  }
}
