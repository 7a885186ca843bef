import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { allocateLevel } from '@datawell/domain';
import { findDomain, memberServiceFiles, operatorFabric, osUserFor, ownPeerChannels, processUser, readPid } from '@datawell/stack';
import { runDomainsOnStack } from '../../src/commands/scenario';
import { stackContext } from '../../src/context';
import { memberServicesStatus, stopMemberServices } from '../../src/services/domain-runner';
import { stopServices } from '../../src/services/runner';

/**
 * Participants in their own trust domains, as `./dev scenario domains` runs them: each domain's
 * member-mode bridge a process of the domain's own OS user; registration, negotiation, formation
 * and reads through the running services; the operator holding no member's identity and its peer
 * outside the DAO's channel.
 */
describe('a DAO formed among trust domains through the running services', () => {
  const ctx = stackContext();
  const members = ['E2dDspMSP', 'E2dVsp1MSP'];

  afterAll(async () => {
    await stopMemberServices(ctx, members).catch(() => undefined);
    await stopServices(ctx);
  });

  it("forms the DAO with each member's own bridge, and each member reads it through its own", async () => {
    const result = await runDomainsOnStack(1, 'E2d', 1_000_000n);

    // Each member's bridge runs as its domain's user, and is healthy.
    for (const mspId of members) {
      const pid = readPid(memberServiceFiles(ctx.settings, findDomain(ctx, mspId).name, 'ledger-bridge').pidFile);
      expect(pid).toBeDefined();
      expect(processUser(pid as number)).toBe(osUserFor(mspId));
    }
    expect((await memberServicesStatus(ctx, members)).map((s) => [s.domain, s.healthy])).toEqual(members.map((m) => [m, true]));

    // Each member read the version through its own bridge: both members, active.
    expect(result.channel).toBe(`dao-${result.daoId}-v1`);
    for (const mspId of members) expect(result.readBy[mspId]).toEqual({ status: 'active', members });
    // Revenue recorded by the DSP in its own domain, split by β = 0.8 as each member reads it through its own bridge.
    expect(result.revenueTxId).toMatch(/^[0-9a-f]{64}$/);
    const split = allocateLevel(1_000_000n, 800_000);
    expect(result.payouts).toEqual({ E2dDspMSP: split.rest.toString(), E2dVsp1MSP: split.share.toString() });
    expect(split.share).toBeGreaterThan(0n);
    // A member's bridge answers its own organisation only.
    expect(result.otherMemberAtBridge).toEqual({ status: 403, code: 'FORBIDDEN' });

    // The operator: its peer is not on the DAO's channel, and its bridge's wallet holds its own identity only.
    expect(await ownPeerChannels(operatorFabric(ctx))).not.toContain(result.channel);
    expect(readdirSync(join(ctx.settings.stackDir, 'wallet'))).toEqual(['OperatorMSP.json']);
  }, 20 * 60_000);
});
