import type { DataSource, EntityManager } from 'typeorm';
import type { AgreementMember, Role } from '../sessions/agreement';
import type { PeriodGrid } from '../sessions/period-grid';
import type { InfrastructureSpec } from '../sessions/proposal.schema';

const q = (schema: string) => `"${schema.replace(/"/g, '""')}"`;

export interface DaoVersionView {
  readonly daoId: string;
  readonly version: number;
  readonly status: string;
  /** Members of that version still active in the DAO (not abandoned or exited in any version). */
  readonly activeMembers: readonly AgreementMember[];
}

/** The DAO read model: versions and members from VersionCreated, MemberAbandoned, MemberExited. */
export class DaosRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  async recordVersion(
    manager: EntityManager,
    eventId: string,
    v: { daoId: string; version: number; agreementId: string; members: readonly AgreementMember[]; grid?: PeriodGrid },
  ): Promise<void> {
    const s = q(this.schema);
    // Recorded first from the agreement when a session forms, then from VersionCreated, which alone
    // may know the origin of its periods (its creation): what is learnt later fills what was missing.
    await manager.query(
      `INSERT INTO ${s}.dao_versions (dao_id, version, agreement_id, event_id, period_seconds, period_origin_ms) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (dao_id, version) DO UPDATE SET period_seconds = COALESCE(dao_versions.period_seconds, EXCLUDED.period_seconds),
         period_origin_ms = COALESCE(dao_versions.period_origin_ms, EXCLUDED.period_origin_ms)`,
      [v.daoId, v.version, v.agreementId, eventId, v.grid?.periodSeconds ?? null, v.grid?.originMs ?? null],
    );
    for (const [k, m] of v.members.entries()) {
      await manager.query(
        `INSERT INTO ${s}.dao_members (dao_id, version, msp_id, grp, role, weight, ownership_ppm, ordinal) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (dao_id, version, msp_id) DO NOTHING`,
        [v.daoId, v.version, m.mspId, m.group, m.role, m.weight, m.ownershipPpm, k],
      );
    }
  }

  /** A member abandoned or exited (in the version of `version`); a founding member leaving dissolves that version. */
  async recordDeparture(manager: EntityManager, daoId: string, version: number, mspId: string, status: 'abandoned' | 'exited', dissolved: boolean): Promise<void> {
    const s = q(this.schema);
    await manager.query(`UPDATE ${s}.dao_members SET status = $4 WHERE dao_id = $1 AND version = $2 AND msp_id = $3`, [daoId, version, mspId, status]);
    if (dissolved) await manager.query(`UPDATE ${s}.dao_versions SET status = 'dissolved' WHERE dao_id = $1 AND version = $2`, [daoId, version]);
  }

  async exists(daoId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM ${q(this.schema)}.dao_versions WHERE dao_id = $1 LIMIT 1`, [daoId])) as unknown[];
    return rows.length > 0;
  }

  /** The grid of periods of a DAO's version, if it is a subscription priced per period. */
  async periodGrid(daoId: string, version: number): Promise<PeriodGrid | undefined> {
    const [row] = (await this.dataSource.query(`SELECT period_seconds, period_origin_ms FROM ${q(this.schema)}.dao_versions WHERE dao_id = $1 AND version = $2`, [daoId, version])) as Array<{
      period_seconds: number | null;
      period_origin_ms: string | null;
    }>;
    if (!row || row.period_seconds === null) return undefined;
    return { periodSeconds: row.period_seconds, ...(row.period_origin_ms !== null ? { originMs: Number(row.period_origin_ms) } : {}) };
  }

  /**
   * The workloads of a DAO version's agreement, when this service negotiated it (its session's revision
   * that became the version); undefined otherwise. A later revision of the version's infrastructure (a
   * governance change on its channel) is not known here.
   */
  async agreedWorkloads(daoId: string, version: number): Promise<InfrastructureSpec['workloads'] | undefined> {
    const s = q(this.schema);
    const [row] = (await this.dataSource.query(
      `SELECT r.agreement->'infrastructure'->'workloads' AS workloads FROM ${s}.dao_versions v
         JOIN ${s}.sessions ss ON ss.agreement_id = v.agreement_id
         JOIN ${s}.revisions r ON r.session_id = ss.id AND r.agreement->>'agreementId' = v.agreement_id
        WHERE v.dao_id = $1 AND v.version = $2`,
      [daoId, version],
    )) as Array<{ workloads: InfrastructureSpec['workloads'] | null }>;
    return row?.workloads ?? undefined;
  }

  /** The top version of a DAO and its active members, D first then J1, J2, … */
  async current(daoId: string): Promise<DaoVersionView | undefined> {
    const s = q(this.schema);
    const [top] = (await this.dataSource.query(
      `SELECT version, status FROM ${s}.dao_versions WHERE dao_id = $1 ORDER BY version DESC LIMIT 1`,
      [daoId],
    )) as Array<{ version: number; status: string }>;
    if (!top) return undefined;
    const rows = (await this.dataSource.query(
      `SELECT m.msp_id, m.grp, m.role, m.weight, m.ownership_ppm FROM ${s}.dao_members m
       WHERE m.dao_id = $1 AND m.version = $2
         AND NOT EXISTS (SELECT 1 FROM ${s}.dao_members o WHERE o.dao_id = m.dao_id AND o.msp_id = m.msp_id AND o.status <> 'active')
       ORDER BY CASE WHEN m.grp = 'D' THEN 0 ELSE substring(m.grp from 2)::int END, m.ordinal`,
      [daoId, top.version],
    )) as Array<{ msp_id: string; grp: string; role: Role; weight: string; ownership_ppm: number }>;
    return {
      daoId,
      version: top.version,
      status: top.status,
      activeMembers: rows.map((r) => ({ mspId: r.msp_id, group: r.grp, role: r.role, weight: Number(r.weight), ownershipPpm: r.ownership_ppm })),
    };
  }
}
