import type { DataSource, EntityManager } from 'typeorm';
import type { DesiredVersion, InfrastructureSpec, JobData, Member } from './spec';

function toWorkloadRow(r: Record<string, unknown>): WorkloadRow {
  return {
    workloadId: r['workload_id'] as string,
    daoId: r['dao_id'] as string,
    version: r['version'] as number,
    name: r['name'] as string,
    owner: r['owner'] as string,
    kind: r['kind'] as string,
    dir: r['dir'] as string,
    publicKeyPem: r['public_key_pem'] as string,
    status: r['status'] as 'active' | 'destroyed',
  };
}

export interface VersionRow extends DesiredVersion {
  readonly status: string;
  readonly appliedRevision: number | null;
  readonly outputsDigest: string | null;
  readonly failure: string | null;
}

export interface WorkloadRow {
  readonly workloadId: string;
  readonly daoId: string;
  readonly version: number;
  readonly name: string;
  readonly owner: string;
  readonly kind: string;
  readonly dir: string;
  readonly publicKeyPem: string;
  readonly status: 'active' | 'destroyed';
}

export interface JobRow {
  readonly id: string;
  readonly kind: string;
  readonly daoId: string;
  readonly version: number;
  readonly data: JobData;
  readonly state: string;
  readonly progress: number;
  readonly attempts: number;
  readonly error: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

type Queryable = Pick<EntityManager, 'query'>;

/** The provisioner's tables: desired state per DAO version, workloads, jobs and their logs. */
export class ProvisioningRepository {
  readonly #s: string;

  constructor(
    readonly dataSource: DataSource,
    readonly schema: string,
  ) {
    this.#s = `"${schema.replace(/"/g, '""')}"`;
  }

  /** Records a version's desired state; a redelivered or older revision does not overwrite a newer one. */
  async upsertVersion(m: Queryable, v: DesiredVersion): Promise<void> {
    await m.query(
      `INSERT INTO ${this.#s}.versions (dao_id, version, revision, chaincode, members, heartbeat_interval_seconds, spec)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb)
       ON CONFLICT (dao_id, version) DO UPDATE SET revision = EXCLUDED.revision, spec = EXCLUDED.spec,
         members = EXCLUDED.members, heartbeat_interval_seconds = EXCLUDED.heartbeat_interval_seconds, updated_at = now()
       WHERE ${this.#s}.versions.revision < EXCLUDED.revision`,
      [v.daoId, v.version, v.revision, v.chaincode, JSON.stringify(v.members), v.heartbeatIntervalSeconds, JSON.stringify(v.spec)],
    );
  }

