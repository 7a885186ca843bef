import { z } from 'zod';
import type { Principal } from '@datawell/auth';
import { computationCharge } from '@datawell/domain';
import { DAO, datasetNameSchema, digestSchema, enrollmentIdSchema, idSchema, mspIdSchema, resultDigest, type UsageEntryInput } from '@datawell/contracts';
import { AdminError } from '../admin/admin.errors';
import { checkDaoVersion, ledgerRefusal, memberVersionChannel, ownOrganisationOnly, parse, type MemberLedger } from '../admin/member-dao';
import type { ResultStore, StoredResult } from './computation-results.repository';

/*
 * Results in the recipients' own domains (issue 12): a recipient's MPC node delivers the result of a
 * computation to its member's bridge, which records ComputationCompleted on the version's channel as
 * the member, then the granted request's entry of the data owner's usage trail (RecordUsage, as a
 * recipient of the result), and keeps the result in the member's own database. The member's people
 * read it here; the coordinator never has it.
 */

/** What the node delivers: POST /daos/:daoId/versions/:version/computations/:jobId/result. */
export const deliveredResultSchema = z.strictObject({
  computation: idSchema.describe("The computation of the version's terms that ran (the catalogue program)"),
  members: z.array(mspIdSchema).min(1).max(256).describe("MSP ids of the mesh's parties, in party order"),
  result: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a result name'), z.union([z.number(), z.array(z.number()).max(100_000)]))
    .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= 64, 'must name 1-64 values')
    .describe('The opened result: named numbers or arrays of numbers'),
  resultDigest: digestSchema.describe("SHA-256 (hex) of the result's canonical JSON (sorted keys): what ComputationCompleted records"),
  requester: z
    .strictObject({ mspId: mspIdSchema, enrollmentId: enrollmentIdSchema.optional() })
    .describe('Who asked for the computation: its MSP id and, when the coordinator knew it, its enrolled identity (the usage entry\'s requester)'),
  dataset: z.strictObject({ owner: mspIdSchema, name: datasetNameSchema }).describe('The dataset the computation read: its owner (a DSP member) and name'),
  parametersDigest: digestSchema.describe("SHA-256 (hex) of the canonical JSON of the request's parameters {columns, fractionalBits} (parametersDigest of @datawell/contracts)"),
  rows: z.number().int().nonnegative().describe('Rows of the dataset the computation read'),
  recipients: z.array(mspIdSchema).min(1).max(64).describe("MSP ids of the result's recipients: exactly the terms' for the computation"),
});

/** The granted request's usage entry for a delivered result (usageId: the job id). */
export function grantedUsage(jobId: string, input: z.output<typeof deliveredResultSchema>): UsageEntryInput {
  return {
    usageId: jobId,
    dataset: { owner: input.dataset.owner, name: input.dataset.name },
    requester: { mspId: input.requester.mspId, ...(input.requester.enrollmentId !== undefined ? { enrollmentId: input.requester.enrollmentId } : {}) },
    computation: input.computation,
    parametersDigest: input.parametersDigest,
    recipients: [...input.recipients],
    outcome: 'granted',
    rows: input.rows,
    resultDigest: input.resultDigest,
  };
}

/** A kept result as this member's people read it. */
export type ResultView = StoredResult;
/** A kept result in a list: without its values. */
export type ResultSummary = Omit<StoredResult, 'result'>;

const params = (daoId: string, version: number | string, jobId?: string): { daoId: string; version: number; jobId: string } => {
  const v = Number(version);
  checkDaoVersion(daoId, v);
  if (jobId !== undefined && !idSchema.safeParse(jobId).success) throw new AdminError('INVALID_REQUEST', 'jobId: must be 1-128 letters, digits, ".", "_", ":" or "-"');
  return { daoId, version: v, jobId: jobId ?? '' };
};

export class MemberResults {
  constructor(
    private readonly ledger: MemberLedger,
    private readonly store: ResultStore,
  ) {}

