import { Client } from 'pg';
import { allocateLevel } from '@datawell/domain';
import { up } from '@datawell/stack';
import { runLifecycle, type LifecycleStage } from '@datawell/testing';
import { REPO_DIR, stackContext } from '../../src/context';
import { restartService, serviceUrl, startServices, stopServices } from '../../src/services/runner';

/**
 * The whole life cycle through the six services running as processes, as `./dev up` runs them. A
 * service is killed (SIGTERM) and restarted at every stage; the outcome must be what the economics
 * say, with nothing lost or applied twice.
 */
describe('the DAO life cycle end to end through the services', () => {
  const ctx = stackContext();
  const restarts: Record<LifecycleStage, Parameters<typeof restartService>[3][]> = {
    onboarded: ['marketplace'],
    formed: ['negotiation', 'ledger-bridge'],
    joined: ['provisioner'],
    provisioned: ['telemetry'],
    abandoned: ['marketplace'],
  };

  afterAll(async () => {
    await stopServices(ctx);
  });

  it('forms, grows, provisions, watches, abandons and pays out, surviving a restart of every service', async () => {
    const connection = await up(ctx);
    await startServices(ctx, connection, REPO_DIR);
    const restarted: string[] = [];
    const result = await runLifecycle({
      urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation'), 'ledger-bridge': serviceUrl(ctx.settings, 'ledger-bridge'), provisioner: serviceUrl(ctx.settings, 'provisioner'), telemetry: serviceUrl(ctx.settings, 'telemetry') },
      identitiesDir: `${ctx.settings.stackDir}/identities`,
      revenue: 1_000_000n,
      orgPrefix: 'E2e',
      progress: () => undefined,
      between: async (stage) => {
        for (const service of restarts[stage]) {
          await restartService(ctx, connection, REPO_DIR, service);
          restarted.push(service);
        }
      },
    });
    expect(restarted).toEqual(['marketplace', 'negotiation', 'ledger-bridge', 'provisioner', 'telemetry', 'marketplace']);

    const [dsp, vsp1, vsp2] = ['E2eDspMSP', 'E2eVsp1MSP', 'E2eVsp2MSP'];
    expect(result.versions).toEqual([
      { version: 1, channel: `dao-${result.daoId}-v1`, members: [dsp, vsp1] },
      { version: 2, channel: `dao-${result.daoId}-v2`, members: [dsp, vsp1, vsp2] },
    ]);
    expect(result.abandoned).toEqual([vsp1]);
    // VSP_1 abandoned: its level keeps nothing of new revenue (β_1 counts as 1).
    const top = allocateLevel(1_000_000n, 750_000);
    const ch1 = allocateLevel(top.rest, 1_000_000);
    expect(result.payouts).toEqual({ [dsp]: Number(ch1.rest), [vsp1]: Number(ch1.share), [vsp2]: Number(top.share) });
    expect(ch1.share).toBe(0n);
    expect(Object.values(result.payouts).reduce((a, b) => Number(a) + Number(b), 0)).toBe(1_000_000);
    expect(result.workloads.map((w) => [w.member, w.status]).sort()).toEqual([
      [dsp, 'running'],
      [vsp1, 'destroyed'],
      [vsp2, 'running'],
    ]);

    // Nothing applied twice across the restarts: one tofu state per DAO version, one apply job per version.
    const db = new Client({ connectionString: connection.postgres.url });
    await db.connect();
    try {
      const states = await db.query(`SELECT name FROM provisioner_tofu.states WHERE name LIKE $1`, [`%${result.daoId}%`]);
      expect(states.rows.map((r: { name: string }) => r.name).sort()).toEqual([`dao-${result.daoId}-v1`, `dao-${result.daoId}-v2`]);
      expect(result.tofuStates).toBeGreaterThanOrEqual(2);
    } finally {
      await db.end();
    }
  }, 20 * 60_000);
});
