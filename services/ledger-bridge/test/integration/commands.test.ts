import { ledgerCommandCloudEvent, type LedgerCommand } from '@datawell/contracts';
import { readFileSync } from 'node:fs';
import { connectGateway, type GatewayConnection } from '@datawell/fabric';
import type { Kafka, Producer } from 'kafkajs';
import type { LedgerBridge } from '../../src/ledger-bridge';
import { CommandService } from '../../src/commands/command.service';
import { OperationsRepository } from '../../src/commands/operations.repository';
import { Gateways } from '../../src/fabric/gateways.adapter';
import { FileWallet } from '../../src/wallet/wallet.adapter';
import {
  bridgeSettings,
  createTopics,
  decode,
  hex,
  json,
  kafkaClient,
  newBridge,
  operatorWallet,
  readTopic,
  scratchDatabase,
  testGateway,
  waitFor,
  PROBE_CHANNEL,
  probeChannel,
} from './harness';

jest.setTimeout(240_000);

interface OperationRow {
  status: string;
  transaction_id: string | null;
  block_number: string | null;
  attempts: number;
  submissions: number;
  error_code: string | null;
  error_message: string | null;
  updated_at: Date;
}

describe('ledger-bridge commands against Fabric, PostgreSQL and Kafka', () => {
  const topics = { events: `it.ledger.events.${hex()}`, commands: `it.ledger.commands.${hex()}`, receipts: `it.ledger.receipts.${hex()}` };
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  let producer: Producer;
  let client: GatewayConnection;
  let bridge: LedgerBridge;

  const command = (overrides: Partial<LedgerCommand> = {}): LedgerCommand => ({
    commandId: `cmd-${hex()}`,
    channel: PROBE_CHANNEL,
    chaincode: 'hello',
    transaction: 'Put',
    arguments: [`k-${hex()}`, `v-${hex()}`],
    actingMspId: 'OperatorMSP',
    ...overrides,
  });

  async function send(value: unknown, key = PROBE_CHANNEL): Promise<void> {
    await producer.send({ topic: topics.commands, messages: [{ key, value: typeof value === 'string' ? value : JSON.stringify(value) }] });
  }

  const operation = async (commandId: string): Promise<OperationRow | undefined> =>
    ((await db.dataSource.query(`SELECT * FROM "${db.schema}".operations WHERE command_id = $1`, [commandId])) as OperationRow[])[0];

  const ended = (commandId: string) =>
    waitFor(`operation ${commandId} to end`, async () => {
      const row = await operation(commandId);
      return row && (row.status === 'committed' || row.status === 'failed') ? row : undefined;
    });

  beforeAll(async () => {
    [db, wallet, client] = await Promise.all([scratchDatabase(), operatorWallet(), testGateway(), probeChannel()]);
    kafka = kafkaClient();
    await createTopics(kafka, [topics.events, topics.commands, topics.receipts]);
    producer = kafka.producer();
    await producer.connect();
    // As ./dev up runs the operator's bridge: it signs only as the operator.
    bridge = newBridge(db, kafka, bridgeSettings(wallet.dir, topics));
    await bridge.start();
  });

  afterAll(async () => {
    await bridge?.stop();
    await producer?.disconnect();
    client?.close();
    wallet?.remove();
    await db?.drop();
  });

  it('submits a command as the named organisation: committed operation, receipt with the tx id, state on the ledger', async () => {
    const cmd = command();
    await send(ledgerCommandCloudEvent(cmd, 'urn:it'));
    const row = await ended(cmd.commandId);
    expect(row).toMatchObject({ status: 'committed', attempts: 1, submissions: 1, error_code: null });
    expect(row.transaction_id).toMatch(/^[0-9a-f]{64}$/);

    const receipts = await readTopic(kafka, topics.receipts, (m) => m.some((r) => json(r).data['commandId'] === cmd.commandId));
    const receipt = receipts.map(json).find((r) => r.data['commandId'] === cmd.commandId);
    expect(receipt).toMatchObject({
      id: `receipt:${cmd.commandId}`,
      type: 'datawell.ledger.receipt.v1',
      data: { status: 'committed', transactionId: row.transaction_id, blockNumber: row.block_number },
    });
    const stored = await client.gateway.getNetwork(PROBE_CHANNEL).getContract('hello').evaluateTransaction('Get', cmd.arguments[0]!);
    expect(decode(stored)).toBe(cmd.arguments[1]);
  });

  it('fails an unknown transaction and bad arguments once, with the chaincode reason, without retrying', async () => {
    const unknown = command({ transaction: 'NoSuchTransaction' });
    const badArgs = command({ arguments: ['only-a-key'] });
    // An organisation the operator's bridge does not sign as (any but the operator).
    const noIdentity = command({ actingMspId: 'NobodyMSP' });
    await send(ledgerCommandCloudEvent(unknown, 'urn:it'));
    await send(ledgerCommandCloudEvent(badArgs, 'urn:it'));
    await send(ledgerCommandCloudEvent(noIdentity, 'urn:it'));
    for (const cmd of [unknown, badArgs]) {
      const row = await ended(cmd.commandId);
      expect(row).toMatchObject({ status: 'failed', attempts: 1, submissions: 0 });
      expect(row.error_code).toMatch(/^ENDORSE_/);
      expect(row.error_message).not.toBe('');
    }
    expect((await operation(unknown.commandId))?.error_message).toMatch(/NoSuchTransaction/);
    expect(await ended(noIdentity.commandId)).toMatchObject({ status: 'failed', error_code: 'NOT_THIS_MEMBER', attempts: 0, submissions: 0 });

    const ids = [unknown, badArgs, noIdentity].map((c) => c.commandId);
    const receipts = (await readTopic(kafka, topics.receipts, (m) => ids.every((id) => m.some((r) => json(r).data['commandId'] === id))))
      .map(json)
      .filter((r) => ids.includes(r.data['commandId'] as string));
    expect(receipts).toHaveLength(3);
    for (const receipt of receipts) expect(receipt.data).toMatchObject({ status: 'failed', blockNumber: null });
  });

  it('fails a message that is not a valid command, answering to its id', async () => {
    const invalid = { ...ledgerCommandCloudEvent(command(), 'urn:it') };
    const commandId = `cmd-invalid-${hex()}`;
    await send({ ...invalid, id: commandId, data: { commandId, channel: 'Not A Channel', arguments: 'nope' } });
    expect(await ended(commandId)).toMatchObject({ status: 'failed', error_code: 'CONTRACT_INVALID', submissions: 0 });
  });

  it('does not submit a redelivered command id again', async () => {
    const cmd = command();
    const envelope = ledgerCommandCloudEvent(cmd, 'urn:it');
    await send(envelope);
    const first = await ended(cmd.commandId);
    expect(first.status).toBe('committed');

    await send(envelope);
    await send(envelope);
    // A command sent after the redeliveries has ended, so the consumer has handled them.
    const marker = command();
    await send(ledgerCommandCloudEvent(marker, 'urn:it'));
    await ended(marker.commandId);
    const again = await operation(cmd.commandId);
    expect(again).toMatchObject({ status: 'committed', submissions: 1, attempts: 1, transaction_id: first.transaction_id });
    expect(again?.updated_at).toEqual(first.updated_at);

    // The ledger saw one Put of that key: scan its events up to the marker's transaction.
    const markerRow = await operation(marker.commandId);
    const events = await client.gateway.getNetwork(PROBE_CHANNEL).getChaincodeEvents('hello', { startBlock: BigInt(first.block_number!) });
    let puts = 0;
    try {
      for await (const event of events) {
        if ((JSON.parse(decode(event.payload)) as { key: string }).key === cmd.arguments[0]) puts += 1;
        if (event.transactionId === markerRow?.transaction_id) break;
      }
    } finally {
      events.close();
    }
    expect(puts).toBe(1);

    const receipts = (await readTopic(kafka, topics.receipts, (m) => m.some((r) => json(r).data['commandId'] === marker.commandId)))
      .map(json)
      .filter((r) => r.data['commandId'] === cmd.commandId);
    expect(receipts).toHaveLength(1);
  });

  it.each([
    ['endorsed but never sent', false],
    ['sent and committed, but not recorded', true],
  ])('resumes an operation left submitted by a crash (%s) with the same transaction', async (_case, alreadySent) => {
    const cmd = command();
    // Endorsed as the bridge's own OperatorMSP identity, as the bridge did before the crash: the
    // stored transaction is unsigned until sent, and the resend signs it with the same identity.
    const bridgeIdentity = await new FileWallet(wallet.dir).get('OperatorMSP');
    const peer = bridgeSettings(wallet.dir, topics).fabric!;
    const asBridge = connectGateway({ endpoint: peer.endpoint, hostAlias: peer.hostAlias, tlsCaPem: readFileSync(peer.tlsCaFile, 'utf8') }, bridgeIdentity);
    const contract = asBridge.gateway.getNetwork(PROBE_CHANNEL).getContract('hello');
    const transaction = await contract.newProposal('Put', { arguments: cmd.arguments }).endorse();
    if (alreadySent) {
      const status = await (await transaction.submit()).getStatus();
      expect(status.successful).toBe(true);
    }
    await db.dataSource.query(
      `INSERT INTO "${db.schema}".operations (command_id, channel, chaincode, transaction, arguments, acting_msp_id, status,
         transaction_id, prepared_tx, attempts, submissions)
       VALUES ($1, $5, 'hello', 'Put', $2::jsonb, 'OperatorMSP', 'submitted', $3, $4, 1, 1)`,
      [cmd.commandId, JSON.stringify(cmd.arguments), transaction.getTransactionId(), Buffer.from(transaction.getBytes()), PROBE_CHANNEL],
    );
    await send(ledgerCommandCloudEvent(cmd, 'urn:it'));
    const row = await ended(cmd.commandId);
    expect(row).toMatchObject({ status: 'committed', transaction_id: transaction.getTransactionId(), attempts: 1, submissions: 1 });
    const stored = await contract.evaluateTransaction('Get', cmd.arguments[0]!);
    expect(decode(stored)).toBe(cmd.arguments[1]);
    asBridge.close();
  });

  it('submits a command handed to two consumers at once only once', async () => {
    const cmd = command();
    const settings = bridgeSettings(wallet.dir, topics);
    const replicas = [1, 2].map(() => {
      const gateways = new Gateways(settings.fabric!, new FileWallet(wallet.dir));
      const operations = new OperationsRepository(db.dataSource, db.schema, topics.receipts, 'urn:it');
      return { gateways, service: new CommandService({ operations, gateways, logger: { error() {}, warn() {}, log() {}, debug() {} } }) };
    });
    try {
      const outcomes = await Promise.all(replicas.map((r) => r.service.handle(cmd)));
      expect(outcomes).toEqual(['committed', 'committed']);
    } finally {
      await Promise.all(replicas.map((r) => r.gateways.close()));
    }
    expect(await operation(cmd.commandId)).toMatchObject({ status: 'committed', attempts: 1, submissions: 1 });
    const [receipts] = await db.dataSource.query(`SELECT count(*)::int AS n FROM "${db.schema}".outbox WHERE id = $1`, [`receipt:${cmd.commandId}`]);
    expect(receipts.n).toBe(1);
  });
});
