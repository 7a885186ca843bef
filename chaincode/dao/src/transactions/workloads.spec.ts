import { DSP, OUTSIDER, START_MS, VSP1, ecKeys, edKeys, initialised, json, signedHeartbeat } from '../fixtures.spec-helper';

const s = JSON.stringify;

describe('DaoContract workloads and signed telemetry', () => {
  it('registers workloads with P-256 or Ed25519 keys of the calling member, and refuses other keys, duplicates and outsiders', async () => {
    const { ledger, dao } = await initialised(1);
    const ec = ecKeys();
    const w = json(await ledger.submit(VSP1, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-ec', publicKeyPem: ec.publicKeyPem }))));
    expect(w).toMatchObject({ workloadId: 'w-ec', owner: VSP1, keyType: 'ec-p256' });
    expect(ledger.lastEvent()).toMatchObject({ name: 'WorkloadRegistered', payload: { workloadId: 'w-ec', owner: VSP1, keyType: 'ec-p256', publicKeyPem: ec.publicKeyPem, daoId: 'acme', version: 1 } });
    expect(json(await ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-ed', publicKeyPem: edKeys().publicKeyPem }))))['keyType']).toBe('ed25519');
    await expect(ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-ec', publicKeyPem: ec.publicKeyPem })))).rejects.toThrow(/^CONFLICT: workload w-ec/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-x', publicKeyPem: ec.publicKeyPem })))).rejects.toThrow(/^FORBIDDEN/);
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-rsa', publicKeyPem: rsa })))).rejects.toThrow(/^INVALID_ARGUMENT: workload\.publicKeyPem: rsa keys are not accepted/);
    const secp = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-k1', publicKeyPem: secp })))).rejects.toThrow(/ec keys are not accepted/);
    await expect(ledger.submit(DSP, (ctx) => dao.RegisterWorkload(ctx, s({ workloadId: 'w-bad', publicKeyPem: 'hello' })))).rejects.toThrow(/^INVALID_ARGUMENT: workload\.publicKeyPem: must be a PEM public key/);
  });

  async function withWorkloads() {
    const setup = await initialised(1);
    const ec = ecKeys();
    const ed = edKeys();
    await setup.ledger.submit(VSP1, (ctx) => setup.dao.RegisterWorkload(ctx, s({ workloadId: 'w-vsp', publicKeyPem: ec.publicKeyPem })));
    await setup.ledger.submit(DSP, (ctx) => setup.dao.RegisterWorkload(ctx, s({ workloadId: 'w-dsp', publicKeyPem: ed.publicKeyPem })));
    return { ...setup, ec, ed };
  }

  it('verifies every signature and records the latest heartbeat per workload and member', async () => {
    const { ledger, dao, ec, ed } = await withWorkloads();
    ledger.timeMs = START_MS + 120_000;
    const snapshot = { snapshotId: 'snap-1', heartbeats: [signedHeartbeat(ec, 'w-vsp', 1, START_MS + 60_000), signedHeartbeat(ec, 'w-vsp', 2, START_MS + 90_000), signedHeartbeat(ed, 'w-dsp', 7, START_MS + 100_000)] };
    await ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s(snapshot)));
    expect(ledger.lastEvent()).toMatchObject({ name: 'TelemetryRecorded', payload: { snapshotId: 'snap-1', heartbeats: 3, recordedBy: DSP } });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetWorkload(ctx, 'w-vsp')))).toMatchObject({ lastSeq: 2, lastHeartbeatMs: START_MS + 90_000 });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, VSP1)))).toMatchObject({ lastHeartbeatMs: START_MS + 90_000 });
    expect(json(await ledger.evaluate(DSP, (ctx) => dao.GetMember(ctx, DSP)))).toMatchObject({ lastHeartbeatMs: START_MS + 100_000 });
  });

  it('rejects the whole snapshot for one tampered, unknown, replayed or future heartbeat, writing nothing', async () => {
    const { ledger, dao, ec } = await withWorkloads();
    ledger.timeMs = START_MS + 120_000;
    const good = signedHeartbeat(ec, 'w-vsp', 1, START_MS + 60_000);
    const tampered = { ...signedHeartbeat(ec, 'w-vsp', 2, START_MS + 61_000), metrics: { cpuMillis: 9999 } };
    const before = ledger.dump();
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [good, tampered] })))).rejects.toThrow(
      /^INVALID_ARGUMENT: snapshot\.heartbeats\.1: signature does not verify with the key of workload w-vsp/,
    );
    const wrongKey = { ...signedHeartbeat(ecKeys(), 'w-vsp', 3, START_MS) };
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [wrongKey] })))).rejects.toThrow(/signature does not verify/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [good, signedHeartbeat(ec, 'w-ghost', 1, START_MS)] })))).rejects.toThrow(
      /^NOT_FOUND: snapshot\.heartbeats\.1: unknown workload w-ghost/,
    );
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [signedHeartbeat(ec, 'w-vsp', 1, START_MS + 20 * 60_000)] })))).rejects.toThrow(
      /^INVALID_ARGUMENT: .*is ahead of the transaction time/,
    );
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [{ ...good, seq: 1.5 }] })))).rejects.toThrow(/^INVALID_ARGUMENT: snapshot\.heartbeats\.0\.seq/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [] })))).rejects.toThrow(/needs at least one heartbeat/);
    await expect(ledger.submit(OUTSIDER, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's', heartbeats: [good] })))).rejects.toThrow(/^FORBIDDEN/);
    expect(ledger.dump()).toEqual(before);
    await ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's1', heartbeats: [good] })));
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's2', heartbeats: [good] })))).rejects.toThrow(/^CONFLICT: snapshot\.heartbeats\.0: seq 1 of workload w-vsp is not after 1/);
    await expect(ledger.submit(DSP, (ctx) => dao.RecordTelemetry(ctx, s({ snapshotId: 's1', heartbeats: [signedHeartbeat(ec, 'w-vsp', 5, START_MS)] })))).rejects.toThrow(/^CONFLICT: snapshot s1/);
  });
});
