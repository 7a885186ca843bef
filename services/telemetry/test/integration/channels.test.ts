import { daoChannelName } from '@datawell/contracts';
import { ecKey, eventually, hex, sleep, TelemetryHarness } from './harness';

const DSP = 'DspMSP';
const VSP1 = 'Vsp1MSP';
const VSP2 = 'Vsp2MSP';

/**
 * A DAO with two versions, one channel each: version 2's members are version 1's and a joiner, so the
 * DSP and VSP1 sit in both channels and their version 1 workloads are registered on CH_2 too
 * (carry-over, as the provisioner does it). Heartbeats name version 1; each channel records them and
 * judges silence from its own evidence.
 */
describe('telemetry on every channel where a member sits (real PostgreSQL, Redis, Kafka)', () => {
  const h = new TelemetryHarness();

  beforeAll(async () => {
    await h.setUp();
  });
  afterAll(async () => {
    await h.tearDown();
  });

  it('records a heartbeat on every channel where its workload is registered, and asks about a silent member on CH_1 and CH_2 alike', async () => {
    const daoId = `t${hex()}`;
    // Silence of 8 s makes a member a candidate: the heartbeating members beat every 0.5 s, and a busy
    // machine (the CI's integration and e2e tiers at once, load 15-20) delayed their beats past the 3 s
    // this test once allowed, so they were asked about too.
    const terms = { heartbeatIntervalSeconds: 1, abandonAfterSeconds: 8 };
    const ch1 = await h.version(daoId, terms);
    const ch2 = daoChannelName(daoId, 2);
    await h.ledgerEvent(ch2, 'VersionCreated', {
      daoId,
      version: 2,
      agreementId: `agr-${daoId}-2`,
      betaPpm: 800_000,
      members: [
        { mspId: DSP, group: 'D', role: 'DSP', weight: 1, ownershipPpm: 700_000 },
        { mspId: VSP1, group: 'J1', role: 'VSP', weight: 1, ownershipPpm: 200_000 },
        { mspId: VSP2, group: 'J2', role: 'VSP', weight: 1, ownershipPpm: 100_000 },
      ],
      terms: { durationDays: 1, businessModel: 'pay-per-use', exitNoticeSeconds: 0, computations: [], ...terms },
    });
    const [dspKey, vsp1Key, vsp2Key] = [ecKey(), ecKey(), ecKey()];
    const register = (channel: string, version: number, workloadId: string, owner: string, key: { publicKeyPem: string }) =>
      h.ledgerEvent(channel, 'WorkloadRegistered', { workloadId, owner, keyType: 'ec-p256', publicKeyPem: key.publicKeyPem, daoId, version });
    await register(ch1, 1, 'w-dsp', DSP, dspKey);
    await register(ch1, 1, 'w-vsp1', VSP1, vsp1Key);
    // Carried over: the same ids and keys on CH_2; the joiner's own workload on CH_2 only.
    await register(ch2, 2, 'w-dsp', DSP, dspKey);
    await register(ch2, 2, 'w-vsp1', VSP1, vsp1Key);
    await register(ch2, 2, 'w-vsp2', VSP2, vsp2Key);
    await eventually('the registrations known', async () => ((await h.query(`SELECT 1 FROM "${h.schema}".workloads`)).length === 5 ? true : undefined));

    // The DSP's node heartbeats once and falls silent; VSP1's and the joiner's keep heartbeating.
    const dspBeat = await h.heartbeat(daoId, DSP, 'w-dsp', 1, dspKey);
    let seq = 0;
    let alive = true;
    const keepAlive = (async () => {
      while (alive) {
        seq += 1;
        await h.heartbeat(daoId, VSP1, 'w-vsp1', seq, vsp1Key);
        await h.heartbeat(daoId, VSP2, 'w-vsp2', seq, vsp2Key, { version: 2 });
        await sleep(500);
      }
    })();
    try {
      const recorded = (channel: string) => h.snapshots(channel).flatMap((s) => s.snapshot.heartbeats);
      await eventually('heartbeats recorded on both channels', () =>
        recorded(ch1).some((b) => b.workloadId === 'w-dsp') && recorded(ch2).some((b) => b.workloadId === 'w-dsp') && recorded(ch2).some((b) => b.workloadId === 'w-vsp2') || undefined,
      );
      // The same signed heartbeat on each channel, under snapshot and command ids of each channel's own.
      expect(recorded(ch1).find((b) => b.workloadId === 'w-dsp')).toEqual(dspBeat);
      expect(recorded(ch2).find((b) => b.workloadId === 'w-dsp')).toEqual(dspBeat);
      expect(recorded(ch1).some((b) => b.workloadId === 'w-vsp1') && recorded(ch2).some((b) => b.workloadId === 'w-vsp1')).toBe(true);
      expect(recorded(ch1).some((b) => b.workloadId === 'w-vsp2')).toBe(false);
      const ids = [...h.snapshots(ch1), ...h.snapshots(ch2)].map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(h.snapshots(ch2).every((s) => s.snapshot.snapshotId.startsWith(`${ch2}:`))).toBe(true);

      // The silent DSP is put to the chaincode on both channels, each from its own recorded silence.
      await eventually('EvaluateAbandonment on CH_1 and CH_2', () => (h.evaluations(ch1).length > 0 && h.evaluations(ch2).length > 0) || undefined, 60_000);
      for (const channel of [ch1, ch2]) {
        expect(h.evaluations(channel)[0]!.command).toMatchObject({ channel, chaincode: 'dao', transaction: 'EvaluateAbandonment', arguments: [DSP], actingMspId: DSP });
      }
      expect(h.evaluations(ch1)[0]!.id).not.toBe(h.evaluations(ch2)[0]!.id);

      // Abandoned on CH_1 only: CH_2 decides on its own and goes on asking until it abandons the DSP too.
      await h.ledgerEvent(ch1, 'MemberAbandoned', { mspId: DSP, group: 'D', role: 'DSP', lastHeartbeatMs: dspBeat.timestamp, deadlineMs: 1, decidedAtMs: Date.now(), levelEnded: false, dissolved: false });
      await eventually('the abandonment on CH_1 known', async () =>
        (await h.query(`SELECT 1 FROM "${h.schema}".members WHERE channel = $1 AND msp_id = $2 AND status = 'abandoned'`, [ch1, DSP])).length === 1 || undefined,
      );
      const asked = h.evaluations(ch2).length;
      await eventually('CH_2 asks again in a later period', () => h.evaluations(ch2).length > asked || undefined, 60_000);
      await h.ledgerEvent(ch2, 'MemberAbandoned', { mspId: DSP, group: 'D', role: 'DSP', lastHeartbeatMs: dspBeat.timestamp, deadlineMs: 1, decidedAtMs: Date.now(), levelEnded: false, dissolved: false });
      await eventually('the abandonment on CH_2 known', async () =>
        (await h.query(`SELECT 1 FROM "${h.schema}".members WHERE channel = $1 AND msp_id = $2 AND status = 'abandoned'`, [ch2, DSP])).length === 1 || undefined,
      );
      // Members heartbeating are never put to the chaincode, on either channel.
      expect([...h.evaluations(ch1), ...h.evaluations(ch2)].every((e) => e.command.arguments[0] === DSP)).toBe(true);
    } finally {
      alive = false;
      await keepAlive;
    }
  });
});
