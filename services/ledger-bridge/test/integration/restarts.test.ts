import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { ledgerEventId } from '@datawell/contracts';
import { connectGateway, type GatewayConnection } from '@datawell/fabric';
import { buildConnection, connectionKafka, down, enrollClientIdentity, loadSettings, silentProgress, up, type StackContext } from '@datawell/stack';
import { REPO_DIR } from '@datawell/testing';
import { LedgerBridge } from '../../src/ledger-bridge';
import { FileWallet } from '../../src/wallet/wallet.adapter';
import { createTopics, hex, json, readTopic, scratchDatabase } from './harness';

/**
 * Restarts of the bridge's neighbours, not just cut connections: a Kafka and a Fabric network of
 * the test's own (a private stack folder and ports, so no other suite is disturbed) are stopped
 * and started again while the bridge relays. Every event reaches Kafka exactly once, in order.
 */
/** Refuses to start on ports another stack holds (its CAs and Kafka would answer this test's probes). */
async function portsFree(ports: readonly number[]): Promise<void> {
  const taken: number[] = [];
  for (const port of ports) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) taken.push(port);
  }
  if (taken.length > 0) throw new Error(`the restarts test's private stack needs ports ${taken.join(', ')}, which another process holds (a stack at DATAWELL_FABRIC_PORT_BASE=30000 or Kafka at 31092?): stop it`);
}

describe('ledger-bridge across restarts of the peer and of Kafka', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-restarts-'));
  const ctx: StackContext = {
    settings: loadSettings(REPO_DIR, {
      ...process.env,
      DATAWELL_STACK_DIR: dir,
      DATAWELL_KAFKA_PORT: '31092',
      DATAWELL_KAFKA_CONTROLLER_PORT: '31093',
      DATAWELL_FABRIC_PORT_BASE: '30000',
    }),
    progress: silentProgress,
  };
  const topics = { events: `it.restarts.events.${hex()}`, commands: `it.restarts.commands.${hex()}`, receipts: `it.restarts.receipts.${hex()}` };
  const prefix = `restart-${hex()}`;
  const expected: string[] = [];
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let kafka: Kafka;
  let bridge: LedgerBridge;
  let client: GatewayConnection | undefined;
  let walletDir: string;

  async function gateway(): Promise<GatewayConnection> {
    const operator = buildConnection(ctx).fabric.orgs['OperatorMSP']!;
    const identity = await enrollClientIdentity(ctx, 'OperatorMSP', 'restarts-client');
    return connectGateway({ endpoint: operator.peer.endpoint, hostAlias: operator.peer.hostAlias, tlsCaPem: readFileSync(operator.peer.tlsCaFile, 'utf8') }, identity);
  }

  async function put(n: number): Promise<void> {
    client ??= await gateway();
    const commit = await client.gateway.getNetwork('marketplace').getContract('hello').submitAsync('Put', { arguments: [`${prefix}-${n}`, `v${n}`] });
    const status = await commit.getStatus();
    if (!status.successful) throw new Error(`Put ${n} did not commit: ${status.code}`);
    expected.push(ledgerEventId({ channel: 'marketplace', blockNumber: status.blockNumber, transactionId: status.transactionId, eventIndex: 0 }));
  }

  const ours = (messages: Parameters<typeof json>[0][]) =>
    messages.map(json).filter((e) => String((e.data['payload'] as { key?: string }).key ?? '').startsWith(prefix));

  async function relayed(count: number): Promise<string[]> {
    const messages = await readTopic(kafka, topics.events, (m) => ours(m).length >= count, { timeoutMs: 120_000, lingerMs: 3000 });
    return ours(messages).map((e) => e.id);
  }

  beforeAll(async () => {
    const base = ctx.settings.ports.fabricBase;
    await portsFree([ctx.settings.ports.kafka, ctx.settings.ports.kafkaController, base + 50, base + 100, base + 103, base + 403]);
    await up(ctx, ['kafka', 'fabric']);
    db = await scratchDatabase();
    kafka = connectionKafka(buildConnection(ctx), `lb-restarts-${hex()}`);
    await createTopics(kafka, Object.values(topics));
    walletDir = mkdtempSync(join(tmpdir(), 'lb-restarts-wallet-'));
    await new FileWallet(walletDir).put({ ...(await enrollClientIdentity(ctx, 'OperatorMSP', 'restarts-bridge')), mspId: 'OperatorMSP' });
    const operator = buildConnection(ctx).fabric.orgs['OperatorMSP']!;
    bridge = new LedgerBridge({
      dataSource: db.dataSource,
      schema: db.schema,
      kafka,
      settings: {
        fabric: { endpoint: operator.peer.endpoint, hostAlias: operator.peer.hostAlias, tlsCaFile: operator.peer.tlsCaFile },
        walletDir,
        eventsMspId: 'OperatorMSP',
        channels: [{ name: 'marketplace', chaincodes: ['hello'] }],
        topics,
        commandsGroupId: `lb-restarts-${hex()}`,
      },
      logger: new Logger('LedgerBridgeRestarts'),
      outboxPollIntervalMs: 100,
    });
    await bridge.start();
  });

  afterAll(async () => {
    await bridge?.stop();
    client?.close();
    await db?.drop();
    await down(ctx);
    rmSync(dir, { recursive: true, force: true });
    if (walletDir) rmSync(walletDir, { recursive: true, force: true });
  });

  it('resumes after the Fabric network (orderer, peer, chaincode) is restarted', async () => {
    for (let n = 0; n < 3; n++) await put(n);
    expect(await relayed(3)).toEqual(expected);

    client?.close();
    client = undefined;
    await down(ctx, ['fabric']);
    await up(ctx, ['fabric']);
    for (let n = 3; n < 5; n++) await put(n);
    expect(await relayed(5)).toEqual(expected);
  });

  it('keeps events that arrive while Kafka is down and publishes each once when it is back', async () => {
    await down(ctx, ['kafka']);
    for (let n = 5; n < 8; n++) await put(n);
    await up(ctx, ['kafka']);
    expect(await relayed(8)).toEqual(expected);
  });
});
