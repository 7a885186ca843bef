/**
 * It restarts the operator's services every other file uses: it runs alone. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock exclusive
 */
import { allocateLevel } from '@datawell/domain';
import { addDomain, up, type MemberServiceName } from '@datawell/stack';
import { call, E2E_POOL, login, runLifecycle, type LifecycleStage } from '@datawell/testing';
import { lifecycleMemberOnStack } from '../../src/commands/scenario';
import { REPO_DIR, stackContext } from '../../src/context';
import { restartMemberService, startMemberServices } from '../../src/services/domain-runner';
import type { ServiceName } from '@datawell/contracts';
import { restartService, serviceUrl, startServices } from '../../src/services/runner';
import { stopOperatorServicesAfterFile } from './operator-services';

/**
 * The whole life cycle with every participant in its own trust domain, through the services running
 * as processes, as `./dev up` runs them. At every stage a service is stopped (SIGTERM) and started
 * again, the operator's and the members' own; the outcome must be what the economics say, with
 * nothing lost, failed or applied twice.
 */
describe('the DAO life cycle end to end, every participant in its own domain', () => {
  const ctx = stackContext();
  // The e2e tier's pool of domains; the offers, workloads and jobs checked below are this file's DAO's.
  const [dsp, vsp1, vsp2] = [E2E_POOL.dsp, E2E_POOL.vsps[0], E2E_POOL.vsps[1]];
  const all = [dsp, vsp1, vsp2];
  type Restart = ServiceName | { domain: string; service: MemberServiceName };
  const restarts: Record<LifecycleStage, Restart[]> = {
    onboarded: ['marketplace'],
    formed: ['negotiation', 'ledger-bridge', { domain: dsp, service: 'ledger-bridge' }],
    joined: [{ domain: vsp2, service: 'provisioner' }],
    provisioned: [{ domain: dsp, service: 'telemetry' }, { domain: vsp1, service: 'provisioner' }],
    abandoned: ['marketplace', { domain: dsp, service: 'ledger-bridge' }],
  };

  afterAll(async () => {
    // The pool's member services stay up for the next file (starting them took 30-45 s of each file); the
    // tier's end parks the pool, which stops them. So do the operator's (operator-services.ts).
    await stopOperatorServicesAfterFile(ctx);
  });

  it('posts offers, forms, grows, provisions, watches, abandons and pays out, surviving restarts of the services', async () => {
    const connection = await up(ctx);
    await startServices(ctx, connection, REPO_DIR);
    for (const [mspId, role] of [[dsp, 'DSP'], [vsp1, 'VSP'], [vsp2, 'VSP']] as const) await addDomain(ctx, mspId, role);
    await startMemberServices(ctx, connection, REPO_DIR, all);
    const member = (mspId: string, role: 'DSP' | 'VSP') => lifecycleMemberOnStack(ctx, { mspId, role });
    const members = { dsp: await member(dsp, 'DSP'), vsp1: await member(vsp1, 'VSP'), vsp2: await member(vsp2, 'VSP') };
    const restarted: string[] = [];
    const result = await runLifecycle({
      urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation') },
      members,
      revenue: 1_000_000n,
      // The founders' workloads are MPC nodes of one mesh: their heartbeats come from the nodes themselves, sealed to their members' topics.
      mpc: { mpcMesh: true },
      progress: (m) => ctx.progress.step('lifecycle-e2e', m),
      between: async (stage) => {
        for (const r of restarts[stage]) {
          if (typeof r === 'string') await restartService(ctx, connection, REPO_DIR, r);
          else await restartMemberService(ctx, connection, REPO_DIR, r.domain, r.service);
          restarted.push(typeof r === 'string' ? r : `${r.service}@${r.domain}`);
        }
      },
    });
    expect(restarted).toEqual(['marketplace', 'negotiation', 'ledger-bridge', `ledger-bridge@${dsp}`, `provisioner@${vsp2}`, `telemetry@${dsp}`, `provisioner@${vsp1}`, 'marketplace', `ledger-bridge@${dsp}`]);

    expect(result.versions).toEqual([
      { version: 1, channel: `dao-${result.daoId}-v1`, members: [dsp, vsp1] },
      { version: 2, channel: `dao-${result.daoId}-v2`, members: [dsp, vsp1, vsp2] },
    ]);
    // Each offer posted by its owner's own bridge, and the marketplace (restarted) lists each as its owner's.
    expect(result.offers.map((o) => [o.owner, o.kind])).toEqual([[dsp, 'data'], [vsp1, 'value'], [vsp2, 'value']]);
    for (const o of result.offers) {
      const listed = await call<{ owner: { mspId: string }; status: string }>(`${serviceUrl(ctx.settings, 'marketplace')}/offers/${o.offerId}`);
      expect([listed.owner.mspId, listed.status]).toEqual([o.owner, 'open']);
    }
    expect(result.abandoned).toEqual([vsp1]);
    // VSP_1 abandoned: its level keeps nothing of new revenue (β_1 counts as 1).
    const top = allocateLevel(1_000_000n, 750_000);
    const ch1 = allocateLevel(top.rest, 1_000_000);
    expect(ch1.share).toBe(0n);
    expect(result.payouts).toEqual({ [dsp]: ch1.rest.toString(), [vsp1]: '0', [vsp2]: top.share.toString() });
    expect(result.workloads.map((w) => [w.member, w.version, w.status]).sort()).toEqual([
      [dsp, 1, 'running'],
      [vsp1, 1, 'destroyed'],
      [vsp2, 2, 'running'],
    ]);

    // Nothing failed or left behind across the restarts: every member's provisioner finished every job
    // of the DAO (its own, in its domain), and VSP_1's took its abandoned workload down.
    for (const [mspId, m] of [[dsp, members.dsp], [vsp1, members.vsp1], [vsp2, members.vsp2]] as const) {
      const token = await login(m.provisionerUrl, m.identity);
      const jobs = (await call<Array<{ id: string; kind: string; daoId: string; version: number; state: string }>>(`${m.provisionerUrl}/jobs`, { token })).filter((j) => j.daoId === result.daoId);
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.filter((j) => j.state !== 'completed').map((j) => `${mspId} ${j.id} ${j.state}`)).toEqual([]);
      if (mspId === vsp1) expect(jobs.some((j) => j.kind === 'remove' && j.version === 1)).toBe(true);
    }
  }, 25 * 60_000);
});
