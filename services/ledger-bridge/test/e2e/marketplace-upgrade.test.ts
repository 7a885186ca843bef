/**
 * It upgrades the `marketplace` chaincode every other file uses: it runs alone, and first
 * (`@e2eFirst`: the sequencer dispatches it first and the other exclusive files wait until it holds
 * the lock), while no member domain but its own exists: a member's bridge approves an upgrade within
 * its 60 s look, and until then its peer runs no `marketplace`. (The e2e tier runs two files at once:
 * libs/testing/src/jest/tier-locks.ts; tools/jest/sequencer.js.)
 *
 * @e2eLock exclusive
 * @e2eFirst
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { MARKETPLACE } from '@datawell/contracts';
import { addDomain, approvedPackageId, committedDefinition, deployChaincode, memberFabric, operatorFabric, ownChaincodeRecord, ownPeerChannels, readMspPackage } from '@datawell/stack';
import { REPO_DIR, testStackContext } from '@datawell/testing';
import { stackPeerDirectory } from '../../src/admin/fabric-admin.adapter';
import { LedgerBridge, type NetworkTopics } from '../../src/ledger-bridge';
import { checkMarketplace, GenesisRejectedError } from '../../src/member-network/genesis-check';
import { stackMemberAdmin } from '../../src/member-network/member-network.service';
import { bridgeSettings, createTopics, hex, kafkaClient, operatorWallet, scratchDatabase, startMemberBridge, type MemberBridge } from '../integration/harness';

jest.setTimeout(900_000);

/**
 * The `marketplace` channel with a member in its own trust domain, on the real network: the member's
 * own admin checks the channel before its peer joins (it is the operator's marketplace, ordered by
 * the ordering service the member pins, with the member's own CA as its MSP) and refuses otherwise;
 * and when the operator upgrades the marketplace chaincode alone, the member's own bridge approves
 * the new definition as its own admin, with its own package, so its own peer runs it again.
 *
 * In the e2e tier (one file at a time), not the integration tier: upgrading the shared `marketplace`
 * leaves every other member's peer unable to run it until that member's bridge approves the new
 * definition (within its 60 s check), which would fail a test running beside this one.
 */
const run = hex(3);
// A domain of its own each run: the first test needs a peer that has not joined marketplace yet.
const MEMBER = `Mk${run}MSP`;

