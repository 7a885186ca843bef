import type { LedgerReceipt } from '@datawell/contracts';
import { writeOutbox, type OutboxMessage } from '@datawell/messaging';
import type { DataSource, EntityManager } from 'typeorm';
import type { MemberView, VersionView, WorkloadView } from './model';
import type { Projection } from './ledger-projection';

type Row = Record<string, unknown>;
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toVersion(r: Row): VersionView {
  return {
    channel: r['channel'] as string,
    daoId: r['dao_id'] as string,
    version: num(r['version']),
    heartbeatIntervalSeconds: num(r['heartbeat_interval_seconds']),
    abandonAfterSeconds: num(r['abandon_after_seconds']),
    createdAtMs: num(r['created_at_ms']),
    contractEndsAtMs: numOrNull(r['contract_ends_at_ms']),
    status: r['status'] as VersionView['status'],
  };
}

function toMember(r: Row): MemberView {
  return {
    channel: r['channel'] as string,
    mspId: r['msp_id'] as string,
    group: r['group_name'] as string,
    role: r['role'] as string,
    position: num(r['position']),
    status: r['status'] as MemberView['status'],
    recordedSnapshots: num(r['recorded_snapshots']),
    lastRecordedHeartbeatMs: numOrNull(r['last_recorded_heartbeat_ms']),
    expectedWorkloads: numOrNull(r['expected_workloads']),
    expectedSinceMs: numOrNull(r['expected_since_ms']),
  };
}

function toWorkload(r: Row): WorkloadView {
  return {
    channel: r['channel'] as string,
    workloadId: r['workload_id'] as string,
    daoId: r['dao_id'] as string,
    version: num(r['version']),
    owner: r['owner'] as string,
    keyType: (r['key_type'] as string | null) ?? null,
    publicKeyPem: (r['public_key_pem'] as string | null) ?? null,
    registeredAtMs: num(r['registered_at_ms']),
    snapshotSeq: numOrNull(r['snapshot_seq']),
    recordedSeq: numOrNull(r['recorded_seq']),
    recordedHeartbeatMs: numOrNull(r['recorded_heartbeat_ms']),
  };
}

export interface SnapshotRecord {
  readonly snapshotId: string;
  readonly channel: string;
  readonly foldSeq: number;
  readonly commandId: string;
  readonly heartbeatCount: number;
  readonly status: 'submitted' | 'committed' | 'failed';
}

/** PostgreSQL: the read models built from ledger events, snapshots and abandonment requests. */
export class TelemetryRepository {
  readonly #t: (table: string) => string;

  constructor(
    readonly dataSource: DataSource,
    readonly schema: string,
  ) {
    this.#t = (table) => `"${schema.replace(/"/g, '""')}".${table}`;
  }

