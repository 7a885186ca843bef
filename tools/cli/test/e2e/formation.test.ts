/**
 * It uses the e2e tier's pool of member domains, which one file at a time does. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock pool
 */
import { split } from '@datawell/domain';
import { memberFabric, ownPeerChannels } from '@datawell/stack';
import { E2E_POOL, E2E_POOL_PREFIX } from '@datawell/testing';
import { runDomainsOnStack } from '../../src/commands/scenario';
import { stackContext } from '../../src/context';
import { stopOperatorServicesAfterFile } from './operator-services';

/**
 * `./dev scenario formation`: a DSP and three VSPs, each in its own trust domain, grow a DAO version
 * by version (the papers' channel scheme: CH_i = D ∪ J_1 … J_i, each VSP joining alone), the DSP
 * records revenue on the top channel through its own bridge, the allocations are relayed down to CH_1,
 * and each member reads its payout through its own bridge: exactly the economics library's split.
 * The domains are the e2e tier's pool (other files' DAOs on them too): what each peer holds is read
 * among this DAO's channels.
 */
describe('a DAO grown version by version among trust domains', () => {
  const ctx = stackContext();
  const dsp = E2E_POOL.dsp;
  const vsps = E2E_POOL.vsps;

  afterAll(async () => {
    // The pool's member services stay up for the next file (starting them took 30-45 s of each file); the
    // tier's end parks the pool, which stops them. So do the operator's (operator-services.ts).
    await stopOperatorServicesAfterFile(ctx);
  });

  it('forms CH_1..CH_3 with exactly D ∪ J_1..J_i, each peer on the channels of its level and above, and pays out exactly the split', async () => {
    const betasPpm = [800_000, 750_000, 900_000];
    const started = Date.now();
    const result = await runDomainsOnStack({ vsps: 1, joiners: 2, joinEach: true, betasPpm, orgPrefix: E2E_POOL_PREFIX, revenue: 1_000_000n });
    const channels = result.versions.map((v) => v.channel);
    expect(result.versions.map((v) => [v.version, [...v.members].sort()])).toEqual([
      [1, [dsp, vsps[0]].sort()],
      [2, [dsp, vsps[0], vsps[1]].sort()],
      [3, [dsp, ...vsps].sort()],
    ]);
    // Each member reads the top version through its own bridge, with every member of it.
    for (const m of [dsp, ...vsps]) expect([...result.readBy[m]!.members].sort()).toEqual([dsp, ...vsps].sort());

    // Fabric's own word (`peer channel list` on each member's own peer): a member of level i sits on CH_i … CH_3 only.
    const levels: Record<string, number> = { [dsp]: 1, [vsps[0]!]: 1, [vsps[1]!]: 2, [vsps[2]!]: 3 };
    for (const [m, level] of Object.entries(levels)) {
      const held = (await ownPeerChannels(memberFabric(ctx, m))).filter((c) => c.startsWith(`dao-${result.daoId}-`));
      expect(held.sort()).toEqual(channels.slice(level - 1).sort());
    }

    const expected = split(1_000_000n, betasPpm);
    expect(result.payouts).toEqual({
      [dsp]: expected.dsp.toString(),
      [vsps[0]!]: expected.vsps[0]!.toString(),
      [vsps[1]!]: expected.vsps[1]!.toString(),
      [vsps[2]!]: expected.vsps[2]!.toString(),
    });
    expect(Object.values(result.payouts).reduce((a, b) => a + BigInt(b), 0n)).toBe(1_000_000n);
    process.stderr.write(`formation e2e: four domains, three versions and the payouts in ${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 20 * 60_000);
});
