/**
 * It uses the e2e tier's pool of member domains, which one file at a time does. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock pool
 */
import { join } from 'node:path';
import { memberLedgerTopics } from '@datawell/contracts';
import { addDomain, domainPaths, enrollClientIdentity, findDomain, memberServiceUrl, up } from '@datawell/stack';
import { E2E_POOL, runDomainFormation } from '@datawell/testing';
import { stopWorkload } from '@datawell/workload-runtime';
import { REPO_DIR, stackContext } from '../../src/context';
import { startMemberServices } from '../../src/services/domain-runner';
import { serviceUrl, startServices } from '../../src/services/runner';
import { stopOperatorServicesAfterFile } from './operator-services';
import { firstOnMemberTopic, type Envelope, type LedgerEventData } from './member-topics';

const eventOn = <P>(eventName: string, channel: string, match: (payload: P) => boolean) => (v: unknown) => {
  const e = (v as Envelope<LedgerEventData<P>>).data;
  return e?.eventName === eventName && e.channel === channel && e.payload !== undefined && match(e.payload) ? e.payload : undefined;
};

/**
 * Issues 11/13, "an abandonment applies in every channel where the member sits": a DAO in trust domains
 * with managed workloads, version 2 built only for the joiner. Each member's own provisioner carries its
 * version 1 node over to CH_2 (RegisterWorkload as the member), its own telemetry records the node's
 * heartbeats on both channels; when VSP1's node falls silent, each channel abandons VSP1 from its own
 * evidence, on CH_1 and on CH_2.
 */
describe('an abandonment applies in every channel where the member sits', () => {
  const ctx = stackContext();
  // The e2e tier's pool of domains; every event awaited below is of this file's DAO.
  const [dsp, vsp1, vsp2] = [E2E_POOL.dsp, E2E_POOL.vsps[0], E2E_POOL.vsps[1]];
  const all = [dsp, vsp1, vsp2];

  afterAll(async () => {
    // The pool's member services stay up for the next file (starting them took 30-45 s of each file); the
    // tier's end parks the pool, which stops them. So do the operator's (operator-services.ts).
    await stopOperatorServicesAfterFile(ctx);
  });

  it("carries VSP1's version 1 node over to CH_2, records its heartbeats there, and abandons it on CH_1 and CH_2 once silent", async () => {
    const connection = await up(ctx);
    await startServices(ctx, connection, REPO_DIR);
    for (const [mspId, role] of [[dsp, 'DSP'], [vsp1, 'VSP'], [vsp2, 'VSP']] as const) await addDomain(ctx, mspId, role);
    await startMemberServices(ctx, connection, REPO_DIR, all);
    const domainMember = async (mspId: string, role: 'DSP' | 'VSP') => {
      const person = await enrollClientIdentity(ctx, mspId, 'owner');
      return { mspId, role, identity: { mspId, enrollmentId: person.id, certificatePem: person.certificatePem, privateKeyPem: person.privateKeyPem }, bridgeUrl: memberServiceUrl(ctx.settings, findDomain(ctx, mspId), 'ledger-bridge') };
    };
    const formed = await runDomainFormation({
      urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation') },
      members: [await domainMember(dsp, 'DSP'), await domainMember(vsp1, 'VSP')],
      joiners: [await domainMember(vsp2, 'VSP')],
      placement: 'managed',
      provisionerUrls: Object.fromEntries(all.map((m) => [m, memberServiceUrl(ctx.settings, findDomain(ctx, m), 'provisioner')])),
      abandonAfterSeconds: 60,
      progress: (m) => ctx.progress.step('carry-over', m),
    });
    const [ch1, ch2] = [`dao-${formed.daoId}-v1`, `dao-${formed.daoId}-v2`];
    const node = `${formed.daoId}-v1-${vsp1.toLowerCase()}-node`;
    const events = (m: string) => memberLedgerTopics(m).events;

    // Carried over: VSP1's version 1 node registered on CH_2 by VSP1 (its own provisioner, through its own bridge).
    const registered = await firstOnMemberTopic(ctx, dsp, events(dsp), `WorkloadRegistered of ${node} on ${ch2}`, eventOn<{ workloadId: string; owner: string }>('WorkloadRegistered', ch2, (p) => p.workloadId === node), 240_000);
    expect(registered.owner).toBe(vsp1);
    // Its heartbeats recorded on CH_2 too, by VSP1's own telemetry.
    const recorded = await firstOnMemberTopic(ctx, vsp1, events(vsp1), `TelemetryRecorded of ${node} on ${ch2}`, eventOn<{ recordedBy: string; workloads: Array<{ workloadId: string }> }>('TelemetryRecorded', ch2, (p) => p.workloads.some((w) => w.workloadId === node)), 240_000);
    expect(recorded.recordedBy).toBe(vsp1);

    // VSP1's node falls silent (stopped in its domain's provisioner folder; nothing restarts it).
    const dir = join(domainPaths(ctx.settings, findDomain(ctx, vsp1).name).run, 'provisioner', 'workloads', node);
    expect(await stopWorkload(dir)).toBe(true);
    const stoppedAt = Date.now();

    // Each channel abandons VSP1 from its own recorded heartbeats, as the DSP's bridge relays them.
    for (const channel of [ch1, ch2]) {
      const abandoned = await firstOnMemberTopic(ctx, dsp, events(dsp), `MemberAbandoned of ${vsp1} on ${channel}`, eventOn<{ mspId: string; lastHeartbeatMs: number | null; decidedAtMs: number }>('MemberAbandoned', channel, (p) => p.mspId === vsp1), 300_000);
      expect(abandoned.lastHeartbeatMs).toBeGreaterThan(0);
      expect(abandoned.decidedAtMs).toBeGreaterThanOrEqual(stoppedAt);
    }
  }, 30 * 60_000);
});