  /** Applies one event's projections inside the caller's (inbox) transaction. */
  async apply(manager: EntityManager, projection: Projection): Promise<void> {
    const t = this.#t;
    switch (projection.kind) {
      case 'version-created': {
        const p = projection;
        await manager.query(
          `INSERT INTO ${t('versions')} (channel, dao_id, version, heartbeat_interval_seconds, abandon_after_seconds, created_at_ms, contract_ends_at_ms, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'active') ON CONFLICT (channel) DO NOTHING`,
          [p.channel, p.daoId, p.version, p.heartbeatIntervalSeconds, p.abandonAfterSeconds, p.createdAtMs, p.contractEndsAtMs],
        );
        for (const [position, m] of p.members.entries()) {
          const expected = p.expectedWorkloads ? (p.expectedWorkloads[m.mspId] ?? 0) : null;
          await manager.query(
            `INSERT INTO ${t('members')} (channel, msp_id, group_name, role, position, status, expected_workloads, expected_since_ms)
             VALUES ($1, $2, $3, $4, $5, 'active', $6, $7) ON CONFLICT (channel, msp_id) DO NOTHING`,
            [p.channel, m.mspId, m.group, m.role, position, expected, expected ? p.createdAtMs : null],
          );
        }
        return;
      }
      case 'workload-registered': {
        const p = projection;
        await manager.query(
          `INSERT INTO ${t('workloads')} (channel, workload_id, dao_id, version, owner, key_type, public_key_pem, registered_at_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (channel, workload_id) DO UPDATE SET
             key_type = COALESCE(EXCLUDED.key_type, ${t('workloads')}.key_type),
             public_key_pem = COALESCE(EXCLUDED.public_key_pem, ${t('workloads')}.public_key_pem)`,
          [p.channel, p.workloadId, p.daoId, p.version, p.owner, p.keyType, p.publicKeyPem, p.registeredAtMs],
        );
        return;
      }
      case 'member-ended': {
        const p = projection;
        await manager.query(`UPDATE ${t('members')} SET status = $3, ended_at_ms = $4 WHERE channel = $1 AND msp_id = $2`, [
          p.channel,
          p.mspId,
          p.status,
          p.endedAtMs,
        ]);
        if (p.dissolved) await manager.query(`UPDATE ${t('versions')} SET status = 'dissolved' WHERE channel = $1`, [p.channel]);
        return;
      }
      case 'telemetry-recorded': {
        const p = projection;
        const latestByOwner = new Map<string, number>();
        for (const w of p.workloads) {
          await manager.query(
            `UPDATE ${t('workloads')} SET recorded_seq = GREATEST(COALESCE(recorded_seq, -1), $3),
               recorded_heartbeat_ms = GREATEST(COALESCE(recorded_heartbeat_ms, 0), $4)
             WHERE channel = $1 AND workload_id = $2`,
            [p.channel, w.workloadId, w.lastSeq, w.lastHeartbeatMs],
          );
          latestByOwner.set(w.owner, Math.max(latestByOwner.get(w.owner) ?? 0, w.lastHeartbeatMs));
        }
        for (const [owner, latest] of latestByOwner) {
          await manager.query(
            `UPDATE ${t('members')} SET recorded_snapshots = recorded_snapshots + 1,
               last_recorded_heartbeat_ms = GREATEST(COALESCE(last_recorded_heartbeat_ms, 0), $3)
             WHERE channel = $1 AND msp_id = $2`,
            [p.channel, owner, latest],
          );
        }
        await manager.query(`UPDATE ${t('snapshots')} SET status = 'committed', updated_at = now() WHERE snapshot_id = $1 AND status <> 'committed'`, [
          p.snapshotId,
        ]);
        return;
      }
      case 'terms-changed':
        await manager.query(
          `UPDATE ${t('versions')} SET heartbeat_interval_seconds = $2, abandon_after_seconds = $3,
             contract_ends_at_ms = CASE WHEN $4::integer IS NULL THEN contract_ends_at_ms ELSE created_at_ms + $4::bigint * 86400000 END
           WHERE channel = $1`,
          [projection.channel, projection.heartbeatIntervalSeconds, projection.abandonAfterSeconds, projection.durationDays ?? null],
        );
        return;
      case 'dissolved':
        await manager.query(`UPDATE ${t('versions')} SET status = 'dissolved' WHERE channel = $1`, [projection.channel]);
        return;
      case 'infrastructure-changed': {
        // A member the spec names for the first time is expected from the decision on, not from the
        // version's creation: its workloads are built (or set up by itself) only now.
        const count = `COALESCE(($2::jsonb ->> msp_id)::integer, 0)`;
        await manager.query(
          `UPDATE ${t('members')} SET
             expected_since_ms = CASE WHEN ${count} > 0 AND COALESCE(expected_workloads, 0) = 0 THEN $3 ELSE expected_since_ms END,
             expected_workloads = ${count}
           WHERE channel = $1`,
          [projection.channel, JSON.stringify(projection.expectedWorkloads), projection.atMs],
        );
        return;
      }
    }
  }