/** Polls every 2 s (each probe is a Fabric CLI process). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

describe('the marketplace channel with a member in its own domain', () => {
  const ctx = testStackContext();
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  const topics = { events: `it.mk.ledger-events.${run}`, commands: `it.mk.ledger-commands.${run}`, receipts: `it.mk.receipts.${run}` };
  const network: NetworkTopics = {
    commands: `it.mk.commands.${run}`,
    events: `it.mk.events.${run}`,
    agreements: `it.mk.agreements.${run}`,
    commandsGroupId: `it-mk-commands-${run}`,
    agreementsGroupId: `it-mk-agreements-${run}`,
  };
  let operator: LedgerBridge;
  let operatorDb: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  let member: MemberBridge | undefined;

  beforeAll(async () => {
    await addDomain(ctx, MEMBER, 'VSP');
    [operatorDb, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
    kafka = kafkaClient();
    await createTopics(kafka, [...Object.values(topics), network.commands, network.events, network.agreements]);
    operator = new LedgerBridge({
      dataSource: operatorDb.dataSource,
      schema: operatorDb.schema,
      kafka,
      settings: { ...bridgeSettings(wallet.dir, topics), admin },
      logger: new Logger('MarketplaceDomainsIT:operator'),
      outboxPollIntervalMs: 100,
      peers: stackPeerDirectory(admin),
      networkTopics: network,
      networkRetry: { maxAttempts: 2, delayMs: 500 },
    });
    await operator.start();
  }, 900_000);

  afterAll(async () => {
    if (member) {
      await member.bridge.stop();
      await member.db.drop();
    }
    await operator?.stop();
    wallet?.remove();
    await operatorDb?.drop();
  });

  it("refuses a marketplace that is not the one it expects before its peer joins; its own bridge joins the real one after checking it", async () => {
    const pkg = readMspPackage(ctx, MEMBER);
    // Admitted by the operator (its inbox message waits: the member's bridge is not running yet).
    await operator.admin!.onboardParticipant({ mspId: MEMBER, role: pkg.role, name: `Domain ${MEMBER}` });
    const fabric = memberFabric(ctx, MEMBER);
    const own = stackMemberAdmin(fabric);
    const honest = { self: { mspId: MEMBER, caCertPems: own.ownCaCertPems() }, ordererTlsCaPems: own.ordererTlsCaPems() };
    // The real blocks, checked against what a member expecting something else would know: refused, and its peer not joined.
    // (A member's CA that is not its own: the ordering service's TLS CA; an ordering service that is not the one it pins: its own CA.)
    await expect(own.joinOwnPeer('marketplace', (joining) => checkMarketplace({ ...honest, self: { mspId: MEMBER, caCertPems: honest.ordererTlsCaPems } }, joining))).rejects.toThrow(`${MEMBER}'s MSP in marketplace is not exactly its own CA`);
    await expect(own.joinOwnPeer('marketplace', (joining) => checkMarketplace({ ...honest, ordererTlsCaPems: honest.self.caCertPems }, joining))).rejects.toThrow(GenesisRejectedError);
    await expect(own.joinOwnPeer('marketplace', (joining) => checkMarketplace({ ...honest, ordererTlsCaPems: honest.self.caCertPems }, joining))).rejects.toThrow(/ordered by OrdererMSP, whose TLS CA is not the ordering service's this member was given/);
    expect(await ownPeerChannels(fabric)).not.toContain('marketplace');
    // Its own bridge, from the operator's inbox message, checks the same blocks with what it knows for sure, joins and approves.
    // Its look at the committed definition every 2 s instead of the default 60 s: the upgrades below
    // wait for it (twice a minute of an idle machine, the whole e2e tier waiting for this file).
    member = await startMemberBridge(MEMBER, `lb-mk-${MEMBER}-${run}`, { chaincodeUpgradeIntervalMs: 2000 });
    await eventually(`${MEMBER}'s own peer on marketplace`, async () => ((await ownPeerChannels(fabric)).includes('marketplace') ? true : undefined), 300_000);
    await eventually(`${MEMBER}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(fabric, 'marketplace', MARKETPLACE.chaincode))?.approvals[MEMBER] ? true : undefined), 300_000);
  });

  it("approves, as its own admin and with its own package, a marketplace definition the operator committed alone", async () => {
    const fabric = memberFabric(ctx, MEMBER);
    const before = (await committedDefinition(operatorFabric(ctx), 'marketplace', MARKETPLACE.chaincode))!;
    expect(before.approvals[MEMBER]).toBe(true);
    const upgrade = async (version: string | undefined, sequence: number) => {
      // The operator's tooling commits the new definition alone (marketplace's LifecycleEndorsement is its peer).
      await deployChaincode(ctx, { name: MARKETPLACE.chaincode, channel: 'marketplace', modulePath: join(REPO_DIR, 'chaincode', MARKETPLACE.chaincode), ...(version ? { version } : {}) });
      const committed = (await committedDefinition(fabric, 'marketplace', MARKETPLACE.chaincode))!;
      expect(committed.sequence).toBe(sequence);
      // The member's bridge notices on its own peer (every 2 s here, 60 s by default) and approves it as its own admin.
      await eventually(`${MEMBER}'s approval of sequence ${sequence}`, async () => ((await committedDefinition(fabric, 'marketplace', MARKETPLACE.chaincode))?.approvals[MEMBER] ? true : undefined), 240_000);
      const record = ownChaincodeRecord(fabric.chaincodeServer!, MARKETPLACE.chaincode)!;
      expect(record.version).toBe(committed.version);
      expect(await approvedPackageId(fabric, 'marketplace', MARKETPLACE.chaincode, sequence)).toBe(record.packageId);
      // Its own peer runs the new definition: a read through it, as the member, answers.
      const read = await member!.bridge.memberLedger!.evaluate(MEMBER, 'marketplace', MARKETPLACE.chaincode, MARKETPLACE.tx.GetParticipant, [MEMBER]);
      expect(JSON.parse(read)).toMatchObject({ mspId: MEMBER, status: 'active' });
    };
    await upgrade(`${before.version}-up${run}`, before.sequence + 1);
    // Back to the version the operator's bridge deploys (its onboarding's ensureChaincode), approved again by the member.
    await upgrade(undefined, before.sequence + 2);
  });
});
