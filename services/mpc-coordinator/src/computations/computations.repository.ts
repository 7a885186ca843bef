import type { NodePin } from './node-client.adapter';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestSignature } from '@datawell/mpc';
import type { DaoVersionView, VersionMember } from './authorization';
import { planLedgerNodes, type LedgerNodesUpdate, type RegisteredNode } from '../ledger/ledger-nodes';
import { membersAfterTransfer, publicVersionMembers, type PublicVersionUpdate, type ReadModelUpdate } from '../ledger/read-model';

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
  /** `member`: registered by its member (PUT); `ledger`: reported by the provisioner (InfrastructureProvisioned). */
  readonly source: 'member' | 'ledger';
  /** The provisioner's workload, for a ledger-registered node. */
  readonly workloadId?: string;
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

/** What applying a report of MPC nodes did: nodes registered (and whose went), or why nothing changed. */
export type LedgerNodesOutcome =
  | { readonly registered: number; readonly dropped: readonly string[]; readonly evicted: readonly string[] }
  | { readonly skipped: string };

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
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#s}.dao_versions WHERE dao_id = $1 AND version = $2`, [daoId, version])) as Array<{
      dao_id: string;
      version: number;
      channel: string;
      members: VersionMember[];
      computations: DaoVersionView['computations'] | null;
      source: 'channel' | 'directory';
    }>;
    const r = rows[0];
    return r && { daoId: r.dao_id, version: r.version, channel: r.channel, members: r.members, computations: r.computations ?? [], source: r.source };
  }

  /**
   * Applies one read-model update inside the caller's transaction (with the inbox claim). A report
   * of MPC nodes that cannot be applied changes nothing and says why (`skipped`).
   */
  async apply(manager: EntityManager, update: ReadModelUpdate): Promise<LedgerNodesOutcome | undefined> {
    if (update.kind === 'ledger-nodes') return this.#applyLedgerNodes(manager, update);
    if (update.kind === 'public-version') return this.#applyPublicVersion(manager, update);
    if (update.kind === 'version') {
      const v = update.version;
      // A member who already left an earlier version is not active in a later one either.
      const left = (await manager.query(
        `SELECT m->>'mspId' AS msp, m->>'status' AS status FROM ${this.#s}.dao_versions, jsonb_array_elements(members) m
          WHERE dao_id = $1 AND version < $2 AND source = 'channel' AND m->>'status' <> 'active'`,
        [v.daoId, v.version],
      )) as Array<{ msp: string; status: VersionMember['status'] }>;
      const members = v.members.map((m) => ({ ...m, status: left.find((l) => l.msp === m.mspId)?.status ?? m.status }));
      await manager.query(
        // The channel's view wins over a public entry of the same version (DaoPublished).
        `INSERT INTO ${this.#s}.dao_versions (dao_id, version, channel, members, computations, source) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, 'channel')
         ON CONFLICT (dao_id, version) DO UPDATE SET channel = EXCLUDED.channel, members = EXCLUDED.members, computations = EXCLUDED.computations, source = 'channel', updated_at = now()`,
        [v.daoId, v.version, v.channel, JSON.stringify(members), JSON.stringify(v.computations)],
      );
      return undefined;
    }
    if (update.kind === 'member-transferred' || update.kind === 'terms') {
      // One version's channel: each records its own transfer and its own terms.
      const rows = (await manager.query(`SELECT members FROM ${this.#s}.dao_versions WHERE dao_id = $1 AND version = $2 FOR UPDATE`, [update.daoId, update.version])) as Array<{ members: VersionMember[] }>;
      const row = rows[0];
      if (!row) return undefined;
      const members = update.kind === 'member-transferred' ? membersAfterTransfer(row.members, update.from, update.to) : row.members;
      const computations = update.computations;
      await manager.query(
        `UPDATE ${this.#s}.dao_versions SET members = $3::jsonb, computations = COALESCE($4::jsonb, computations), updated_at = now() WHERE dao_id = $1 AND version = $2`,
        [update.daoId, update.version, JSON.stringify(members), computations ? JSON.stringify(computations) : null],
      );
      return undefined;
    }
    const rows = (await manager.query(`SELECT version, members FROM ${this.#s}.dao_versions WHERE dao_id = $1 AND version >= $2 FOR UPDATE`, [
      update.daoId,
      update.fromVersion,
    ])) as Array<{ version: number; members: VersionMember[] }>;
    for (const r of rows) {
      const members = r.members.map((m) => (m.mspId === update.mspId ? { ...m, status: update.status } : m));
      await manager.query(`UPDATE ${this.#s}.dao_versions SET members = $3::jsonb, updated_at = now() WHERE dao_id = $1 AND version = $2`, [
        update.daoId,
        r.version,
        JSON.stringify(members),
      ]);
    }
    return undefined;
  }

  /**
   * A public version from the directory (DaoPublished): its listed members active (or, once dissolved,
   * every member inactive), no terms. A version known from its channel is left as it is.
   */
  async #applyPublicVersion(manager: EntityManager, update: PublicVersionUpdate): Promise<LedgerNodesOutcome | undefined> {
    const rows = (await manager.query(`SELECT source, members FROM ${this.#s}.dao_versions WHERE dao_id = $1 AND version = $2 FOR UPDATE`, [update.daoId, update.version])) as Array<{
      source: 'channel' | 'directory';
      members: VersionMember[];
    }>;
    const next = publicVersionMembers(rows[0], update);
    if ('skipped' in next) return next;
    await manager.query(
      `INSERT INTO ${this.#s}.dao_versions (dao_id, version, channel, members, computations, source) VALUES ($1, $2, $3, $4::jsonb, NULL, 'directory')
       ON CONFLICT (dao_id, version) DO UPDATE SET channel = EXCLUDED.channel, members = EXCLUDED.members, updated_at = now() WHERE ${this.#s}.dao_versions.source = 'directory'`,
      [update.daoId, update.version, update.channel, JSON.stringify(next.members)],
    );
    return undefined;
  }

  /** A report's nodes replace the version's ledger-registered ones (planLedgerNodes), all or nothing. */
  async #applyLedgerNodes(manager: EntityManager, update: LedgerNodesUpdate): Promise<LedgerNodesOutcome> {
    const versions = (await manager.query(`SELECT dao_id, version, channel, members, computations, nodes_revision FROM ${this.#s}.dao_versions WHERE dao_id = $1 AND version = $2 FOR UPDATE`, [
      update.daoId,
      update.version,
    ])) as Array<{ dao_id: string; version: number; channel: string; members: VersionMember[]; computations: DaoVersionView['computations'] | null; nodes_revision: number | null }>;
    const v = versions[0];
    if (!v) return { skipped: `no VersionCreated of ${update.daoId} version ${update.version} is known` };
    if (v.nodes_revision !== null && update.revision < v.nodes_revision) {
      return { skipped: `infrastructure revision ${update.revision} is older than the registered nodes' revision ${v.nodes_revision}` };
    }
    const current = (await manager.query(
      `SELECT msp_id, party_index, control_url, source, triples, squares, masks, checked_at FROM ${this.#s}.mpc_nodes WHERE dao_id = $1 AND version = $2 FOR UPDATE`,
      [update.daoId, update.version],
    )) as Array<{ msp_id: string; party_index: number; control_url: string; source: RegisteredNode['source']; triples: string | null; squares: string | null; masks: number[] | null; checked_at: Date | null }>;
    const view: DaoVersionView = { daoId: v.dao_id, version: v.version, channel: v.channel, members: v.members, computations: v.computations ?? [] };
    const plan = planLedgerNodes(
      view,
      current.map((c) => ({ mspId: c.msp_id, partyIndex: c.party_index, controlUrl: c.control_url, source: c.source })),
      update,
    );
    if ('problem' in plan) return { skipped: plan.problem };
    if (plan.remove.length > 0) {
      await manager.query(`DELETE FROM ${this.#s}.mpc_nodes WHERE dao_id = $1 AND version = $2 AND msp_id = ANY($3::text[])`, [update.daoId, update.version, [...plan.remove]]);
    }
    for (const n of plan.insert) {
      const old = n.keepInventory ? current.find((c) => c.msp_id === n.mspId) : undefined;
      await manager.query(
        `INSERT INTO ${this.#s}.mpc_nodes (dao_id, version, msp_id, party_index, control_url, source, workload_id, triples, squares, masks, checked_at, certificate_pem, ca_certificate_pem)
         VALUES ($1, $2, $3, $4, $5, 'ledger', $6, $7, $8, $9::jsonb, $10, $11, $12)`,
        [
          update.daoId,
          update.version,
          n.mspId,
          n.partyIndex,
          n.controlUrl,
          n.workloadId,
          old?.triples ?? null,
          old?.squares ?? null,
          old?.masks ? JSON.stringify(old.masks) : null,
          old?.checked_at ?? null,
          n.pin?.certificatePem ?? null,
          n.pin?.caCertificatePem ?? null,
        ],
      );
      await this.#dropEarlierRegistrations(manager, update.daoId, update.version, n.mspId, n.controlUrl);
    }
    await manager.query(`UPDATE ${this.#s}.dao_versions SET nodes_revision = $3, updated_at = now() WHERE dao_id = $1 AND version = $2`, [update.daoId, update.version, update.revision]);
    return { registered: plan.insert.length, dropped: plan.dropped, evicted: plan.evicted };
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
          `INSERT INTO ${this.#s}.mpc_nodes (dao_id, version, msp_id, party_index, control_url, source, certificate_pem, ca_certificate_pem) VALUES ($1, $2, $3, $4, $5, 'member', $6, $7)
           ON CONFLICT (dao_id, version, msp_id) DO UPDATE SET party_index = EXCLUDED.party_index, control_url = EXCLUDED.control_url, source = 'member', workload_id = NULL,
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
      source: NodeRecord['source'];
      workload_id: string | null;
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
      source: r.source,
      ...(r.workload_id !== null ? { workloadId: r.workload_id } : {}),
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

  /** Completed with the digest its recipients' nodes agreed on (the result went to their own bridges; `result` stays NULL). */
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