  /** Marks the snapshot or abandonment request a receipt answers; false when the command is not ours. */
  async applyReceipt(manager: EntityManager, receipt: LedgerReceipt): Promise<boolean> {
    const failed = receipt.status === 'failed';
    const code = failed ? receipt.errorCode : null;
    const message = failed ? receipt.errorMessage : null;
    const snapshots = (await manager.query(
      `UPDATE ${this.#t('snapshots')} SET status = CASE WHEN status = 'committed' THEN status ELSE $2 END,
         error_code = $3, error_message = $4, updated_at = now()
       WHERE command_id = $1 RETURNING snapshot_id`,
      [receipt.commandId, receipt.status, code, message],
    )) as [unknown[], number];
    const requests = (await manager.query(
      `UPDATE ${this.#t('abandonment_requests')} SET status = $2, error_code = $3, updated_at = now() WHERE command_id = $1 RETURNING command_id`,
      [receipt.commandId, receipt.status, code],
    )) as [unknown[], number];
    const contractEnds = (await manager.query(
      `UPDATE ${this.#t('contract_end_requests')} SET status = $2, error_code = $3, updated_at = now() WHERE command_id = $1 RETURNING command_id`,
      [receipt.commandId, receipt.status, code],
    )) as [unknown[], number];
    return snapshots[1] > 0 || requests[1] > 0 || contractEnds[1] > 0;
  }

