import type { INestApplication } from '@nestjs/common';
import { loadServiceConfig } from '@datawell/config';
import { createServiceApp } from '@datawell/service-platform';
import { ledgerCommandCloudEvent, ledgerEventId } from '@datawell/contracts';
import type { GatewayConnection } from '@datawell/fabric';
import { stackConnection, stackEnv } from '@datawell/testing';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { AppModule } from '../../src/app.module';
import { LedgerBridge } from '../../src/ledger-bridge';
import { createTopics, hex, json, kafkaClient, operatorWallet, PROBE_CHANNEL, probeChannel, readTopic, testGateway, waitFor } from './harness';
import { ledgerBridgeService } from '../../src/config';

jest.setTimeout(240_000);

describe('the ledger-bridge app, configured from the environment', () => {
  const topics = { events: `it.app.events.${hex()}`, commands: `it.app.commands.${hex()}`, receipts: `it.app.receipts.${hex()}` };
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  let client: GatewayConnection;
  let app: INestApplication;

  beforeAll(async () => {
    [wallet, client] = await Promise.all([operatorWallet(), testGateway(), probeChannel()]);
    kafka = kafkaClient();
    await createTopics(kafka, Object.values(topics));
    const peer = stackConnection().fabric.orgs['OperatorMSP']!.peer;
    const config = loadServiceConfig(ledgerBridgeService, {
      ...stackEnv(),
      DATAWELL_LOG_LEVEL: 'warn',
      LEDGER_BRIDGE_PEER_ENDPOINT: peer.endpoint,
      LEDGER_BRIDGE_PEER_HOST_ALIAS: peer.hostAlias,
      LEDGER_BRIDGE_PEER_TLS_CA_FILE: peer.tlsCaFile,
      LEDGER_BRIDGE_WALLET_DIR: wallet.dir,
      LEDGER_BRIDGE_CHANNELS: `${PROBE_CHANNEL}=hello`,
      LEDGER_BRIDGE_EVENTS_TOPIC: topics.events,
      LEDGER_BRIDGE_COMMANDS_TOPIC: topics.commands,
      LEDGER_BRIDGE_RECEIPTS_TOPIC: topics.receipts,
      LEDGER_BRIDGE_COMMANDS_GROUP_ID: `it-app-${hex()}`,
    });
    app = await createServiceApp(config, AppModule.forConfig);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    client?.close();
    wallet?.remove();
  });

  it('relays its configured channel and answers commands from its own topic, in the service schema', async () => {
    const bridge = app.get(LedgerBridge);
    // The schema is shared with other runs of the app (e.g. the health test's default channel).
    expect(bridge.streams()).toContain(`${PROBE_CHANNEL}/hello`);

    const key = `app-${hex()}`;
    const commandId = `cmd-app-${hex()}`;
    const producer = kafka.producer();
    await producer.connect();
    try {
      const command = { commandId, channel: PROBE_CHANNEL, chaincode: 'hello', transaction: 'Put', arguments: [key, 'v'], actingMspId: 'OperatorMSP' };
      await producer.send({ topic: topics.commands, messages: [{ key: PROBE_CHANNEL, value: JSON.stringify(ledgerCommandCloudEvent(command, 'urn:it')) }] });
    } finally {
      await producer.disconnect();
    }
    const receipts = await readTopic(kafka, topics.receipts, (m) => m.some((r) => json(r).data['commandId'] === commandId));
    const receipt = receipts.map(json).find((r) => r.data['commandId'] === commandId);
    expect(receipt?.data).toMatchObject({ status: 'committed', transactionId: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // The command's own Put comes back as a relayed chaincode event, once. Which process relays it is
    // not fixed: the `ledger_bridge` schema is shared with any other bridge running on this stack (a
    // second replica, or the services a developer started), and whichever gets there first writes it.
    const schema = ledgerBridgeService.spec.schema;
    const db = new Client({ connectionString: stackConnection().postgres.url });
    await db.connect();
    try {
      const eventId = ledgerEventId({
        channel: PROBE_CHANNEL,
        blockNumber: BigInt(receipt?.data['blockNumber'] as string),
        transactionId: receipt?.data['transactionId'] as string,
        eventIndex: 0,
      });
      const published = await waitFor('the event of the command to be relayed and published', async () => {
        const rows = (await db.query(`SELECT published_at FROM "${schema}".outbox WHERE id = $1`, [eventId])).rows;
        return rows.length === 1 && rows[0].published_at !== null ? rows : undefined;
      });
      expect(published).toHaveLength(1);
    } finally {
      await db.end();
    }

    const operation = await bridge.operations.get(commandId);
    expect(operation).toMatchObject({ status: 'committed', submissions: 1 });
  });
});
