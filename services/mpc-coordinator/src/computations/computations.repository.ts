import type { NodePin } from './node-client.adapter';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestSignature } from '@datawell/mpc';
import type { DaoVersionView, VersionMember } from './authorization';
import { publicVersionMembers, type PublicVersionUpdate } from '../ledger/read-model';

export type ComputationStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface ComputationRecord {
  readonly id: string;
  readonly daoId: string;
  readonly version: number;
  readonly computation: string;
  readonly requester: string;
  /** The enrolled identity (certificate CN) of the requester that asked, when known. */
  readonly requesterEnrollmentId?: string;
  /** The requester's signature of the request, passed on to the nodes in the op's ledger part. */
  readonly request?: RequestSignature;
  readonly recipients: readonly string[];
  readonly owner: string;
  readonly parameters: { readonly columns: readonly string[]; readonly fractionalBits: number; readonly precision?: string };
  readonly dataset: { readonly name: string };
  readonly status: ComputationStatus;
  readonly progress: number;
  readonly members?: readonly string[];
  readonly rows?: number;
  /** The digest of its result: the result itself went to its recipients' own bridges, never here. */
  readonly resultDigest?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NodeRecord {
  readonly mspId: string;
  readonly partyIndex: number;
  readonly controlUrl: string;
  /** Who registered it: always its member (PUT), the only way a node is registered. */
  readonly source: 'member';
  /** A node its member runs in its own domain: its certificates as the member reported them, pinned. */
  readonly pin?: NodePin;
  readonly inventory?: { readonly triples: number; readonly squares: number; readonly masks: readonly number[]; readonly checkedAt: string };
}

interface ComputationRow {
  id: string;
  dao_id: string;
  version: number;
  computation: string;
  requester: string;
  requester_enrollment_id: string | null;
  signed_request: RequestSignature | null;
  recipients: string[];
  owner: string;
  parameters: ComputationRecord['parameters'];
  dataset: ComputationRecord['dataset'];
  status: ComputationStatus;
  progress: number;
  members: string[] | null;
  rows: number | null;
  result_digest: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
}

function toRecord(r: ComputationRow): ComputationRecord {
  return {
    id: r.id,
    daoId: r.dao_id,
    version: r.version,
    computation: r.computation,
    requester: r.requester,
    ...(r.requester_enrollment_id ? { requesterEnrollmentId: r.requester_enrollment_id } : {}),
    ...(r.signed_request ? { request: r.signed_request } : {}),
    recipients: r.recipients,
    owner: r.owner,
    parameters: r.parameters,
    dataset: r.dataset,
    status: r.status,
    progress: r.progress,
    ...(r.members ? { members: r.members } : {}),
    ...(r.rows !== null ? { rows: r.rows } : {}),
    ...(r.result_digest ? { resultDigest: r.result_digest } : {}),
    ...(r.error_code ? { error: { code: r.error_code, message: r.error_message ?? '' } } : {}),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** PostgreSQL access of the coordinator (its schema only). */
export class CoordinatorRepository {
  readonly #s: string;

  constructor(
    readonly dataSource: DataSource,
    readonly schema: string,
  ) {
    this.#s = `"${schema.replace(/"/g, '""')}"`;
  }

  async version(daoId: string, version: number): Promise<DaoVersionView | undefined> {
    const rows = (await this.dataSource.query(`SELECT dao_id, version, channel, members FROM ${this.#s}.dao_versions WHERE dao_id = $1 AND version = $2`, [daoId, version])) as Array<{
      dao_id: string;
      version: number;
      channel: string;
      members: VersionMember[];
    }>;
    const r = rows[0];
    return r && { daoId: r.dao_id, version: r.version, channel: r.channel, members: r.members };
  }

  /**
   * A public version from the directory (DaoPublished), inside the caller's transaction (with the
   * inbox claim): its listed members active (or, once dissolved, every member inactive). An entry that
   * changes nothing says why (`skipped`).
   */
  async applyPublicVersion(manager: EntityManager, update: PublicVersionUpdate): Promise<{ readonly skipped: string } | undefined> {
    const rows = (await manager.query(`SELECT members FROM ${this.#s}.dao_versions WHERE dao_id = $1 AND version = $2 FOR UPDATE`, [update.daoId, update.version])) as Array<{
      members: VersionMember[];
    }>;
    const next = publicVersionMembers(rows[0], update);
    if ('skipped' in next) return next;
    await manager.query(
      `INSERT INTO ${this.#s}.dao_versions (dao_id, version, channel, members) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (dao_id, version) DO UPDATE SET channel = EXCLUDED.channel, members = EXCLUDED.members, updated_at = now()`,
      [update.daoId, update.version, update.channel, JSON.stringify(next.members)],
    );
    return undefined;
  }

  /**
   * One node per member per DAO, shared by its versions: a node registered for a version is no longer
   * an earlier version's (its mesh is the later version's now), so its registrations there go, and the
   * earlier version has no complete mesh to schedule or top up.
   */
  async #dropEarlierRegistrations(m: Pick<EntityManager, 'query'>, daoId: string, version: number, mspId: string, controlUrl: string): Promise<void> {
    await m.query(`DELETE FROM ${this.#s}.mpc_nodes WHERE dao_id = $1 AND version < $2 AND msp_id = $3 AND control_url = $4`, [daoId, version, mspId, controlUrl]);
  }

  /** The latest version of a DAO after `version` with registered nodes, or undefined (the version was not superseded). */
  async laterMeshVersion(daoId: string, version: number): Promise<number | undefined> {
    const rows = (await this.dataSource.query(`SELECT max(version) AS v FROM ${this.#s}.mpc_nodes WHERE dao_id = $1 AND version > $2`, [daoId, version])) as Array<{ v: number | null }>;
    return rows[0]?.v ?? undefined;
  }

  /** A member's own registration of its node (PUT), with its pin when it gave its certificate. */
  async registerNode(daoId: string, version: number, mspId: string, partyIndex: number, controlUrl: string, pin?: NodePin): Promise<'registered' | 'index-taken'> {
    try {
      await this.dataSource.transaction(async (m) => {
        await m.query(
          `INSERT INTO ${this.#s}.mpc_nodes (dao_id, version, msp_id, party_index, control_url, certificate_pem, ca_certificate_pem) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (dao_id, version, msp_id) DO UPDATE SET party_index = EXCLUDED.party_index, control_url = EXCLUDED.control_url,
             certificate_pem = EXCLUDED.certificate_pem, ca_certificate_pem = EXCLUDED.ca_certificate_pem, registered_at = now()`,
          [daoId, version, mspId, partyIndex, controlUrl, pin?.certificatePem ?? null, pin?.caCertificatePem ?? null],
        );
        await this.#dropEarlierRegistrations(m, daoId, version, mspId, controlUrl);
      });
      return 'registered';
    } catch (error) {
      if ((error as { code?: string }).code === '23505') return 'index-taken';
      throw error;
    }
  }

  async nodes(daoId: string, version: number): Promise<NodeRecord[]> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#s}.mpc_nodes WHERE dao_id = $1 AND version = $2 ORDER BY party_index`, [daoId, version])) as Array<{
      msp_id: string;
      party_index: number;
      control_url: string;
      triples: string | null;
      squares: string | null;
      masks: number[] | null;
      checked_at: Date | null;
      certificate_pem: string | null;
      ca_certificate_pem: string | null;
    }>;
    return rows.map((r) => ({
      mspId: r.msp_id,
      partyIndex: r.party_index,
      controlUrl: r.control_url,
      source: 'member' as const,
      ...(r.certificate_pem !== null && r.ca_certificate_pem !== null ? { pin: { certificatePem: r.certificate_pem, caCertificatePem: r.ca_certificate_pem } } : {}),
      ...(r.checked_at
        ? { inventory: { triples: Number(r.triples), squares: Number(r.squares), masks: r.masks ?? [], checkedAt: r.checked_at.toISOString() } }
        : {}),
    }));
  }

  /** Versions with at least two registered nodes: candidates for preprocessing top-ups. */
  async meshes(): Promise<Array<{ daoId: string; version: number }>> {
    const rows = (await this.dataSource.query(
      `SELECT dao_id, version FROM ${this.#s}.mpc_nodes GROUP BY dao_id, version HAVING count(*) >= 2 ORDER BY dao_id, version`,
    )) as Array<{ dao_id: string; version: number }>;
    return rows.map((r) => ({ daoId: r.dao_id, version: r.version }));
  }

  async recordInventory(daoId: string, version: number, mspId: string, inv: { triples: number; squares: number; masks: readonly number[] }): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.#s}.mpc_nodes SET triples = $4, squares = $5, masks = $6::jsonb, checked_at = now() WHERE dao_id = $1 AND version = $2 AND msp_id = $3`,
      [daoId, version, mspId, inv.triples, inv.squares, JSON.stringify(inv.masks)],
    );
  }

  /** Inserts a new computation; false when the id exists (a retried request). */
  async insert(c: Omit<ComputationRecord, 'status' | 'progress' | 'createdAt' | 'updatedAt'>): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO ${this.#s}.computations (id, dao_id, version, computation, requester, recipients, owner, parameters, dataset, status, requester_enrollment_id, signed_request)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9::jsonb, 'queued', $10, $11::jsonb) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [c.id, c.daoId, c.version, c.computation, c.requester, JSON.stringify(c.recipients), c.owner, JSON.stringify(c.parameters), JSON.stringify(c.dataset), c.requesterEnrollmentId ?? null, c.request ? JSON.stringify(c.request) : null],
    )) as unknown[];
    return rows.length > 0;
  }

  async get(id: string): Promise<ComputationRecord | undefined> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#s}.computations WHERE id = $1`, [id])) as ComputationRow[];
    return rows[0] && toRecord(rows[0]);
  }

  async markRunning(id: string, progress: number, members?: readonly string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.#s}.computations SET status = 'running', progress = $2, members = COALESCE($3::jsonb, members), updated_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, progress, members ? JSON.stringify(members) : null],
    );
  }

  /** Completed with the digest its recipients' nodes agreed on (the result went to their own bridges, never here). */
  async complete(id: string, rows: number, digest: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.#s}.computations SET status = 'completed', progress = 100, rows = $2, result_digest = $3, updated_at = now() WHERE id = $1`,
      [id, rows, digest],
    );
  }

  /** Marks the computation failed. */
  async fail(id: string, code: string, message: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.#s}.computations SET status = 'failed', error_code = $2, error_message = $3, updated_at = now() WHERE id = $1 AND status <> 'completed'`,
      [id, code, message.slice(0, 1000)],
    );
  }
}