  async version(channel: string): Promise<VersionView | undefined> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#t('versions')} WHERE channel = $1`, [channel])) as Row[];
    return rows[0] ? toVersion(rows[0]) : undefined;
  }

  async versions(daoId?: string): Promise<VersionView[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.#t('versions')} ${daoId === undefined ? '' : 'WHERE dao_id = $1'} ORDER BY dao_id, version`,
      daoId === undefined ? [] : [daoId],
    )) as Row[];
    return rows.map(toVersion);
  }

  async members(channels?: readonly string[]): Promise<MemberView[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.#t('members')} ${channels ? 'WHERE channel = ANY($1::text[])' : ''} ORDER BY channel, position`,
      channels ? [[...channels]] : [],
    )) as Row[];
    return rows.map(toMember);
  }

  /** The channels whose version lists `mspId` as a member (whatever its status now). */
  async channelsOf(mspId: string): Promise<Set<string>> {
    const rows = (await this.dataSource.query(`SELECT channel FROM ${this.#t('members')} WHERE msp_id = $1`, [mspId])) as Array<{ channel: string }>;
    return new Set(rows.map((r) => r.channel));
  }

  async member(channel: string, mspId: string): Promise<MemberView | undefined> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#t('members')} WHERE channel = $1 AND msp_id = $2`, [channel, mspId])) as Row[];
    return rows[0] ? toMember(rows[0]) : undefined;
  }

  async workload(channel: string, workloadId: string): Promise<WorkloadView | undefined> {
    const rows = (await this.dataSource.query(`SELECT * FROM ${this.#t('workloads')} WHERE channel = $1 AND workload_id = $2`, [
      channel,
      workloadId,
    ])) as Row[];
    return rows[0] ? toWorkload(rows[0]) : undefined;
  }

  /** Every workload, or those of some channels, or those with one id (on any channel, newest version first). */
  async workloads(filter: { channels?: readonly string[]; workloadId?: string } = {}): Promise<WorkloadView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.channels) {
      params.push([...filter.channels]);
      where.push(`channel = ANY($${params.length}::text[])`);
    }
    if (filter.workloadId !== undefined) {
      params.push(filter.workloadId);
      where.push(`workload_id = $${params.length}`);
    }
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.#t('workloads')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY dao_id, version DESC, workload_id`,
      params,
    )) as Row[];
    return rows.map(toWorkload);
  }

  async snapshots(channels: readonly string[]): Promise<SnapshotRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT snapshot_id, channel, fold_seq, command_id, jsonb_array_length(heartbeats) AS n, status
       FROM ${this.#t('snapshots')} WHERE channel = ANY($1::text[]) ORDER BY channel, fold_seq`,
      [[...channels]],
    )) as Row[];
    return rows.map((r) => ({
      snapshotId: r['snapshot_id'] as string,
      channel: r['channel'] as string,
      foldSeq: num(r['fold_seq']),
      commandId: r['command_id'] as string,
      heartbeatCount: num(r['n']),
      status: r['status'] as SnapshotRecord['status'],
    }));
  }

  /**
   * Runs `fold` for one channel inside a transaction holding the channel's fold lock, with the
   * channel's workloads and next fold sequence as committed; `fold` writes through the manager.
   */
  async withChannelFold<T>(
    channel: string,
    fold: (ctx: { manager: EntityManager; workloads: Map<string, WorkloadView>; nextFoldSeq: number }) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`datawell.telemetry.fold.${this.schema}.${channel}`]);
      const [{ next }] = (await manager.query(`SELECT COALESCE(MAX(fold_seq), 0) + 1 AS next FROM ${this.#t('snapshots')} WHERE channel = $1`, [
        channel,
      ])) as [{ next: number | string }];
      const rows = (await manager.query(`SELECT * FROM ${this.#t('workloads')} WHERE channel = $1`, [channel])) as Row[];
      const workloads = new Map(rows.map(toWorkload).map((w) => [w.workloadId, w]));
      return fold({ manager, workloads, nextFoldSeq: Number(next) });
    });
  }

  /** Records a planned snapshot, the workloads' snapshot seqs and its ledger command, together. */
  async insertSnapshot(
    manager: EntityManager,
    snapshot: { snapshotId: string; channel: string; foldSeq: number; commandId: string; heartbeats: ReadonlyArray<{ workloadId: string; seq: number }> },
    message: OutboxMessage,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.#t('snapshots')} (snapshot_id, channel, fold_seq, command_id, heartbeats, status) VALUES ($1, $2, $3, $4, $5::jsonb, 'submitted')`,
      [snapshot.snapshotId, snapshot.channel, snapshot.foldSeq, snapshot.commandId, JSON.stringify(snapshot.heartbeats)],
    );
    for (const hb of snapshot.heartbeats) {
      await manager.query(
        `UPDATE ${this.#t('workloads')} SET snapshot_seq = GREATEST(COALESCE(snapshot_seq, -1), $3) WHERE channel = $1 AND workload_id = $2`,
        [snapshot.channel, hb.workloadId, hb.seq],
      );
    }
    await writeOutbox(manager, this.schema, [message]);
  }

  /** Records an abandonment request and its command once per command id; resolves whether it was new. */
  insertAbandonmentRequest(candidate: { commandId: string; channel: string; mspId: string; sinceMs: number; windowIndex: number }, message: OutboxMessage): Promise<boolean> {
    return this.#insertRequest('abandonment_requests', { since_ms: candidate.sinceMs, window_index: candidate.windowIndex }, candidate, message);
  }

  /** Records a contract-end evaluation request and its command once per command id; resolves whether it was new. */
  insertContractEndRequest(candidate: { commandId: string; channel: string; mspId: string; contractEndsAtMs: number; attempt: number }, message: OutboxMessage): Promise<boolean> {
    return this.#insertRequest('contract_end_requests', { contract_ends_at_ms: candidate.contractEndsAtMs, attempt: candidate.attempt }, candidate, message);
  }

  /** A request row (status submitted) and its command in one transaction, unless the command id is known. */
  #insertRequest(table: string, extra: Record<string, number>, candidate: { commandId: string; channel: string; mspId: string }, message: OutboxMessage): Promise<boolean> {
    const columns = ['command_id', 'channel', 'msp_id', ...Object.keys(extra)];
    const values = [candidate.commandId, candidate.channel, candidate.mspId, ...Object.values(extra)];
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `INSERT INTO ${this.#t(table)} (${columns.join(', ')}, status)
         VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}, 'submitted') ON CONFLICT (command_id) DO NOTHING RETURNING command_id`,
        values,
      )) as unknown[];
      if (rows.length === 0) return false;
      await writeOutbox(manager, this.schema, [message]);
      return true;
    });
  }
}
