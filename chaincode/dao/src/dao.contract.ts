import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { parseArg, parseJsonArg } from '@datawell/chaincode-common';
import { agreementSchema } from './agreement.validator';
import {
  allocationIdSchema,
  allocationReceivedSchema,
  choiceSchema,
  computationSchema,
  failedSchema,
  idSchema,
  mspIdSchema,
  proposalSchema,
  provisionedSchema,
  revenueSchema,
  snapshotSchema,
  successorSchema,
  txIdSchema,
  workloadSchema,
} from './operations.validator';
import * as governance from './transactions/governance';
import * as membership from './transactions/membership';
import * as reports from './transactions/reports';
import * as revenue from './transactions/revenue';
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
  async InitVersion(ctx: Context, agreementJson: string): Promise<string> {
    return versions.initVersion(ctx, parseJsonArg(agreementSchema, agreementJson, 'agreement'));
  }

  @Transaction(false)
  @Returns('string')
  async GetVersion(ctx: Context): Promise<string> {
    return versions.getVersion(ctx);
  }

  @Transaction(false)
  @Returns('string')
  async GetMember(ctx: Context, mspId: string): Promise<string> {
    return versions.getMember(ctx, parseArg(mspIdSchema, mspId, 'mspId'));
  }

  @Transaction()
  @Returns('string')
  async RecordSuccessor(ctx: Context, successorJson: string): Promise<string> {
    return versions.recordSuccessor(ctx, parseJsonArg(successorSchema, successorJson, 'successor'));
  }

  // ---------------------------------------------------------------- revenue and allocation (transactions/revenue.ts)

  @Transaction()
  @Returns('string')
  async RecordRevenue(ctx: Context, revenueJson: string): Promise<string> {
    return revenue.recordRevenue(ctx, parseJsonArg(revenueSchema, revenueJson, 'revenue'));
  }

  @Transaction()
  @Returns('string')
  async AllocationReceived(ctx: Context, relayJson: string): Promise<string> {
    return revenue.allocationReceived(ctx, parseJsonArg(allocationReceivedSchema, relayJson, 'relay'));
  }

  @Transaction(false)
  @Returns('string')
  async GetAllocation(ctx: Context, allocationId: string): Promise<string> {
    return revenue.getAllocation(ctx, parseArg(allocationIdSchema, allocationId, 'allocationId'));
  }

  @Transaction(false)
  @Returns('string')
  async GetAllocationByTx(ctx: Context, txId: string): Promise<string> {
    return revenue.getAllocationByTx(ctx, parseArg(txIdSchema, txId, 'txId'));
  }

  @Transaction(false)
  @Returns('string')
  async GetEntitlements(ctx: Context): Promise<string> {
    return revenue.getEntitlements(ctx);
  }

  @Transaction(false)
  @Returns('string')
  async GetEntitlement(ctx: Context, mspId: string): Promise<string> {
    return revenue.getEntitlement(ctx, parseArg(mspIdSchema, mspId, 'mspId'));
  }

  // ---------------------------------------------------------------- workloads and telemetry (transactions/workloads.ts)

  @Transaction()
  @Returns('string')
  async RegisterWorkload(ctx: Context, workloadJson: string): Promise<string> {
    return workloads.registerWorkload(ctx, parseJsonArg(workloadSchema, workloadJson, 'workload'));
  }

  @Transaction(false)
  @Returns('string')
  async GetWorkload(ctx: Context, workloadId: string): Promise<string> {
    return workloads.getWorkload(ctx, parseArg(idSchema, workloadId, 'workloadId'));
  }

  @Transaction()
  @Returns('string')
  async RecordTelemetry(ctx: Context, snapshotJson: string): Promise<string> {
    return workloads.recordTelemetry(ctx, parseJsonArg(snapshotSchema, snapshotJson, 'snapshot'));
  }

  // ---------------------------------------------------------------- membership: abandonment, exit, contract end (transactions/membership.ts)

  @Transaction()
  @Returns('string')
  async EvaluateAbandonment(ctx: Context, mspId: string): Promise<string> {
    return membership.evaluateAbandonment(ctx, parseArg(mspIdSchema, mspId, 'mspId'));
  }

  @Transaction()
  @Returns('string')
  async RequestExit(ctx: Context): Promise<string> {
    return membership.requestExit(ctx);
  }

  @Transaction()
  @Returns('string')
  async CompleteExit(ctx: Context, mspId: string): Promise<string> {
    return membership.completeExit(ctx, parseArg(mspIdSchema, mspId, 'mspId'));
  }

  @Transaction()
  @Returns('string')
  async EvaluateContractEnd(ctx: Context, mspId: string): Promise<string> {
    return membership.evaluateContractEnd(ctx, parseArg(mspIdSchema, mspId, 'mspId'));
  }

  // ---------------------------------------------------------------- governance (transactions/governance.ts)

  @Transaction()
  @Returns('string')
  async CreateProposal(ctx: Context, proposalJson: string): Promise<string> {
    return governance.createProposal(ctx, parseJsonArg(proposalSchema, proposalJson, 'proposal'));
  }

  @Transaction()
  @Returns('string')
  async CastVote(ctx: Context, proposalId: string, choice: string): Promise<string> {
    return governance.castVote(ctx, parseArg(idSchema, proposalId, 'proposalId'), parseArg(choiceSchema, choice, 'choice'));
  }

  @Transaction(false)
  @Returns('string')
  async GetProposal(ctx: Context, proposalId: string): Promise<string> {
    return governance.getProposal(ctx, parseArg(idSchema, proposalId, 'proposalId'));
  }

  // ---------------------------------------------------------------- computation and infrastructure reports (transactions/reports.ts)

  @Transaction()
  @Returns('string')
  async ComputationCompleted(ctx: Context, jobJson: string): Promise<string> {
    return reports.computationCompleted(ctx, parseJsonArg(computationSchema, jobJson, 'job'));
  }

  @Transaction()
  @Returns('string')
  async InfrastructureProvisioned(ctx: Context, reportJson: string): Promise<string> {
    return reports.infrastructureProvisioned(ctx, parseJsonArg(provisionedSchema, reportJson, 'report'));
  }

  @Transaction()
  @Returns('string')
  async InfrastructureFailed(ctx: Context, reportJson: string): Promise<string> {
    return reports.infrastructureFailed(ctx, parseJsonArg(failedSchema, reportJson, 'report'));
  }
}
