import type { DataSource } from 'typeorm';

/** A result this member received, as its bridge keeps it. */
export interface StoredResult {
  readonly daoId: string;
  readonly version: number;
  readonly jobId: string;
  readonly computation: string;
  readonly members: readonly string[];
  readonly result: Readonly<Record<string, number | readonly number[]>>;
  readonly resultDigest: string;
  /** The ComputationCompleted transaction this member submitted for it. */
  readonly txId: string;
  readonly recordedAtMs: number;
}

/** The port to where results are kept (the bridge's own PostgreSQL). */
export interface ResultStore {
  get(daoId: string, version: number, jobId: string): Promise<StoredResult | undefined>;
  /** Keeps `result` unless the job is kept already; answers what is kept for the job either way. */
  keep(result: Omit<StoredResult, 'recordedAtMs'>): Promise<StoredResult>;
  /** The version's results without their values, oldest first. */
  list(daoId: string, version: number): Promise<Omit<StoredResult, 'result'>[]>;
}

interface ResultRow {
  dao_id: string;
  version: number;
  job_id: string;
  computation: string;
  members: string[];
  result?: StoredResult['result'];
  result_digest: string;
  tx_id: string;
  recorded_at: Date;
}

const COLUMNS = 'dao_id, version, job_id, computation, members, result_digest, tx_id, recorded_at';

function fromRow(r: ResultRow): Omit<StoredResult, 'result'> & { result?: StoredResult['result'] } {
  return {
    daoId: r.dao_id,
    version: r.version,
    jobId: r.job_id,
    computation: r.computation,
    members: r.members,
    ...(r.result !== undefined ? { result: r.result } : {}),
    resultDigest: r.result_digest,
    txId: r.tx_id,
    recordedAtMs: r.recorded_at.getTime(),
  };
}

export class ComputationResultsRepository implements ResultStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  async get(daoId: string, version: number, jobId: string): Promise<StoredResult | undefined> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS}, result FROM "${this.schema}".computation_results WHERE dao_id = $1 AND version = $2 AND job_id = $3`, [daoId, version, jobId])) as ResultRow[];
    return rows[0] ? (fromRow(rows[0]) as StoredResult) : undefined;
  }

  async keep(r: Omit<StoredResult, 'recordedAtMs'>): Promise<StoredResult> {
    await this.dataSource.query(
      `INSERT INTO "${this.schema}".computation_results (dao_id, version, job_id, computation, members, result, result_digest, tx_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dao_id, version, job_id) DO NOTHING`,
      [r.daoId, r.version, r.jobId, r.computation, r.members, JSON.stringify(r.result), r.resultDigest, r.txId],
    );
    const kept = await this.get(r.daoId, r.version, r.jobId);
    if (!kept) throw new Error(`result ${r.jobId} of ${r.daoId} v${r.version} was not kept`);
    return kept;
  }

  async list(daoId: string, version: number): Promise<Omit<StoredResult, 'result'>[]> {
    const rows = (await this.dataSource.query(`SELECT ${COLUMNS} FROM "${this.schema}".computation_results WHERE dao_id = $1 AND version = $2 ORDER BY recorded_at, job_id`, [daoId, version])) as ResultRow[];
    return rows.map(fromRow);
  }
}
