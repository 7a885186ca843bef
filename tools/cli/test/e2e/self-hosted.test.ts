import { randomBytes } from 'node:crypto';
import { memberLedgerTopics } from '@datawell/contracts';
import { addDomain, enrollClientIdentity, findDomain, MEMBER_SERVICES, memberServiceFiles, memberServiceUrl, osUserFor, processUser, readPid, up } from '@datawell/stack';
import { runDomainFormation } from '@datawell/testing';
import type { HeartbeatLoop } from '@datawell/workload-runtime';
import { runDomainsOnStack } from '../../src/commands/scenario';
import { registerSelfHostedWorkload, startWorkloadAgent, WorkloadRegistrationError } from '../../src/commands/workload';
import { REPO_DIR, stackContext } from '../../src/context';
import { memberServicesStatus, startMemberServices, stopMemberServices } from '../../src/services/domain-runner';
import { serviceUrl, startServices } from '../../src/services/runner';
import { stopOperatorServicesAfterFile } from './operator-services';
import { firstOnMemberTopic, type Envelope, type LedgerEventData } from './member-topics';

interface Recorded {
  readonly channel: string;
  readonly snapshotId: string;
  readonly recordedBy: string;
  readonly workloads: Array<{ workloadId: string; owner: string; lastSeq: number }>;
}

/**
 * A self-hosted workload in a member's domain (issues "Trust domains" and "self-hosted workloads"):
 * the member registers its key through its own bridge, the agent sends signed heartbeats with the
 * member's Kafka principal to the member's own sealed topic, and the member's own telemetry (a
 * process of the domain's OS user) folds them into a snapshot its own bridge records on the channel,
 * as the member: the chaincode's TelemetryRecorded, relayed to the member's sealed events topic.
 */
