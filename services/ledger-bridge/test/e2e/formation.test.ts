import { Logger } from '@nestjs/common';
import { split } from '@datawell/domain';
import { runFormation, stackConnection, testStackContext, REPO_DIR, type AdminApi } from '@datawell/testing';
import { join } from 'node:path';
import { AdminService } from '../../src/admin/admin.service';
import { StackFabricAdmin, stackPeerDirectory } from '../../src/admin/fabric-admin.adapter';
import { GatewayOrgLedger } from '../../src/admin/org-ledger.adapter';
import { LedgerBridge } from '../../src/ledger-bridge';
import { FileWallet } from '../../src/wallet/wallet.adapter';
import { bridgeSettings, createTopics, hex, kafkaClient, operatorWallet, scratchDatabase } from '../integration/harness';

/**
 * The ledger half of the life cycle on the real network, through the bridge's administration and
 * its relay: a DSP and three VSPs onboarded, a DAO formed and grown to three versions, revenue
 * recorded on the top channel as a Kafka command, allocations relayed down to CH_1.
 */
describe('DAO formation through the ledger bridge (e2e)', () => {
  it('forms CH_1..CH_3 with exactly D ∪ J_1..J_i and pays out exactly what the economics library computes', async () => {
    const ctx = testStackContext();
    const db = await scratchDatabase();
    const wallet = await operatorWallet();
    const kafka = kafkaClient();
    const topics = { events: `e2e.events.${hex()}`, commands: `e2e.commands.${hex()}`, receipts: `e2e.receipts.${hex()}` };
    await createTopics(kafka, Object.values(topics));
    const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
    const bridge = new LedgerBridge({ dataSource: db.dataSource, schema: db.schema, kafka, settings: bridgeSettings(wallet.dir, topics), logger: new Logger('FormationE2E'), outboxPollIntervalMs: 100, peers: stackPeerDirectory(admin) });
    const fabric = new StackFabricAdmin(ctx, join(REPO_DIR, 'chaincode'));
    const files = new FileWallet(wallet.dir);
    const ledger = new GatewayOrgLedger(fabric, files);
    const service = new AdminService(fabric, files, ledger, { register: async (name, chaincodes, actingMspId) => void (await bridge.addChannel({ name, chaincodes, actingMspId })) });
    const api: AdminApi = {
      onboard: (p) => service.onboardParticipant(p),
      createVersion: (a) => service.createDaoVersion(a),
      entitlements: async (daoId, version, as) => (await service.evaluateDao(daoId, version, 'GetEntitlements', as)) as { mspId: string; amount: string }[],
      members: (channel, as) => service.channelMembers(channel, as),
    };
    await bridge.start();
    try {
      const betasPpm = [800_000, 750_000, 900_000];
      const result = await runFormation({ vsps: 3, revenue: 1_000_000n, betasPpm, admin: api, connection: stackConnection(), commandsTopic: topics.commands, progress: () => undefined });
      const { dsp, vsps } = result.plan;

      expect(result.channels.map((c) => c.members)).toEqual([
        [dsp, vsps[0]].sort(),
        [dsp, vsps[0], vsps[1]].sort(),
        [dsp, vsps[0], vsps[1], vsps[2]].sort(),
      ]);
      const expected = split(1_000_000n, betasPpm);
      expect(result.payouts).toEqual({
        [dsp]: Number(expected.dsp),
        [vsps[0]!]: Number(expected.vsps[0]),
        [vsps[1]!]: Number(expected.vsps[1]),
        [vsps[2]!]: Number(expected.vsps[2]),
      });
      expect(Object.values(result.payouts).reduce<number>((a, b) => a + Number(b), 0)).toBe(1_000_000);
    } finally {
      await bridge.stop();
      ledger.close();
      wallet.remove();
      await db.drop();
    }
    // Four organisations onboarded and three channels formed, on a stack the earlier e2e files have
    // grown (their domains' peers gossip on marketplace too): 124 s on a quiet stack, over 300 s at the
    // end of a CI run at load 10-13.
  }, 15 * 60_000);
});
