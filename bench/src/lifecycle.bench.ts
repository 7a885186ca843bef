/**
 * Life cycle: time from the last signature on a formation agreement to the first heartbeat recorded
 * on the new DAO channel, every participant in its own trust domain (the operator's bridge forms the
 * version, each member's own bridge joins and approves, each member's own provisioner applies
 * OpenTofu and starts its workload, its own telemetry folds and records), against the 30 s target.
 * Needs the services and the demo's member domains running (`./dev up`). Prints the figure and its
 * ratio to the target.
 */
import { resolve } from 'node:path';
import { listDomains, loadSettings, serviceUrl, silentProgress } from '@datawell/stack';
import { call, lifecycleMemberOnStack, login, runLifecycle, type LifecycleMember } from '@datawell/testing';

const json = process.argv.includes('--json');
const TARGET_S = 30;
const REPO = resolve(__dirname, '..', '..');
/** The member domains `./dev up`'s demo made (its OS users, stores, CA, peer and services). */
const PREFIX = 'Up';

async function main(): Promise<void> {
  const ctx = { settings: loadSettings(REPO), progress: silentProgress };
  const wanted = [`${PREFIX}DspMSP`, `${PREFIX}Vsp1MSP`, `${PREFIX}Vsp2MSP`];
  const known = listDomains(ctx).map((d) => d.mspId);
  const missing = wanted.filter((m) => !known.includes(m));
  if (missing.length > 0) throw new Error(`no member domain ${missing.join(', ')}: run ./dev up first (its demo makes them)`);
  const member = (mspId: string, role: 'DSP' | 'VSP'): Promise<LifecycleMember> => lifecycleMemberOnStack(ctx, { mspId, role });
  const dsp = await member(wanted[0]!, 'DSP');
  let acceptedAt = 0;
  let seconds = NaN;
  await runLifecycle({
    urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation') },
    members: { dsp, vsp1: await member(wanted[1]!, 'VSP'), vsp2: await member(wanted[2]!, 'VSP') },
    revenue: 1_000_000n,
    progress: (message) => {
      if (message.startsWith('formation in domains: agreed')) acceptedAt = performance.now();
      if (!json) process.stderr.write(`${message}\n`);
    },
    between: async (stage, { daoId }) => {
      if (stage !== 'formed') return;
      // The version's state is its members': the DSP reads it through its own bridge.
      const token = await login(dsp.bridgeUrl, dsp.identity);
      for (;;) {
        const state = await call<{ memberStates?: Array<{ lastHeartbeatMs?: number }> }>(`${dsp.bridgeUrl}/daos/${daoId}/versions/1/state`, { token }).catch(() => undefined);
        if (state?.memberStates?.some((m) => (m.lastHeartbeatMs ?? 0) > 0)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      seconds = (performance.now() - acceptedAt) / 1000;
    },
  });
  const result = { agreementToFirstHeartbeatSeconds: Number(seconds.toFixed(2)), targetSeconds: TARGET_S, ratioToTarget: Number((seconds / TARGET_S).toFixed(3)) };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`agreement accepted → first heartbeat recorded on the ledger: ${seconds.toFixed(2)} s (${(result.ratioToTarget * 100).toFixed(0)}% of the ${TARGET_S} s target)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