describe("a member's self-hosted workload heartbeats to its own telemetry", () => {
  const ctx = stackContext();
  const members = ['ShDspMSP', 'ShVsp1MSP'];
  const member = 'ShVsp1MSP';
  let agent: HeartbeatLoop | undefined;

  afterAll(async () => {
    await agent?.stop();
    await stopMemberServices(ctx, members).catch(() => undefined);
    await stopOperatorServicesAfterFile(ctx);
  });

  it("is recorded on the channel by the member's own telemetry, through its own bridge", async () => {
    const formed = await runDomainsOnStack({ vsps: 1, joiners: 0, orgPrefix: 'Sh' });
    const channel = `dao-${formed.daoId}-v1`;

    // Each domain runs its bridge and its telemetry as its own user.
    expect((await memberServicesStatus(ctx, members)).map((s) => [s.domain, s.name, s.healthy])).toEqual(members.flatMap((m) => MEMBER_SERVICES.map((name) => [m, name, true])));
    for (const m of members) {
      const pid = readPid(memberServiceFiles(ctx.settings, findDomain(ctx, m).name, 'telemetry').pidFile);
      expect(processUser(pid as number)).toBe(osUserFor(m));
    }

    const workloadId = `own-${randomBytes(4).toString('hex')}`;
    const registered = await registerSelfHostedWorkload(ctx, { mspId: member, daoId: formed.daoId, version: 1, workloadId });
    expect(registered).toMatchObject({ channel, workloadId, owner: member, txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The same id again: refused by the chaincode, mapped to a stable code.
    await expect(registerSelfHostedWorkload(ctx, { mspId: member, daoId: formed.daoId, version: 1, workloadId })).rejects.toMatchObject({ status: 409, code: 'WORKLOAD_EXISTS' });
    await expect(registerSelfHostedWorkload(ctx, { mspId: member, daoId: formed.daoId, version: 7, workloadId })).rejects.toBeInstanceOf(WorkloadRegistrationError);

    const sent: number[] = [];
    agent = await startWorkloadAgent(ctx, { mspId: member, daoId: formed.daoId, version: 1, workloadId, intervalMs: 2000, onSent: (hb) => sent.push(hb.seq), log: () => undefined });

    // The chaincode's event, relayed by the member's bridge to its sealed events topic.
    const recorded = await firstOnMemberTopic(ctx, member, memberLedgerTopics(member).events, `TelemetryRecorded of ${workloadId} on ${channel}`, (v) => {
      const e = (v as Envelope<LedgerEventData<Recorded>>).data;
      return e?.eventName === 'TelemetryRecorded' && e.channel === channel && e.payload?.workloads?.some((w) => w.workloadId === workloadId) ? { ...e.payload, channel } : undefined;
    }, 180_000);

    // Recorded by the member itself (its telemetry numbers its snapshots under its MSP id), with a heartbeat the agent sent.
    expect(recorded.recordedBy).toBe(member);
    expect(recorded.snapshotId.startsWith(`${channel}:${member}:`)).toBe(true);
    const w = recorded.workloads.find((x) => x.workloadId === workloadId);
    expect(w?.owner).toBe(member);
    expect(sent).toContain(w?.lastSeq);
  }, 20 * 60_000);

  it("a member whose self-hosted workload falls silent is abandoned at another member's telemetry's request, through that member's bridge", async () => {
    // The same domains, a DAO whose terms abandon after 20 s of silence.
    const connection = await up(ctx);
    await startServices(ctx, connection, REPO_DIR);
    for (const [mspId, role] of [['ShDspMSP', 'DSP'], ['ShVsp1MSP', 'VSP']] as const) await addDomain(ctx, mspId, role);
    await startMemberServices(ctx, connection, REPO_DIR, members);
    const domainMember = async (mspId: string, role: 'DSP' | 'VSP') => {
      const person = await enrollClientIdentity(ctx, mspId, 'owner');
      return { mspId, role, identity: { mspId, enrollmentId: person.id, certificatePem: person.certificatePem, privateKeyPem: person.privateKeyPem }, bridgeUrl: memberServiceUrl(ctx.settings, findDomain(ctx, mspId), 'ledger-bridge') };
    };
    // The marketplace's count of abandonments against the member (its domain is reused across runs of a stack).
    const abandonmentsOf = async (mspId: string) => {
      const response = await fetch(`${serviceUrl(ctx.settings, 'marketplace')}/participants/${mspId}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { reputation: { abandonments: number } }).reputation.abandonments;
    };
    const abandonmentsBefore = await abandonmentsOf(member);
    const formed = await runDomainFormation({
      urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation') },
      members: [await domainMember('ShDspMSP', 'DSP'), await domainMember(member, 'VSP')],
      abandonAfterSeconds: 20,
      progress: (m) => ctx.progress.step('self-hosted', m),
    });
    const channel = `dao-${formed.daoId}-v1`;
    const workloadId = `own-${randomBytes(4).toString('hex')}`;
    await registerSelfHostedWorkload(ctx, { mspId: member, daoId: formed.daoId, version: 1, workloadId });
    const silent = await startWorkloadAgent(ctx, { mspId: member, daoId: formed.daoId, version: 1, workloadId, intervalMs: 2000, log: () => undefined });
    // Its heartbeats reach the ledger through its own telemetry; then it falls silent.
    await firstOnMemberTopic(ctx, member, memberLedgerTopics(member).events, `TelemetryRecorded of ${workloadId}`, (v) => {
      const e = (v as Envelope<LedgerEventData<Recorded>>).data;
      return e?.eventName === 'TelemetryRecorded' && e.channel === channel && e.payload?.workloads?.some((w) => w.workloadId === workloadId) ? true : undefined;
    }, 180_000);
    await silent.stop();
    const stoppedAt = Date.now();

    // The DSP's telemetry asks the chaincode (EvaluateAbandonment as ShDspMSP, through the DSP's bridge), which decides.
    const dsp = 'ShDspMSP';
    const abandoned = await firstOnMemberTopic(ctx, dsp, memberLedgerTopics(dsp).events, `MemberAbandoned of ${member} on ${channel}`, (v) => {
      const e = (v as Envelope<LedgerEventData<{ mspId: string; lastHeartbeatMs: number | null; decidedAtMs: number }>>).data;
      return e?.eventName === 'MemberAbandoned' && e.channel === channel && e.payload?.mspId === member ? e.payload : undefined;
    }, 180_000);
    expect(abandoned.lastHeartbeatMs).toBeGreaterThan(0);
    expect(abandoned.decidedAtMs).toBeGreaterThan(abandoned.lastHeartbeatMs as number);
    expect(abandoned.decidedAtMs).toBeGreaterThanOrEqual(stoppedAt);
    const receipt = await firstOnMemberTopic(ctx, dsp, memberLedgerTopics(dsp).receipts, `the DSP's receipt of its abandonment command`, (v) => {
      const r = (v as Envelope<{ commandId: string; status: string; result?: string }>).data;
      return r?.commandId.startsWith(`telemetry:abandon:${channel}:${member}:`) && r.status === 'committed' && JSON.parse(r.result ?? '{}').abandoned === true ? r : undefined;
    }, 60_000);
    expect(receipt.status).toBe('committed');

    // The co-member's own bridge carries it to the marketplace (ReportAbandonment as ShDspMSP, naming
    // the channel's transaction): the operator holds no identity of theirs to do it.
    const deadline = Date.now() + 120_000;
    let abandonments = await abandonmentsOf(member);
    while (abandonments === abandonmentsBefore && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      abandonments = await abandonmentsOf(member);
    }
    expect(abandonments).toBe(abandonmentsBefore + 1);
  }, 20 * 60_000);
});
