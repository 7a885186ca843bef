import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createKafka, readKafkaCredentialsFile, readTrafficKeyFile } from '@datawell/config';
import { memberLedgerTopics, memberTopicPrefix } from '@datawell/contracts';
import { domainPaths, domainTrafficKeys, findDomain, kafkaBrokers, MEMBER_SERVICES, memberServiceFiles, osUserFor, processUser, readPid } from '@datawell/stack';
import type { HeartbeatLoop } from '@datawell/workload-runtime';
import { runDomainsOnStack } from '../../src/commands/scenario';
import { registerSelfHostedWorkload, startWorkloadAgent, WorkloadRegistrationError } from '../../src/commands/workload';
import { stackContext } from '../../src/context';
import { memberServicesStatus, stopMemberServices } from '../../src/services/domain-runner';
import { stopServices } from '../../src/services/runner';

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
    await stopServices(ctx);
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

    // The member's sealed events topic, read with its own principal and key, as its services read it.
    const d = findDomain(ctx, member);
    const kafka = createKafka({
      clientId: 'e2e-self-hosted',
      brokers: kafkaBrokers(ctx),
      sasl: readKafkaCredentialsFile(join(domainPaths(ctx.settings, d.name).secrets, 'kafka.json')),
      trafficKeys: [readTrafficKeyFile(domainTrafficKeys(ctx, d).current.file)],
    });
    const consumer = kafka.consumer({ groupId: `${memberTopicPrefix(member)}e2e-${randomBytes(4).toString('hex')}` });
    const recorded = await new Promise<Recorded>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no TelemetryRecorded of ${workloadId} on ${channel} within 180 s (heartbeats sent: ${sent.length})`)), 180_000);
      void (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic: memberLedgerTopics(member).events, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            const event = JSON.parse(String(message.value)) as { data?: { channel?: string; eventName?: string; payload?: Recorded } };
            const p = event.data?.payload;
            if (event.data?.eventName !== 'TelemetryRecorded' || event.data.channel !== channel || !p?.workloads?.some((w) => w.workloadId === workloadId)) return;
            clearTimeout(timer);
            resolve({ ...p, channel });
          },
        });
      })().catch(reject);
    }).finally(() => consumer.disconnect());

    // Recorded by the member itself (its telemetry numbers its snapshots under its MSP id), with a heartbeat the agent sent.
    expect(recorded.recordedBy).toBe(member);
    expect(recorded.snapshotId.startsWith(`${channel}:${member}:`)).toBe(true);
    const w = recorded.workloads.find((x) => x.workloadId === workloadId);
    expect(w?.owner).toBe(member);
    expect(sent).toContain(w?.lastSeq);
  }, 20 * 60_000);
});
