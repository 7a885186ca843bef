import { ledgerCommandCloudEvent, OPERATOR_MSP, type LedgerCommand } from '@datawell/contracts';
import { enrollClientIdentity, orgCaCertificate } from '@datawell/stack';
import { apiClient, createKeyAndCsr, registerParticipants, stackAdminIdentity, testCertificateAuthority, testStackContext } from '@datawell/testing';
import type { Kafka, Producer } from 'kafkajs';
import type { LedgerBridge } from '../../src/ledger-bridge';
import { FileWallet } from '../../src/wallet/wallet.adapter';
import { bridgeSettings, createTopics, hex, kafkaClient, newBridge, operatorAdminApp, operatorWallet, probeChannel, PROBE_CHANNEL, scratchDatabase, waitFor, type OperatorAdminApp } from './harness';

jest.setTimeout(300_000);

/**
 * The operator's bridge as `./dev up` and the e2e tier run it (custody removed, issue #11). On the real
 * network, onboarding an organisation that published no MSP package is refused with NO_MSP_PACKAGE
 * and nothing of it is created; reading a DAO's private state as a member is refused; and a ledger
 * command acting as any organisation but the operator is refused before anything is signed, even when
 * the wallet holds an identity under that name, while the operator's own command commits.
 */
describe('the operator bridge without custody (domains only)', () => {
  const ctx = testStackContext();
  const topics = { events: `it.nocustody.events.${hex()}`, commands: `it.nocustody.commands.${hex()}`, receipts: `it.nocustody.receipts.${hex()}` };
  let app: OperatorAdminApp;
  let operator: ReturnType<typeof apiClient>;
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  let producer: Producer;
  let bridge: LedgerBridge;

  beforeAll(async () => {
    // The admin app migrates a scratch database of its own: not beside this one, since on a fresh
    // stack both would run the first migration's CREATE SCHEMA IF NOT EXISTS "ledger_bridge" at once,
    // and PostgreSQL lets only one of two concurrent creations of a name succeed.
    app = await operatorAdminApp();
    // The marketplace chaincode deployed, as `./dev up` deploys it: the participants' list reads it, and
    // on a fresh stack no other file may have deployed it yet (the list answered 503 LEDGER_UNAVAILABLE).
    await registerParticipants(ctx, []);
    [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet(), probeChannel()]);
    operator = apiClient(app.url, () => stackAdminIdentity(ctx, OPERATOR_MSP));
    kafka = kafkaClient();
    await createTopics(kafka, Object.values(topics));
    producer = kafka.producer();
    await producer.connect();
    bridge = newBridge(db, kafka, bridgeSettings(wallet.dir, topics));
    await bridge.start();
  });

  afterAll(async () => {
    await bridge?.stop();
    await producer?.disconnect();
    await app?.close();
    wallet?.remove();
    await db?.drop();
  });

  it('refuses onboarding without an MSP package: 422 NO_MSP_PACKAGE naming ./dev domain add, no organisation created, none registered', async () => {
    const mspId = `NoCustody${hex(3)}MSP`;
    await expect(operator.call('/admin/participants', { method: 'POST', body: { mspId, role: 'VSP', name: 'Held by nobody' } })).rejects.toThrow(
      new RegExp(`: 422 NO_MSP_PACKAGE ${mspId} has published no MSP package.*\\./dev domain add ${mspId} --role VSP`),
    );
    // No organisation (CA, peer, keys) in the operator's stack registry, and nothing on the ledger.
    expect(() => orgCaCertificate(ctx, mspId)).toThrow();
    const listed = await operator.call<{ participants: { mspId: string }[] }>('/admin/participants');
    expect(listed.participants.map((p) => p.mspId)).not.toContain(mspId);
  });

  it("refuses a participant's read of a DAO version's private state through the operator: 403 NOT_CUSTODIAN", async () => {
    // A participant known to the operator's identity directory (its CA), reading as itself.
    const mspId = `Reader${hex(3)}MSP`;
    const ca = await testCertificateAuthority(`ca.${mspId}`);
    await app.admitToDirectory({ mspId, role: 'DSP', caCertPem: ca.caCertPem });
    const person = await createKeyAndCsr(`reader-${hex()}`);
    const identity = { mspId, certificatePem: await ca.issue(person.csrPem), privateKeyPem: person.privateKeyPem };
    const participant = apiClient(app.url, () => identity);
    await expect(participant.call('/admin/daos/acme/versions/1/state')).rejects.toThrow(/: 403 NOT_CUSTODIAN the operator holds no identity of Reader/);
    await expect(participant.call('/admin/daos/acme/versions/1/entitlements')).rejects.toThrow(/: 403 NOT_CUSTODIAN /);
  });

  it("signs only as the operator: a command acting as another organisation fails NOT_THIS_MEMBER unsigned, the operator's own commits", async () => {
    // An identity the wallet holds under another organisation's name: without the restriction the bridge would sign with it.
    const held = 'HeldVspMSP';
    await new FileWallet(wallet.dir).put({ ...(await enrollClientIdentity(ctx, OPERATOR_MSP, `nocustody-${hex()}`)), mspId: held });
    const command = (actingMspId: string): LedgerCommand => ({ commandId: `cmd-${hex()}`, channel: PROBE_CHANNEL, chaincode: 'hello', transaction: 'Put', arguments: [`k-${hex()}`, 'v'], actingMspId });
    const foreign = command(held);
    const own = command(OPERATOR_MSP);
    await producer.send({ topic: topics.commands, messages: [foreign, own].map((c) => ({ key: PROBE_CHANNEL, value: JSON.stringify(ledgerCommandCloudEvent(c, 'urn:it')) })) });
    const ended = (commandId: string) =>
      waitFor(`operation ${commandId} to end`, async () => {
        const [row] = (await db.dataSource.query(`SELECT status, attempts, submissions, transaction_id, error_code, error_message FROM "${db.schema}".operations WHERE command_id = $1`, [commandId])) as Array<Record<string, unknown>>;
        return row && (row['status'] === 'committed' || row['status'] === 'failed') ? row : undefined;
      });
    expect(await ended(foreign.commandId)).toEqual({ status: 'failed', attempts: 0, submissions: 0, transaction_id: null, error_code: 'NOT_THIS_MEMBER', error_message: `this bridge submits only as ${OPERATOR_MSP}, not as ${held}` });
    expect(await ended(own.commandId)).toMatchObject({ status: 'committed', error_code: null });
  });
});
