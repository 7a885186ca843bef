import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { Principal } from '@datawell/auth';
import { descriptionDigest, MARKETPLACE, MARKETPLACE_CHANNEL } from '@datawell/contracts';
import { addDomain, committedDefinition, memberFabric, ownPeerChannels, readMspPackage } from '@datawell/stack';
import { integrationPool, REPO_DIR, testStackContext } from '@datawell/testing';
import { stackPeerDirectory } from '../../src/admin/fabric-admin.adapter';
import { LedgerBridge } from '../../src/ledger-bridge';
import { MemberOffersController } from '../../src/member-network/member-offers.controller';
import { bridgeSettings, createTopics, hex, kafkaClient, operatorWallet, scratchDatabase, startMemberBridge, testGateway, waitFor } from './harness';

jest.setTimeout(900_000);

/**
 * Offers of an organisation held in its own trust domain, on the real network: the operator's bridge
 * admits it to `marketplace` from its MSP package (holding no key of it); its own bridge posts, edits
 * and withdraws its offer, signed by its identity through its own peer, and the operator's peer (where
 * the marketplace service's events come from) holds each step. The chaincode's refusals arrive as the
 * bridge's codes.
 */
const DSP = integrationPool().dsp;
const run = hex(3);
const as = (mspId: string): Principal => ({ mspId, enrollmentId: 'it-owner', role: 'DSP', certificateFingerprint: 'it' });

describe("offers through a domain member's own bridge", () => {
  const ctx = testStackContext();
  let operator: LedgerBridge;
  let operatorDb: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let member: Awaited<ReturnType<typeof startMemberBridge>>;
  let offers: MemberOffersController;

  /** The offer as the operator's own peer reads it (GetOffer as OperatorMSP): what the marketplace's events come from. */
  async function onOperatorPeer(offerId: string): Promise<Record<string, unknown>> {
    const conn = await testGateway();
    try {
      const call = MARKETPLACE.invocation(MARKETPLACE.tx.GetOffer, offerId);
      const bytes = await conn.gateway.getNetwork(MARKETPLACE_CHANNEL).getContract(call.chaincode).evaluateTransaction(call.transaction, ...call.arguments);
      return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
    } finally {
      conn.close();
    }
  }

  beforeAll(async () => {
    await addDomain(ctx, DSP, 'DSP');
    [operatorDb, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
    const topics = { events: `it.mo.events.${run}`, commands: `it.mo.commands.${run}`, receipts: `it.mo.receipts.${run}` };
    const kafka = kafkaClient();
    await createTopics(kafka, Object.values(topics));
    const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
    operator = new LedgerBridge({
      dataSource: operatorDb.dataSource,
      schema: operatorDb.schema,
      kafka,
      // Domains only, as ./dev up runs it: the operator holds no organisation in custody.
      settings: { ...bridgeSettings(wallet.dir, topics), admin },
      logger: new Logger('MemberOffersIT:operator'),
      outboxPollIntervalMs: 100,
      peers: stackPeerDirectory(admin),
    });
    await operator.start();
    member = await startMemberBridge(DSP, `lb-mo-${run}`);
    // Registered (idempotently: a rerun on the same stack finds it active) from its public MSP package.
    const pkg = readMspPackage(ctx, DSP);
    await expect(operator.admin!.onboardParticipant({ mspId: DSP, role: pkg.role, name: `Domain ${DSP}` })).resolves.toMatchObject({ mspId: DSP, status: 'active' });
    const m = memberFabric(ctx, DSP);
    await waitFor(`${DSP}'s own peer on marketplace`, async () => ((await ownPeerChannels(m)).includes(MARKETPLACE_CHANNEL) ? true : undefined), 600_000);
    await waitFor(`${DSP}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(m, MARKETPLACE_CHANNEL, 'marketplace'))?.approvals[DSP] ? true : undefined), 600_000);
    offers = new MemberOffersController(member.bridge.memberLedger!);
  }, 900_000);

  afterAll(async () => {
    await member?.bridge.stop();
    await member?.db.drop();
    await operator?.stop();
    wallet?.remove();
    await operatorDb?.drop();
  });

  it('posts, edits and withdraws its offer as itself; the operator’s peer holds each step; refusals are the bridge’s codes', async () => {
    const description = `Hourly PM2.5 from the ${run} sensors`;
    // The member's peer may be launching the marketplace chaincode for its first endorsement: retry until it answers.
    const posted = await waitFor(
      'the first PostOffer through the member’s own peer',
      async () =>
        offers
          .post(as(DSP), { kind: 'data', title: `Air ${run}`, description, tags: ['Air', 'it'], schema: { pm25: 'int' }, updateFrequency: 'hourly', source: { type: 'file' } })
          .catch((error: { code?: string }) => {
            if (error.code === 'LEDGER_UNAVAILABLE') return undefined;
            throw error;
          }),
      300_000,
    );
    expect(posted.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(posted.offer).toMatchObject({ owner: DSP, kind: 'data', title: `Air ${run}`, status: 'open', revision: 1, descriptionDigest: descriptionDigest(description), terms: { tags: ['air', 'it'], updateFrequency: 'hourly' } });
    const offerId = posted.offer.offerId;
    expect(await onOperatorPeer(offerId)).toMatchObject({ offerId, owner: DSP, status: 'open', revision: 1 });

    const edited = await offers.update(as(DSP), offerId, { updateFrequency: 'daily', description: 'now daily' });
    expect(edited.offer).toMatchObject({ offerId, revision: 2, title: `Air ${run}`, descriptionDigest: descriptionDigest('now daily'), terms: { tags: ['air', 'it'], updateFrequency: 'daily' } });
    expect(await onOperatorPeer(offerId)).toMatchObject({ revision: 2, terms: { updateFrequency: 'daily' } });

    await expect(offers.post(as(DSP), { kind: 'value', title: 'T', description: 'D', service: 's', computations: ['mean'], infrastructure: {} })).rejects.toMatchObject({ code: 'OFFER_KIND_NOT_ALLOWED', status: 403 });
    await expect(offers.update(as(DSP), offerId, { service: 'x' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', status: 400 });
    await expect(offers.withdraw(as(DSP), `off-none-${run}`)).rejects.toMatchObject({ code: 'OFFER_NOT_FOUND', status: 404 });
    await expect(offers.withdraw(as('OperatorMSP'), offerId)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });

    const withdrawn = await offers.withdraw(as(DSP), offerId);
    expect(withdrawn.offer).toMatchObject({ offerId, status: 'withdrawn', revision: 3 });
    expect(await onOperatorPeer(offerId)).toMatchObject({ status: 'withdrawn', revision: 3 });
    await expect(offers.withdraw(as(DSP), offerId)).rejects.toMatchObject({ code: 'OFFER_NOT_OPEN', status: 409 });
  });
});
