/**
 * It uses the e2e tier's pool of member domains, which one file at a time does. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock pool
 */
import { E2E_POOL, E2E_POOL_PREFIX, runDev } from '@datawell/testing';
import { stackContext } from '../../src/context';
import { stopOperatorServicesAfterFile } from './operator-services';
import type { ComputeSummary } from '../../src/commands/scenario';

/**
 * `./dev scenario compute --json` as a person runs it (issue 12): a DAO of a DSP and a VSP in their own
 * trust domains, each member's MPC node run by its own provisioner; the DSP's sensors publish readings
 * sealed to its node on its own topic; the VSP gets their mean in its own domain, recorded on the
 * ledger, and a request the terms refuse lands beside it in the DSP's usage trail. The JSON is the
 * issue's: {daoId, dataset, computation, status, mean, reference, resultDigest, recordedOnLedger, usage}.
 */
describe('./dev scenario compute', () => {
  const ctx = stackContext();
  // The e2e tier's pool of domains: the usage trail is read for this DAO's requests.
  const [dsp, vsp] = [E2E_POOL.dsp, E2E_POOL.vsps[0]];

  afterAll(async () => {
    // The pool's member services stay up for the next file (starting them took 30-45 s of each file); the
    // tier's end parks the pool, which stops them. So do the operator's (operator-services.ts).
    await stopOperatorServicesAfterFile(ctx);
  });

  it("computes the mean of the DSP's sealed readings for the VSP only, recorded with the granted and the refused request", async () => {
    const run = await runDev(['scenario', 'compute', '--json', '--readings', '120', '--org-prefix', E2E_POOL_PREFIX]);
    expect(run.stderr.split('\n').filter((l) => /^dev: /.test(l))).toEqual([]);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!) as ComputeSummary;
    // 120 readings and the planted one, published sealed to a topic of the DSP's own.
    expect(summary.dataset).toEqual({ name: 'readings', owner: dsp, topic: expect.stringMatching(new RegExp(`^datawell\\.member\\.${dsp}\\.pm25-[0-9a-f]{8}-readings\\.v1$`)), published: 121 });
    expect(summary.status).toBe('completed');
    // Fixed point: the documented precision of a mean is far below 2^-10.
    expect(Math.abs(summary.mean! - summary.reference)).toBeLessThan(2 ** -10);
    expect(summary.resultDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.recordedOnLedger).toBe(true);
    const txId = expect.stringMatching(/^[0-9a-f]{64}$/);
    expect(summary.usage).toEqual([
      { txId, requester: vsp, computation: 'mean', recipients: [vsp], outcome: 'granted' },
      { txId, requester: vsp, computation: 'mean', recipients: [dsp], outcome: 'refused', check: 'recipients-allowed' },
    ]);
  }, 1_200_000);
});
