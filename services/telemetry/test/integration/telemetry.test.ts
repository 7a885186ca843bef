import * as grpc from '@grpc/grpc-js';
import { verifyHeartbeatSignature, type SignedHeartbeat } from '@datawell/contracts';
import { ecKey, eventually, hex, sleep, TelemetryHarness } from './harness';

const VSP = 'Vsp1MSP';
const DSP = 'DspMSP';
const pairs = (heartbeats: readonly SignedHeartbeat[]) => heartbeats.map((h) => `${h.workloadId}:${h.seq}`);

describe('telemetry against the real stack (PostgreSQL, Redis, Kafka)', () => {
  const h = new TelemetryHarness();
  let token = '';

  beforeAll(async () => {
    await h.setUp();
    token = await h.login(VSP, 'VSP');
  });
  afterAll(async () => {
    await h.tearDown();
  });

  it('submits exactly the verified heartbeats as RecordTelemetry snapshots as the DSP, keeps the latest in Redis and serves it live', async () => {
    const daoId = `t${hex()}`;
    const channel = await h.version(daoId, { heartbeatIntervalSeconds: 30, abandonAfterSeconds: 3600 });
    const vspKey = ecKey();
    const dspKey = ecKey();
    const stranger = ecKey();
    await h.registerWorkload(channel, 'w-vsp', VSP, vspKey);
    await h.registerWorkload(channel, 'w-dsp', DSP, dspKey);

    await h.heartbeat(daoId, VSP, 'w-vsp', 1, vspKey);
    await h.heartbeat(daoId, VSP, 'w-vsp', 2, vspKey, { metrics: { cpuMilli: 250, memoryMb: 64 } });
    await h.heartbeat(daoId, DSP, 'w-dsp', 7, dspKey);
    // Forged (another key), misattributed (wrong owner), unknown workload, replayed seq: all left out.
    await h.heartbeat(daoId, VSP, 'w-vsp', 3, vspKey, { signWith: stranger });
    await h.heartbeat(daoId, 'Vsp9MSP', 'w-vsp', 4, vspKey);
    await h.heartbeat(daoId, VSP, 'w-ghost', 1, stranger);
    await h.heartbeat(daoId, DSP, 'w-dsp', 7, dspKey);

    const snapshots = await eventually('snapshots with w-vsp:2 and w-dsp:7', () => {
      const all = h.snapshots(channel);
      const seen = all.flatMap((s) => pairs(s.snapshot.heartbeats));
      return seen.includes('w-vsp:2') && seen.includes('w-dsp:7') ? all : undefined;
    });
    await sleep(1500); // a forged or late heartbeat would have been folded by now
    const all = h.snapshots(channel);
    const included = all.flatMap((s) => s.snapshot.heartbeats);
    expect(pairs(included).every((p) => ['w-vsp:1', 'w-vsp:2', 'w-dsp:7'].includes(p))).toBe(true);
    expect(new Set(pairs(included)).size).toBe(included.length);
    for (const hb of included) expect(verifyHeartbeatSignature(hb, hb.workloadId === 'w-vsp' ? vspKey.publicKeyPem : dspKey.publicKeyPem)).toBe(true);
    expect(all.map((s) => s.snapshot.snapshotId)).toEqual(all.map((_, i) => `${channel}:${i + 1}`));
    for (const s of snapshots) {
      expect(s.command).toMatchObject({ channel, chaincode: 'dao', transaction: 'RecordTelemetry', actingMspId: DSP, commandId: `telemetry:record:${s.snapshot.snapshotId}` });
      expect(s.id).toBe(s.command.commandId);
      expect(s.snapshot.heartbeats.length).toBeLessThanOrEqual(1000);
    }

    const latest = await h.redis.hgetall(`${h.redisPrefix}:workload:${channel}:w-vsp`);
    expect(latest).toMatchObject({ seq: '2', owner: VSP, metrics: JSON.stringify({ cpuMilli: 250, memoryMb: 64 }) });

    const list = await h.get('/workloads', token);
    expect(list.status).toBe(200);
    expect(list.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ workloadId: 'w-vsp', owner: VSP, daoId, version: 1, channel, lastSeq: 2, status: 'healthy', metrics: { cpuMilli: 250, memoryMb: 64 } }),
        expect.objectContaining({ workloadId: 'w-dsp', owner: DSP, lastSeq: 7, status: 'healthy' }),
      ]),
    );
    const one = await h.get('/workloads/w-vsp', token);
    expect(one.status).toBe(200);
    expect(one.body.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(typeof one.body.lastHeartbeatAt).toBe('string');
    expect((await h.get('/workloads/w-ghost', token)).body).toEqual({ code: 'WORKLOAD_NOT_FOUND', message: expect.any(String) });
    expect((await h.get('/workloads/w-ghost', token)).status).toBe(404);
    const unknownDao = await h.get('/daos/nosuchdao/telemetry', token);
    expect([unknownDao.status, unknownDao.body.code]).toEqual([404, 'DAO_NOT_FOUND']);
    expect((await h.get('/daos/Bad_Id/telemetry', token)).status).toBe(400);
    // Every dropped heartbeat was counted by its reason.
    const metrics = (await h.get('/metrics')).text;
    const count = (outcome: string) => Number(new RegExp(`datawell_telemetry_heartbeats_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(count('bad-signature')).toBeGreaterThanOrEqual(1);
    expect(count('owner-mismatch')).toBeGreaterThanOrEqual(1);
    expect(count('accepted')).toBeGreaterThanOrEqual(2); // w-vsp:2 and w-dsp:7 at least (w-vsp:1 may be held and then superseded)
    expect(count('held')).toBeGreaterThanOrEqual(1); // w-ghost, until its hold runs out

    // Only members of the DAO's versions see them; nobody unauthenticated does.
    expect((await h.get('/workloads')).status).toBe(401);
    const outsider = await h.login(`Out${hex(2)}MSP`, 'VSP');
    expect((await h.get('/workloads', outsider)).body.map((w: { channel: string }) => w.channel)).not.toContain(channel);
    // To an outsider an existing workload or DAO answers exactly as an unknown one (ids cannot be probed).
    const hidden = await h.get('/workloads/w-vsp', outsider);
    expect([hidden.status, hidden.body]).toEqual([404, { code: 'WORKLOAD_NOT_FOUND', message: 'no workload w-vsp is registered' }]);
    const ghost = await h.get('/workloads/w-ghost', outsider);
    expect([ghost.status, ghost.body]).toEqual([404, { code: 'WORKLOAD_NOT_FOUND', message: 'no workload w-ghost is registered' }]);
    const hiddenDao = await h.get(`/daos/${daoId}/telemetry`, outsider);
    expect([hiddenDao.status, hiddenDao.body]).toEqual([404, { code: 'DAO_NOT_FOUND', message: `no version of DAO ${daoId} is known` }]);
    expect((await h.get('/daos/nosuchdao/telemetry', outsider)).body).toEqual({ code: 'DAO_NOT_FOUND', message: 'no version of DAO nosuchdao is known' });

    // The ledger records the first snapshot; a later one fails: neither holds up newer heartbeats.
    const [first, ...rest] = all;
    await h.receipt({ commandId: first!.command.commandId, status: 'committed', transactionId: 'tx1', blockNumber: '9', result: '' });
    await h.ledgerEvent(channel, 'TelemetryRecorded', {
      snapshotId: first!.snapshot.snapshotId,
      recordedBy: DSP,
      heartbeats: first!.snapshot.heartbeats.length,
      workloads: first!.snapshot.heartbeats.map((hb) => ({ workloadId: hb.workloadId, owner: hb.workloadId === 'w-vsp' ? VSP : DSP, lastSeq: hb.seq, lastHeartbeatMs: hb.timestamp })),
    });
    for (const s of rest) await h.receipt({ commandId: s.command.commandId, status: 'failed', transactionId: null, blockNumber: null, errorCode: 'CONFLICT', errorMessage: 'test' });
    const dao = await eventually('the receipts and the recorded snapshot in the DAO view', async () => {
      const res = await h.get(`/daos/${daoId}/telemetry`, token);
      const v = res.body.versions?.[0];
      const recorded = v?.members.reduce((n: number, m: { recordedSnapshots: number }) => n + m.recordedSnapshots, 0);
      return v && v.snapshots.committed === 1 && v.snapshots.failed === rest.length && recorded > 0 ? res.body : undefined;
    });
    expect(dao.versions[0]).toMatchObject({ version: 1, channel, status: 'active', heartbeatIntervalSeconds: 30, abandonAfterSeconds: 3600 });
    const firstOwners = new Set(first!.snapshot.heartbeats.map((hb) => (hb.workloadId === 'w-vsp' ? VSP : DSP)));
    for (const m of dao.versions[0].members) {
      expect(m).toMatchObject({ status: 'active', abandoned: false, workloads: 1, recordedSnapshots: firstOwners.has(m.mspId) ? 1 : 0 });
      expect(typeof m.lastHeartbeatAt).toBe('string');
    }

    await h.heartbeat(daoId, VSP, 'w-vsp', 10, vspKey);
    await eventually('a new snapshot with w-vsp:10', () => h.snapshots(channel).some((s) => pairs(s.snapshot.heartbeats).includes('w-vsp:10')) || undefined);
    expect(h.snapshots(channel).map((s) => s.snapshot.snapshotId)).toEqual(h.snapshots(channel).map((_, i) => `${channel}:${i + 1}`));
  });

  it('serves GetWorkload and GetDaoTelemetry over gRPC to members, authenticated by a bearer token in the metadata', async () => {
    const daoId = `g${hex()}`;
    const channel = await h.version(daoId, { heartbeatIntervalSeconds: 30, abandonAfterSeconds: 3600 });
    const key = ecKey();
    await h.registerWorkload(channel, 'w-grpc', VSP, key);
    await h.heartbeat(daoId, VSP, 'w-grpc', 1, key, { metrics: { cpuMilli: 42 } });
    await eventually('w-grpc live', async () => ((await h.get('/workloads/w-grpc', token)).body.lastSeq === 1 ? true : undefined));
    const outsider = await h.login(`Out${hex(2)}MSP`, 'VSP');
    const { call, close } = h.grpcClient();
    try {
      const workload = await call('GetWorkload', { workload_id: 'w-grpc' }, token);
      expect(workload).toMatchObject({ workload_id: 'w-grpc', owner: VSP, dao_id: daoId, version: 1, channel, last_seq: 1, status: 'healthy', metrics: { cpuMilli: 42 } });
      expect(typeof workload['last_heartbeat_at']).toBe('string');
      const dao = await call('GetDaoTelemetry', { dao_id: daoId }, token);
      expect(dao).toMatchObject({ dao_id: daoId, versions: [expect.objectContaining({ version: 1, channel, status: 'active', heartbeat_interval_seconds: 30, abandon_after_seconds: 3600 })] });
      const members = (dao['versions'] as Array<{ members: Array<Record<string, unknown>> }>)[0]!.members;
      expect(members.map((m) => [m['msp_id'], m['group'], m['status'], m['workloads']]).sort()).toEqual([
        [DSP, 'D', 'active', 0],
        [VSP, 'J1', 'active', 1],
      ]);

      await expect(call('GetWorkload', { workload_id: 'w-grpc' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      await expect(call('GetDaoTelemetry', { dao_id: daoId }, 'forged.token')).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
      // An outsider: NOT_FOUND, as for an unknown id.
      await expect(call('GetWorkload', { workload_id: 'w-grpc' }, outsider)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call('GetDaoTelemetry', { dao_id: daoId }, outsider)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call('GetWorkload', { workload_id: 'w-nowhere' }, token)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call('GetDaoTelemetry', { dao_id: 'nosuchdao' }, token)).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(call('GetDaoTelemetry', { dao_id: 'Bad_Id' }, token)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      await expect(call('GetWorkload', {}, token)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    } finally {
      close();
    }
  });

  it('holds a heartbeat that arrives before its workload is registered, and records it once registered', async () => {
    const daoId = `t${hex()}`;
    const channel = await h.version(daoId, { heartbeatIntervalSeconds: 30, abandonAfterSeconds: 3600 });
    const key = ecKey();
    await h.heartbeat(daoId, VSP, 'w-early', 1, key);
    await sleep(1500);
    expect(h.snapshots(channel)).toEqual([]);
    expect(await h.redis.zcard(`${h.redisPrefix}:early`)).toBeGreaterThanOrEqual(1);
    await h.registerWorkload(channel, 'w-early', VSP, key);
    const [snapshot] = await eventually('the early heartbeat recorded', () => (h.snapshots(channel).length > 0 ? h.snapshots(channel) : undefined));
    expect(pairs(snapshot!.snapshot.heartbeats)).toEqual(['w-early:1']);
  });

  it('asks the chaincode to evaluate a member silent past abandon-after, as the DSP, once per period, and stops once it is abandoned', async () => {
    const daoId = `t${hex()}`;
    const channel = await h.version(daoId, { heartbeatIntervalSeconds: 1, abandonAfterSeconds: 3 });
    const vspKey = ecKey();
    const dspKey = ecKey();
    await h.registerWorkload(channel, 'w-silent', VSP, vspKey);
    await h.registerWorkload(channel, 'w-alive', DSP, dspKey);
    await h.heartbeat(daoId, VSP, 'w-silent', 1, vspKey);
    let seq = 0;
    let alive = true;
    const keepAlive = (async () => {
      while (alive) {
        await h.heartbeat(daoId, DSP, 'w-alive', ++seq, dspKey);
        await sleep(500);
      }
    })();
    try {
      const [evaluation] = await eventually('an EvaluateAbandonment command', () => (h.evaluations(channel).length > 0 ? h.evaluations(channel) : undefined), 30_000);
      expect(evaluation!.command).toMatchObject({ channel, chaincode: 'dao', transaction: 'EvaluateAbandonment', arguments: [VSP], actingMspId: DSP });
      const silent = await h.get('/workloads/w-silent', token);
      expect(silent.body.status).toBe('silent');
      // Within the same abandon-after period, no second request for the same silence.
      await sleep(1500);
      const ids = h.evaluations(channel).map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(h.evaluations(channel).every((e) => e.command.arguments[0] === VSP)).toBe(true);

      await h.ledgerEvent(channel, 'MemberAbandoned', { mspId: VSP, group: 'J1', role: 'VSP', lastHeartbeatMs: null, deadlineMs: 1, decidedAtMs: Date.now(), levelEnded: true, dissolved: false });
      await eventually('the abandonment in the live view', async () => {
        const res = await h.get('/workloads/w-silent', token);
        return res.body.status === 'abandoned' || undefined;
      });
      const dao = await h.get(`/daos/${daoId}/telemetry`, token);
      expect(dao.body.versions[0].members).toEqual(
        expect.arrayContaining([expect.objectContaining({ mspId: VSP, abandoned: true, status: 'abandoned' }), expect.objectContaining({ mspId: DSP, abandoned: false })]),
      );
      const before = h.evaluations(channel).length;
      await sleep(4000); // more than abandon-after: an active member would have been asked about again
      expect(h.evaluations(channel).length).toBe(before);
      expect(h.evaluations(channel).some((e) => e.command.arguments[0] === DSP)).toBe(false);
    } finally {
      alive = false;
      await keepAlive;
    }
  });

  it("asks the chaincode, as the DSP, to end the joining group's contract once the version's term has run, once, and records the receipt", async () => {
    const DAY = 86_400_000;
    const ended = await h.version(`t${hex()}`, { heartbeatIntervalSeconds: 60, abandonAfterSeconds: 3600 }, { createdAtMs: Date.now() - DAY - 5000, contractEndsAtMs: Date.now() - 5000 });
    const running = await h.version(`t${hex()}`, { heartbeatIntervalSeconds: 60, abandonAfterSeconds: 3600 }, { createdAtMs: Date.now(), contractEndsAtMs: Date.now() + DAY });
    const [request] = await eventually('an EvaluateContractEnd command', () => (h.contractEnds(ended).length > 0 ? h.contractEnds(ended) : undefined), 30_000);
    expect(request!.command).toMatchObject({ channel: ended, chaincode: 'dao', transaction: 'EvaluateContractEnd', arguments: [VSP], actingMspId: DSP });
    await sleep(1500); // several folds: the same request is not made again within the retry period
    expect(h.contractEnds(ended)).toHaveLength(1);
    expect(h.contractEnds(running)).toEqual([]);
    await h.receipt({ commandId: request!.command.commandId, status: 'committed', transactionId: `tx${hex(8)}`, blockNumber: '7', result: '{}' });
    const rows = await eventually('the receipt applied', async () => {
      const r = (await h.query(`SELECT status FROM "${h.schema}".contract_end_requests WHERE command_id = $1`, [request!.command.commandId])) as Array<{ status: string }>;
      return r[0]?.status === 'committed' ? r : undefined;
    });
    expect(rows).toEqual([{ status: 'committed' }]);
    await h.ledgerEvent(ended, 'MemberExited', { mspId: VSP, group: 'J1', role: 'VSP', exitedAtMs: Date.now(), reason: 'contract-ended', levelEnded: true, dissolved: false });
    const dao = await eventually('the contract end in the live view', async () => {
      const res = await h.get(`/daos/${ended.replace(/^dao-(.*)-v1$/, '$1')}/telemetry`, token);
      return res.body.versions?.[0]?.members?.some((m: { mspId: string; status: string }) => m.mspId === VSP && m.status === 'exited') ? res.body : undefined;
    });
    expect(dao.versions[0].members).toEqual(expect.arrayContaining([expect.objectContaining({ mspId: DSP, status: 'active' })]));
  });

  it('loses nothing and submits nothing twice across a restart, nor after a crash between the snapshot and the Redis clean-up', async () => {
    const daoId = `t${hex()}`;
    const channel = await h.version(daoId, { heartbeatIntervalSeconds: 30, abandonAfterSeconds: 3600 });
    const key = ecKey();
    await h.registerWorkload(channel, 'w-r', VSP, key);
    const sent: SignedHeartbeat[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      sent.push(await h.heartbeat(daoId, VSP, 'w-r', seq, key));
      await sleep(150);
    }
    await eventually('a first snapshot', () => h.snapshots(channel).length > 0 || undefined);
    await h.stop();
    for (let seq = 6; seq <= 10; seq++) sent.push(await h.heartbeat(daoId, VSP, 'w-r', seq, key)); // while it is down
    await h.start();
    for (let seq = 11; seq <= 15; seq++) {
      sent.push(await h.heartbeat(daoId, VSP, 'w-r', seq, key));
      await sleep(150);
    }
    await eventually('the last heartbeat in a snapshot', () => h.snapshots(channel).some((s) => pairs(s.snapshot.heartbeats).includes('w-r:15')) || undefined);

    // A crash after the snapshot committed but before Redis forgot its heartbeat leaves it pending.
    const recorded = sent.find((hb) => hb.seq === 15)!;
    await h.redis.hset(`${h.redisPrefix}:pending:${channel}`, 'w-r', JSON.stringify(recorded));
    await h.redis.sadd(`${h.redisPrefix}:pending-channels`, channel);
    await eventually('the stale pending heartbeat cleared', async () => (await h.redis.hlen(`${h.redisPrefix}:pending:${channel}`)) === 0 || undefined);
    await sleep(1000);

    const snapshots = h.snapshots(channel);
    const ids = snapshots.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(snapshots.map((s) => s.snapshot.snapshotId)).toEqual(snapshots.map((_, i) => `${channel}:${i + 1}`));
    const seqs = snapshots.flatMap((s) => s.snapshot.heartbeats.map((hb) => hb.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs[seqs.length - 1]).toBe(15);
    for (const s of snapshots) for (const hb of s.snapshot.heartbeats) expect(hb).toEqual(sent[hb.seq - 1]);
  });
});
