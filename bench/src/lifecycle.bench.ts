/**
 * Life cycle: time from the last signature on a formation agreement to the first heartbeat recorded
 * on the new DAO channel (bridge forms the version, provisioner applies OpenTofu, workloads start,
 * telemetry folds and records), against the 30 s target. Needs the services running (`./dev up`).
 * Prints the figure and its ratio to the target.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { apiClient, runLifecycle, type IdentityKeys } from '@datawell/testing';

const json = process.argv.includes('--json');
const TARGET_S = 30;
const url = (port: number) => `http://127.0.0.1:${port}`;

async function main(): Promise<void> {
  let acceptedAt = 0;
  let seconds = NaN;
  const bridge = url(4102);
  const identitiesDir = process.env['DATAWELL_BENCH_IDENTITIES'] ?? join(process.cwd(), '.stack', 'identities');
  await runLifecycle({
    urls: { marketplace: url(4100), negotiation: url(4101), 'ledger-bridge': bridge, provisioner: url(4103), telemetry: url(4104) },
    identitiesDir,
    revenue: 1_000_000n,
    orgPrefix: 'Bench',
    progress: (message) => {
      if (message.startsWith('formation: agreed')) acceptedAt = performance.now();
      if (!json) process.stderr.write(`${message}\n`);
    },
    between: async (stage, { daoId, dsp }) => {
      if (stage !== 'formed') return;
      // The version's state is its members': read it as the DSP (the scenario keeps its identity there).
      const asDsp = apiClient(bridge, () => JSON.parse(readFileSync(join(identitiesDir, `${dsp}.json`), 'utf8')) as IdentityKeys);
      for (;;) {
        const state = await asDsp.call<{ memberStates?: Array<{ lastHeartbeatMs?: number }> }>(`/admin/daos/${daoId}/versions/1/state`).catch(() => undefined);
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