  /**
   * Records a delivered result: the digest must be its own; ComputationCompleted {jobId, computation,
   * members, resultDigest} is submitted on the version's channel as the member (the chaincode takes a
   * retried report with the same digest and refuses another: RESULT_CONFLICT), then RecordUsage with
   * the granted request's entry (usageId the job id; the chaincode lets a recipient holding that
   * digest record it, takes a retried identical entry and refuses another: USAGE_CONFLICT), then the
   * result is kept. Kept therefore means both are on the ledger: a delivery retried after a partial
   * success (ComputationCompleted recorded, RecordUsage not) submits both again, the first answered
   * with what is recorded, so the missing entry is recorded once and nothing twice. On a pay-per-use
   * version with a price per computation the job is then metered into revenue (MeterComputation, as
   * the member; the chaincode takes the amount from the terms and records a job once), before the
   * result is kept, so a retried delivery meters what a partial success left unmetered. Idempotent: the
   * same job with the same digest answers what is kept (`created` false), another digest is
   * RESULT_CONFLICT. A ledger refusal keeps nothing.
   */
  async record(principal: Principal, daoId: string, version: number | string, jobId: string, body: unknown): Promise<{ result: ResultView; created: boolean }> {
    this.#own(principal);
    const p = params(daoId, version, jobId);
    const input = parse(deliveredResultSchema, body);
    if (resultDigest(input.result) !== input.resultDigest) throw new AdminError('RESULT_DIGEST_MISMATCH', 'resultDigest is not the SHA-256 of the result\'s canonical JSON');
    const kept = await this.store.get(p.daoId, p.version, p.jobId);
    if (kept) return { result: this.#same(kept, input.resultDigest), created: false };
    const channel = await memberVersionChannel(this.ledger, p.daoId, p.version);
    const call = DAO.invocation(DAO.tx.ComputationCompleted, { jobId: p.jobId, computation: input.computation, members: input.members, resultDigest: input.resultDigest });
    let txId: string;
    try {
      ({ txId } = await this.ledger.submit(channel, call.chaincode, call.transaction, call.arguments));
    } catch (error) {
      throw ledgerRefusal(error, channel, {
        // The chaincode's FORBIDDEN (the member not active, the computation not in the terms) stays LEDGER_REJECTED with its message.
        CONFLICT: (m) => new AdminError('RESULT_CONFLICT', `job ${p.jobId} is recorded on ${channel} with another result: ${m}`),
      });
    }
    const usage = DAO.invocation(DAO.tx.RecordUsage, grantedUsage(p.jobId, input));
    try {
      await this.ledger.submit(channel, usage.chaincode, usage.transaction, usage.arguments);
    } catch (error) {
      throw ledgerRefusal(error, channel, {
        CONFLICT: (m) => new AdminError('USAGE_CONFLICT', `usage ${p.jobId} is recorded on ${channel} otherwise: ${m}`),
      });
    }
    await this.#meter(channel, p.jobId);
    const stored = await this.store.keep({ ...p, computation: input.computation, members: input.members, result: input.result, resultDigest: input.resultDigest, txId });
    return { result: this.#same(stored, input.resultDigest), created: stored.txId === txId };
  }

  /**
   * Pay-per-use (issue 13): a completed computation is revenue at the terms' price, on the channel of
   * the version that ran it. Any active member may ask the chaincode to meter a job it recorded; the
   * recipient asks once its ComputationCompleted is on the channel (several recipients: the first
   * records it, the others' requests write nothing). A version that prices no computation
   * (subscription, or no price) is not asked: its terms are read through the member's own peer.
   */
  async #meter(channel: string, jobId: string): Promise<void> {
    let terms: { businessModel?: string; price?: { perComputation?: string } } | undefined;
    try {
      terms = (JSON.parse(await this.ledger.evaluate(this.ledger.mspId, channel, DAO.chaincode, DAO.tx.GetVersion, [])) as { terms?: typeof terms }).terms;
    } catch (error) {
      throw ledgerRefusal(error, channel, {});
    }
    if (!terms || !computationCharge(terms).charged) return;
    const meter = DAO.invocation(DAO.tx.MeterComputation, jobId);
    try {
      await this.ledger.submit(channel, meter.chaincode, meter.transaction, meter.arguments);
    } catch (error) {
      throw ledgerRefusal(error, channel, {});
    }
  }

  /** A kept result, for this organisation's identities only. */
  async get(principal: Principal, daoId: string, version: number | string, jobId: string): Promise<ResultView> {
    this.#own(principal);
    const p = params(daoId, version, jobId);
    const kept = await this.store.get(p.daoId, p.version, p.jobId);
    if (!kept) throw new AdminError('RESULT_NOT_FOUND', `no result of job ${p.jobId} of DAO ${p.daoId} version ${p.version} is kept for ${this.ledger.mspId}`);
    return kept;
  }

  /** The version's kept results without their values, oldest first. */
  async list(principal: Principal, daoId: string, version: number | string): Promise<ResultSummary[]> {
    this.#own(principal);
    const p = params(daoId, version);
    return this.store.list(p.daoId, p.version);
  }

  #same(kept: StoredResult, digest: string): StoredResult {
    if (kept.resultDigest !== digest) throw new AdminError('RESULT_CONFLICT', `job ${kept.jobId} of DAO ${kept.daoId} version ${kept.version} is kept with another result digest`);
    return kept;
  }

  #own(principal: Principal): void {
    ownOrganisationOnly(this.ledger.mspId, principal);
  }
}
