import { randomUUID } from 'node:crypto';
import { DAO, daoChannelName, parseDaoChannel, revenueArgument, revenueRequestSchema, workloadSchema } from '@datawell/contracts';
import { AdminError, chaincodeCode, chaincodeMessage, isNotVisible } from './admin.errors';
import { readDaoVersion, type DaoRead, type EvaluateAs } from './dao-reads';

/** The member bridge's own ledger: as its organisation, through its own peer. */
export interface MemberLedger {
  readonly mspId: string;
  readonly evaluate: EvaluateAs;
  /** Submits as the member and waits for the commit; rejects when the chaincode refuses or validation fails. */
  submit(channel: string, chaincode: string, fn: string, args: readonly string[]): Promise<{ txId: string }>;
  /** The channels this bridge relays for its organisation (those its peer has joined). */
  channels(): Promise<readonly string[]>;
}

export const memberRevenueSchema = revenueRequestSchema;
/** A workload the member runs itself (self-hosted): its id and the public key its heartbeats are signed with. */
export const memberWorkloadSchema = workloadSchema;

/** What a member does with its DAOs in its own domain: reads and its own writes, signed by itself. */
export class MemberDao {
  constructor(private readonly ledger: MemberLedger) {}

  get mspId(): string {
    return this.ledger.mspId;
  }

  read(daoId: string, version: number, fn: DaoRead): Promise<unknown> {
    return readDaoVersion(this.ledger.evaluate, daoId, version, fn, this.ledger.mspId);
  }

  /**
   * RecordRevenue on the DAO's top channel among those the member is in, signed by the member. The
   * chaincode decides whether the member may (an active member of the top version); a revenue id
   * recorded before is REVENUE_EXISTS.
   */
  async recordRevenue(daoId: string, body: unknown): Promise<{ daoId: string; channel: string; revenueId: string; txId: string }> {
    const parsed = memberRevenueSchema.safeParse(body);
    if (!parsed.success) throw new AdminError('INVALID_REQUEST', parsed.error.issues.map((i) => `body${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; '));
    const levels = (await this.ledger.channels()).map(parseDaoChannel).filter((c) => c?.daoId === daoId).map((c) => c!.level);
    if (levels.length === 0) throw new AdminError('VERSION_NOT_FOUND', `no version of DAO ${daoId} of which ${this.ledger.mspId} is a member`);
    const channel = `dao-${daoId}-v${Math.max(...levels)}`;
    const revenueId = parsed.data.revenueId ?? `rev-${randomUUID()}`;
    const call = DAO.invocation(DAO.tx.RecordRevenue, revenueArgument(parsed.data, revenueId));
    try {
      const { txId } = await this.ledger.submit(channel, call.chaincode, call.transaction, call.arguments);
      return { daoId, channel, revenueId, txId };
    } catch (error) {
      const code = chaincodeCode(error);
      if (code === 'CONFLICT') throw new AdminError('REVENUE_EXISTS', `revenue ${revenueId} of DAO ${daoId} is already recorded`, { cause: error });
      if (code === 'INVALID_ARGUMENT' || code === 'FORBIDDEN' || code === 'NOT_FOUND') throw new AdminError('LEDGER_REJECTED', chaincodeMessage(error), { cause: error });
      if (!isNotVisible(error)) throw new AdminError('LEDGER_UNAVAILABLE', `the peer or orderer did not answer for ${channel}; try again with the same revenueId`, { cause: error });
      throw error;
    }
  }

  /**
   * RegisterWorkload on the version's channel, signed by the member: the public key of a workload
   * it runs itself, whose signed heartbeats then count for it. The chaincode decides whether it may
   * (an active member of the active version); a workload id registered before is WORKLOAD_EXISTS.
   */
  async registerWorkload(daoId: string, version: number, body: unknown): Promise<{ daoId: string; version: number; channel: string; workloadId: string; owner: string; txId: string }> {
    const parsed = memberWorkloadSchema.safeParse(body);
    if (!parsed.success) throw new AdminError('INVALID_REQUEST', parsed.error.issues.map((i) => `body${i.path.length ? `.${i.path.join('.')}` : ''}: ${i.message}`).join('; '));
    const channel = daoChannelName(daoId, version);
    if (!(await this.ledger.channels()).includes(channel)) throw new AdminError('VERSION_NOT_FOUND', `no version ${version} of DAO ${daoId} of which ${this.ledger.mspId} is a member`);
    const call = DAO.invocation(DAO.tx.RegisterWorkload, parsed.data);
    try {
      const { txId } = await this.ledger.submit(channel, call.chaincode, call.transaction, call.arguments);
      return { daoId, version, channel, workloadId: parsed.data.workloadId, owner: this.ledger.mspId, txId };
    } catch (error) {
      const code = chaincodeCode(error);
      if (code === 'CONFLICT') throw new AdminError('WORKLOAD_EXISTS', `workload ${parsed.data.workloadId} is already registered on ${channel}`, { cause: error });
      if (code === 'INVALID_ARGUMENT' || code === 'FORBIDDEN' || code === 'NOT_FOUND') throw new AdminError('LEDGER_REJECTED', chaincodeMessage(error), { cause: error });
      if (isNotVisible(error)) throw new AdminError('VERSION_NOT_FOUND', `no version ${version} of DAO ${daoId} of which ${this.ledger.mspId} is a member`, { cause: error });
      throw new AdminError('LEDGER_UNAVAILABLE', `the peer or orderer did not answer for ${channel}; try again`, { cause: error });
    }
  }
}