  /** A later infrastructure revision of a known version (an accepted change-infrastructure); false when unknown or not later. */
  async changeInfrastructure(m: Queryable, daoId: string, version: number, revision: number, spec: InfrastructureSpec): Promise<boolean> {
    const rows = (await m.query(
      `UPDATE ${this.#s}.versions SET revision = $3, spec = $4::jsonb, updated_at = now()
       WHERE dao_id = $1 AND version = $2 AND revision < $3 RETURNING dao_id`,
      [daoId, version, revision, JSON.stringify(spec)],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Marks a member's workloads for removal; false when the version is unknown. */
  async removeMember(m: Queryable, daoId: string, version: number, mspId: string, dissolved: boolean): Promise<boolean> {
    const rows = (await m.query(
      `UPDATE ${this.#s}.versions SET
         removed_members = CASE WHEN removed_members ? $3 THEN removed_members ELSE removed_members || to_jsonb($3::text) END,
         dissolved = dissolved OR $4, updated_at = now()
       WHERE dao_id = $1 AND version = $2 RETURNING dao_id`,
      [daoId, version, mspId, dissolved],
    )) as unknown[];
    return rows.length > 0;
  }

  async dissolve(m: Queryable, daoId: string, version: number): Promise<boolean> {
    const rows = (await m.query(`UPDATE ${this.#s}.versions SET dissolved = true, updated_at = now() WHERE dao_id = $1 AND version = $2 RETURNING dao_id`, [
      daoId,
      version,
    ])) as unknown[];
    return rows.length > 0;
  }

  async version(daoId: string, version: number, m: Queryable = this.dataSource): Promise<VersionRow | undefined> {
    const rows = (await m.query(`SELECT * FROM ${this.#s}.versions WHERE dao_id = $1 AND version = $2`, [daoId, version])) as Array<Record<string, unknown>>;
    const r = rows[0];
    if (!r) return undefined;
    return {
      daoId: r['dao_id'] as string,
      version: r['version'] as number,
      revision: r['revision'] as number,
      chaincode: r['chaincode'] as string,
      members: r['members'] as Member[],
      heartbeatIntervalSeconds: r['heartbeat_interval_seconds'] as number,
      spec: r['spec'] as InfrastructureSpec,
      removedMembers: r['removed_members'] as string[],
      dissolved: r['dissolved'] as boolean,
      status: r['status'] as string,
      appliedRevision: (r['applied_revision'] as number | null) ?? null,
      outputsDigest: (r['outputs_digest'] as string | null) ?? null,
      failure: (r['failure'] as string | null) ?? null,
    };
  }

  async setVersionStatus(m: Queryable, daoId: string, version: number, status: string, extra: { appliedRevision?: number; outputsDigest?: string; failure?: string } = {}): Promise<void> {
    await m.query(
      `UPDATE ${this.#s}.versions SET status = $3, applied_revision = COALESCE($4, applied_revision),
         outputs_digest = COALESCE($5, outputs_digest), failure = $6, updated_at = now()
       WHERE dao_id = $1 AND version = $2`,
      [daoId, version, status, extra.appliedRevision ?? null, extra.outputsDigest ?? null, extra.failure ?? null],
    );
  }

  /** Records a built workload; one a later version took over (an MPC node shared by the DAO's versions) moves to that version. */
  async saveWorkload(w: Omit<WorkloadRow, 'status'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.#s}.workloads (workload_id, dao_id, version, name, owner, kind, dir, public_key_pem)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (workload_id) DO UPDATE SET public_key_pem = EXCLUDED.public_key_pem, dir = EXCLUDED.dir, status = 'active', destroyed_at = NULL,
         version = EXCLUDED.version, name = EXCLUDED.name`,
      [w.workloadId, w.daoId, w.version, w.name, w.owner, w.kind, w.dir, w.publicKeyPem],
    );
  }

  /** Workloads that should be running: not destroyed, of versions whose last apply succeeded. */
  async desiredRunningWorkloads(): Promise<Array<{ workloadId: string; dir: string }>> {
    return (await this.dataSource.query(
      `SELECT w.workload_id AS "workloadId", w.dir FROM ${this.#s}.workloads w
         JOIN ${this.#s}.versions v ON v.dao_id = w.dao_id AND v.version = w.version
       WHERE w.status = 'active' AND v.status = 'provisioned' ORDER BY w.workload_id`,
    )) as Array<{ workloadId: string; dir: string }>;
  }

  async markDestroyed(m: Queryable, workloadIds: readonly string[]): Promise<void> {
    if (workloadIds.length === 0) return;
    await m.query(`UPDATE ${this.#s}.workloads SET status = 'destroyed', destroyed_at = now() WHERE workload_id = ANY($1::text[]) AND status <> 'destroyed'`, [
      [...workloadIds],
    ]);
  }

  async workloads(daoId: string, version: number): Promise<WorkloadRow[]> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#s}.workloads WHERE dao_id = $1 AND version = $2 ORDER BY workload_id`, [daoId, version])) as Array<
      Record<string, unknown>
    >;
    return rows.map(toWorkloadRow);
  }

  /** A member's workloads of a kind that are not destroyed, of every version of the DAO (member mode: its MPC nodes). */
  async runningWorkloadsOf(daoId: string, owner: string, kind: string): Promise<Array<{ workloadId: string; version: number; name: string }>> {
    return (await this.dataSource.query(
      `SELECT workload_id AS "workloadId", version, name FROM ${this.#s}.workloads WHERE dao_id = $1 AND owner = $2 AND kind = $3 AND status <> 'destroyed' ORDER BY version, workload_id`,
      [daoId, owner, kind],
    )) as Array<{ workloadId: string; version: number; name: string }>;
  }

  /**
   * Carry-over: the running workloads of a DAO's versions before `before` whose registration was
   * written (the version applied at least once), of owners still members there.
   */
  async registeredWorkloadsBefore(m: Queryable, daoId: string, before: number): Promise<WorkloadRow[]> {
    const rows = (await m.query(
      `SELECT w.* FROM ${this.#s}.workloads w JOIN ${this.#s}.versions v ON v.dao_id = w.dao_id AND v.version = w.version
       WHERE w.dao_id = $1 AND w.version < $2 AND w.status = 'active' AND v.applied_revision IS NOT NULL
         AND NOT v.dissolved AND NOT (v.removed_members ? w.owner)
       ORDER BY w.workload_id`,
      [daoId, before],
    )) as Array<Record<string, unknown>>;
    return rows.map(toWorkloadRow);
  }

  /** Carry-over: the known versions of a DAO after `after`, not dissolved. */
  async versionsAfter(m: Queryable, daoId: string, after: number): Promise<DesiredVersion[]> {
    const rows = (await m.query(`SELECT version FROM ${this.#s}.versions WHERE dao_id = $1 AND version > $2 AND NOT dissolved ORDER BY version`, [daoId, after])) as Array<{
      version: number;
    }>;
    const out: DesiredVersion[] = [];
    for (const r of rows) {
      const v = await this.version(daoId, r.version, m);
      if (v) out.push(v);
    }
    return out;
  }

  /** Records a job to enqueue (inside the caller's transaction); a job id already recorded is kept. */
  async addJob(m: Queryable, id: string, data: JobData): Promise<void> {
    await m.query(
      `INSERT INTO ${this.#s}.jobs (id, kind, dao_id, version, data) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (id) DO NOTHING`,
      [id, data.kind, data.daoId, data.version, JSON.stringify(data)],
    );
  }

  async jobsNotEnqueued(): Promise<Array<{ id: string; data: JobData }>> {
    return (await this.dataSource.query(`SELECT id, data FROM ${this.#s}.jobs WHERE enqueued_at IS NULL ORDER BY created_at, id`)) as Array<{ id: string; data: JobData }>;
  }

  /** Jobs handed to the queue that have not finished (succeeded or failed) in our table. */
  async unfinishedJobs(): Promise<Array<{ id: string; data: JobData; attempts: number }>> {
    return (await this.dataSource.query(
      `SELECT id, data, attempts FROM ${this.#s}.jobs WHERE enqueued_at IS NOT NULL AND finished_at IS NULL ORDER BY created_at, id`,
    )) as Array<{ id: string; data: JobData; attempts: number }>;
  }

  async markEnqueued(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE ${this.#s}.jobs SET enqueued_at = now() WHERE id = $1 AND enqueued_at IS NULL`, [id]);
  }

  async updateJob(m: Queryable, id: string, fields: { state?: string; progress?: number; attempts?: number; error?: string | null; finished?: boolean }): Promise<void> {
    await m.query(
      `UPDATE ${this.#s}.jobs SET state = COALESCE($2, state), progress = COALESCE($3, progress), attempts = COALESCE($4, attempts),
         error = CASE WHEN $5::boolean THEN $6 ELSE error END, finished_at = CASE WHEN $7::boolean THEN now() ELSE finished_at END
       WHERE id = $1`,
      [id, fields.state ?? null, fields.progress ?? null, fields.attempts ?? null, fields.error !== undefined, fields.error ?? null, fields.finished ?? false],
    );
  }

  async jobs(limit = 100): Promise<JobRow[]> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#s}.jobs ORDER BY created_at DESC, id LIMIT $1`, [limit])) as Array<Record<string, unknown>>;
    return rows.map(toJob);
  }

  /** The newest jobs of the DAO versions `mspId` is a member of (as VersionCreated listed them). */
  async jobsOfMember(mspId: string, limit = 100): Promise<JobRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT j.* FROM ${this.#s}.jobs j JOIN ${this.#s}.versions v ON v.dao_id = j.dao_id AND v.version = j.version
       WHERE v.members @> jsonb_build_array(jsonb_build_object('mspId', $1::text))
       ORDER BY j.created_at DESC, j.id LIMIT $2`,
      [mspId, limit],
    )) as Array<Record<string, unknown>>;
    return rows.map(toJob);
  }

  async job(id: string): Promise<JobRow | undefined> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#s}.jobs WHERE id = $1`, [id])) as Array<Record<string, unknown>>;
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  async appendLogs(jobId: string, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.dataSource.query(`INSERT INTO ${this.#s}.job_logs (job_id, line) SELECT $1, unnest($2::text[])`, [jobId, [...lines]]);
  }

  async logs(jobId: string, after = 0): Promise<Array<{ seq: number; at: string; line: string }>> {
    const rows = (await this.dataSource.query(`SELECT seq, at, line FROM ${this.#s}.job_logs WHERE job_id = $1 AND seq > $2 ORDER BY seq`, [jobId, after])) as Array<{
      seq: string;
      at: Date;
      line: string;
    }>;
    return rows.map((r) => ({ seq: Number(r.seq), at: new Date(r.at).toISOString(), line: r.line }));
  }

  /** The DAO versions `mspId` is a member of (as VersionCreated listed them). */
  async versionsOfMember(mspId: string): Promise<Array<{ daoId: string; version: number }>> {
    const rows = (await this.dataSource.query(
      `SELECT dao_id, version FROM ${this.#s}.versions WHERE members @> jsonb_build_array(jsonb_build_object('mspId', $1::text))`,
      [mspId],
    )) as Array<{ dao_id: string; version: number | string }>;
    return rows.map((r) => ({ daoId: r.dao_id, version: Number(r.version) }));
  }

  /** The OpenTofu pg backend's states (its own schema) among `workspaces`: their number, or a workspace's serial. */
  async tofuStateCount(backendSchema: string, workspaces: readonly string[]): Promise<number> {
    try {
      const rows = (await this.dataSource.query(`SELECT count(*)::int AS n FROM "${backendSchema}".states WHERE name = ANY($1::text[])`, [[...workspaces]])) as Array<{ n: number }>;
      return rows[0]?.n ?? 0;
    } catch (error) {
      if (/does not exist/.test(String(error))) return 0;
      throw error;
    }
  }

  async tofuStateSerial(backendSchema: string, workspace: string): Promise<number | null> {
    try {
      const rows = (await this.dataSource.query(`SELECT data FROM "${backendSchema}".states WHERE name = $1`, [workspace])) as Array<{ data: string }>;
      if (!rows[0]) return null;
      const serial = (JSON.parse(rows[0].data) as { serial?: number }).serial;
      return typeof serial === 'number' ? serial : null;
    } catch (error) {
      if (/does not exist/.test(String(error))) return null;
      throw error;
    }
  }
}

function toJob(r: Record<string, unknown>): JobRow {
  return {
    id: r['id'] as string,
    kind: r['kind'] as string,
    daoId: r['dao_id'] as string,
    version: r['version'] as number,
    data: r['data'] as JobData,
    state: r['state'] as string,
    progress: r['progress'] as number,
    attempts: r['attempts'] as number,
    error: (r['error'] as string | null) ?? null,
    createdAt: new Date(r['created_at'] as Date).toISOString(),
    finishedAt: r['finished_at'] ? new Date(r['finished_at'] as Date).toISOString() : null,
  };
}
