import 'reflect-metadata';
import { createPrivateKey, sign, webcrypto, X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import * as x509 from '@peculiar/x509';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { agreementReachedCloudEvent, DAO, MARKETPLACE, MARKETPLACE_CHANNEL, NETWORK_COMMAND_TYPE, networkCommandCloudEvent, type AgreementReached, type NetworkCommand } from '@datawell/contracts';
import { canonicalBytes } from '@datawell/domain';
import { connectGateway, type GatewayConnection } from '@datawell/fabric';
import { addDomain, channelOrganisations, committedDefinition, enrollClientIdentity, memberFabric, operatorFabric, ownPeerChannels, readMspPackage, type EnrolledIdentity } from '@datawell/stack';
import { agreementFor, integrationPool, REPO_DIR, testStackContext } from '@datawell/testing';
import { stackPeerDirectory } from '../../src/admin/fabric-admin.adapter';
import { LedgerBridge, type NetworkTopics } from '../../src/ledger-bridge';
import { bridgeSettings, createTopics, hex, json, kafkaClient, operatorWallet, ordererChannelNames, readTopic, scratchDatabase, startMemberBridge, waitFor, type MemberBridge } from './harness';

jest.setTimeout(900_000);

/*
 * The bridge as the network's administration over Kafka, on the real stack, with the operator's
 * bridge as `./dev up` runs it and the participants in their own trust domains (made by
 * the stack tooling, as `./dev domain add` makes them; each with its own member-mode bridge): network
 * commands onboard them from their public MSP packages, each outcome once (a redelivered command
 * too); the operator enrolls nothing for a domain's organisation (its identities come from its own
 * CA) and bad commands fail with a code. Signed agreements form DAO versions: the operator verifies
 * every signature against the CA the marketplace registered and forms the channel from the members'
 * packages; the members' own bridges join, and the DSP's initialises the version. A bad signature
 * creates nothing, not even on the orderers.
 *
 * Custody only (dropped): the operator onboarding an organisation by creating its CA, MSP and peer,
 * enrolling its identities from certificate requests, and initialising the version as the DSP. For a
 * domain the first is the tooling's (addDomain) and the last the DSP's own bridge's; enrollment at the
 * operator is refused (ENROLL_IN_DOMAIN) and the certificate-request checks are kept on an
 * organisation that is no participant.
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A key made here and a certificate request for it: only the request leaves the test. */
async function requester(cn: string): Promise<{ csrPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: ALG });
  return { csrPem: csr.toString('pem') };
}

const pool = integrationPool();
const DSP = pool.dsp;
const VSP = pool.vsps[0];

describe('network administration over Kafka (ledger bridge), participants in their own domains', () => {
  const ctx = testStackContext();
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  const run = hex(3);
  const topics = { events: `it.nw.ledger-events.${run}`, commands: `it.nw.ledger-commands.${run}`, receipts: `it.nw.receipts.${run}` };
  const network: NetworkTopics = {
    commands: `it.nw.commands.${run}`,
    events: `it.nw.events.${run}`,
    agreements: `it.nw.agreements.${run}`,
    commandsGroupId: `it-nw-commands-${run}`,
    agreementsGroupId: `it-nw-agreements-${run}`,
  };
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  let bridge: LedgerBridge;
  const members: Record<string, MemberBridge> = {};
  /** A person of each organisation, enrolled at its own CA in its domain. */
  const people: Record<string, EnrolledIdentity> = {};
  const connections: GatewayConnection[] = [];

  beforeAll(async () => {
    await addDomain(ctx, DSP, 'DSP');
    await addDomain(ctx, VSP, 'VSP');
    [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
    kafka = kafkaClient();
    await createTopics(kafka, [...Object.values(topics), network.commands, network.events, network.agreements]);
    bridge = new LedgerBridge({
      dataSource: db.dataSource,
      schema: db.schema,
      kafka,
      // Domains only, as ./dev up runs it: the operator holds no organisation in custody.
      settings: { ...bridgeSettings(wallet.dir, topics), admin },
      logger: new Logger('NetworkIT'),
      outboxPollIntervalMs: 100,
      peers: stackPeerDirectory(admin),
      networkTopics: network,
      networkRetry: { maxAttempts: 2, delayMs: 500 },
    });
    await bridge.start();
    for (const [mspId, person] of [[DSP, 'dana'], [VSP, 'alice']] as const) {
      members[mspId] = await startMemberBridge(mspId, `lb-nw-${mspId}-${run}`);
      people[mspId] = await enrollClientIdentity(ctx, mspId, person);
    }
  }, 900_000);

  afterAll(async () => {
    connections.forEach((c) => c.close());
    for (const m of Object.values(members)) {
      await m.bridge.stop();
      await m.db.drop();
    }
    await bridge?.stop();
    wallet?.remove();
    await db?.drop();
  });

  /** A Gateway to the member's own peer (from its public MSP package) as its person. */
  function connect(mspId: string): GatewayConnection {
    const pkg = readMspPackage(ctx, mspId);
    const conn = connectGateway({ endpoint: pkg.peer.endpoint, hostAlias: pkg.peer.hostAlias, tlsCaPem: pkg.peer.tlsCaCert }, people[mspId]!);
    connections.push(conn);
    return conn;
  }

  async function send(topic: string, key: string, values: unknown[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: values.map((v) => ({ key, value: JSON.stringify(v) })) });
    } finally {
      await producer.disconnect();
    }
  }

  /** The network events of these command ids, once each is there (and nothing more comes for them). */
  async function outcomes(ids: string[], timeoutMs: number): Promise<Record<string, Record<string, unknown>>> {
    const mine = (m: KafkaMessage) => ids.includes(json(m).data['commandId'] as string);
    const seen = await readTopic(kafka, network.events, (ms) => new Set(ms.filter(mine).map((m) => json(m).data['commandId'])).size === ids.length, { timeoutMs, lingerMs: 3000 });
    const events = seen.filter(mine).map((m) => json(m).data);
    expect(events.map((e) => e['commandId']).sort()).toEqual([...ids].sort()); // exactly one each
    return Object.fromEntries(events.map((e) => [e['commandId'] as string, e]));
  }

  it("onboards domains from their MSP packages, each outcome once; enrolls nothing for a domain's organisation; bad commands fail with a code", async () => {
    const [alice, alice2, dana, other, wrongName] = await Promise.all([requester('alice'), requester('alice'), requester('dana'), requester('eve'), requester('mallory')]);
    const c = (n: string) => `nw-${run}-${n}`;
    const stranger = `NbX${run}MSP`;
    const commands: NetworkCommand[] = [
      { kind: 'onboard-participant', commandId: c('dsp'), mspId: DSP, role: 'DSP', name: 'Network test data owner' },
      { kind: 'onboard-participant', commandId: c('vsp'), mspId: VSP, role: 'VSP', name: 'Network test VSP' },
      { kind: 'enroll-identity', commandId: c('alice'), mspId: VSP, enrollmentId: 'alice', csrPem: alice.csrPem },
      { kind: 'enroll-identity', commandId: c('alice2'), mspId: VSP, enrollmentId: 'alice', csrPem: alice2.csrPem },
      { kind: 'enroll-identity', commandId: c('dana'), mspId: DSP, enrollmentId: 'dana', csrPem: dana.csrPem },
      { kind: 'enroll-identity', commandId: c('wrong-name'), mspId: stranger, enrollmentId: 'bob', csrPem: wrongName.csrPem },
      { kind: 'enroll-identity', commandId: c('stranger'), mspId: stranger, enrollmentId: 'eve', csrPem: other.csrPem },
      { kind: 'enroll-identity', commandId: c('reserved'), mspId: VSP, enrollmentId: 'admin', csrPem: other.csrPem },
    ];
    const envelopes: unknown[] = commands.map((cmd) => networkCommandCloudEvent(cmd, 'urn:it'));
    envelopes.splice(3, 0, envelopes[2]); // a redelivered enrollment: still one outcome
    const invalid = { specversion: '1.0', id: c('invalid'), source: 'urn:it', type: NETWORK_COMMAND_TYPE, time: new Date().toISOString(), datacontenttype: 'application/json', data: { kind: 'onboard-participant', commandId: c('invalid'), mspId: 'not an msp', role: 'VSP', name: 'x' } };
    await send(network.commands, VSP, [...envelopes, invalid]);

    const out = await outcomes([...commands.map((cmd) => cmd.commandId), c('invalid')], 600_000);
    // Admitted from their public packages: the CA certificate the marketplace records is the domain's own.
    const vspCa = readMspPackage(ctx, VSP).cacerts[0]!;
    // Its name is the one it was first registered with (onboarding again changes nothing: the worker's pool
    // domain may have been onboarded by an earlier file), checked against the ledger's record below.
    expect(out[c('vsp')]).toEqual({ kind: 'participant-onboarded', commandId: c('vsp'), mspId: VSP, role: 'VSP', name: expect.any(String), caCertPem: vspCa });
    expect(out[c('dsp')]).toMatchObject({ kind: 'participant-onboarded', mspId: DSP, role: 'DSP', caCertPem: readMspPackage(ctx, DSP).cacerts[0] });
    // The operator enrolls nothing for a domain's organisation, whatever the request.
    for (const [id, mspId] of [[c('alice'), VSP], [c('alice2'), VSP], [c('dana'), DSP]] as const) {
      expect(out[id]).toMatchObject({ kind: 'command-failed', subject: mspId, code: 'ENROLL_IN_DOMAIN', message: expect.stringMatching(/enrolled at its own CA there, not through the operator/) });
    }
    expect(out[c('wrong-name')]).toMatchObject({ kind: 'command-failed', subject: stranger, code: 'INVALID_CSR', message: expect.stringMatching(/common name must be the enrollment id "bob"/) });
    expect(out[c('stranger')]).toMatchObject({ kind: 'command-failed', code: 'NOT_A_PARTICIPANT' });
    expect(out[c('reserved')]).toMatchObject({ kind: 'command-failed', code: 'INVALID_REQUEST', message: expect.stringMatching(/enrollmentId: is reserved/) });
    expect(out[c('invalid')]).toMatchObject({ kind: 'command-failed', code: 'INVALID_COMMAND', message: expect.stringMatching(/mspId/) });
    // And holds no identity of theirs: its wallet has the operator's only.
    expect(readdirSync(wallet.dir)).toEqual(['OperatorMSP.json']);

    // Each member's own admin joined its peer to marketplace and approved its chaincode (told through its
    // inbox); a person of its own CA reads its registration there, through its own peer.
    for (const mspId of [DSP, VSP]) {
      const m = memberFabric(ctx, mspId);
      await waitFor(`${mspId}'s own peer on marketplace`, async () => ((await ownPeerChannels(m)).includes(MARKETPLACE_CHANNEL) ? true : undefined), 300_000);
      await waitFor(`${mspId}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(m, MARKETPLACE_CHANNEL, MARKETPLACE.chaincode))?.approvals[mspId] ? true : undefined), 300_000);
    }
    const contract = connect(VSP).gateway.getNetwork(MARKETPLACE_CHANNEL).getContract(MARKETPLACE.chaincode);
    // Its peer may be launching the marketplace chaincode for its first call: retry until it answers.
    const record = await waitFor(
      `${VSP}'s registration through its own peer`,
      () => contract.evaluateTransaction(MARKETPLACE.tx.GetParticipant, VSP).then((bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>, () => undefined),
      300_000,
    );
    expect(record).toMatchObject({ mspId: VSP, role: 'VSP', status: 'active', caCertPem: vspCa, name: out[c('vsp')]!['name'] });
    expect(new X509Certificate(people[VSP]!.certificatePem).checkIssued(new X509Certificate(vspCa))).toBe(true);
  }, 900_000);

  it('forms a DAO version from an agreement every member signed, and creates nothing for a bad signature', async () => {
    const reached = (daoId: string, tamper = false): AgreementReached => {
      const agreement = agreementFor({ daoId, dsp: DSP, vsps: [VSP], betasPpm: [800_000] }, 1) as AgreementReached['agreement'];
      return {
        sessionId: `s-${daoId}`,
        agreementId: agreement['agreementId'] as string,
        daoId,
        version: 1,
        agreement,
        signatures: [DSP, VSP].map((mspId) => ({
          mspId,
          enrollmentId: people[mspId]!.id,
          certificatePem: people[mspId]!.certificatePem,
          // The tampered one signs other terms than those sent.
          signature: sign('sha256', canonicalBytes(tamper && mspId === VSP ? { ...agreement, betaPpm: 10 } : agreement), createPrivateKey(people[mspId]!.privateKeyPem)).toString('base64'),
        })),
      };
    };
    const good = reached(`nb${run}`);
    const bad = reached(`nbbad${run}`, true);
    // A certificate of the DSP's CA presented as the VSP's: it does not chain to the VSP's CA.
    const foreign = reached(`nbfx${run}`);
    foreign.signatures[1] = { ...foreign.signatures[1]!, certificatePem: people[DSP]!.certificatePem };
    await send(network.agreements, good.daoId, [bad, foreign, good].map((e) => agreementReachedCloudEvent(e, 'urn:it')));

    const out = await outcomes([`agreement:${bad.agreementId}`, `agreement:${foreign.agreementId}`, `agreement:${good.agreementId}`], 600_000);
    expect(out[`agreement:${bad.agreementId}`]).toMatchObject({ kind: 'command-failed', subject: `dao-${bad.daoId}-v1`, code: 'BAD_SIGNATURE', message: expect.stringMatching(new RegExp(`${VSP}/alice\\): the signature does not verify`)) });
    expect(out[`agreement:${foreign.agreementId}`]).toMatchObject({ kind: 'command-failed', code: 'BAD_SIGNATURE', message: expect.stringMatching(/not issued by the CA of/) });
    // The operator formed the channel and submitted nothing as a member: the DSP's own bridge initialises it.
    const channel = `dao-${good.daoId}-v1`;
    expect(out[`agreement:${good.agreementId}`]).toEqual({ kind: 'dao-version-created', commandId: `agreement:${good.agreementId}`, daoId: good.daoId, version: 1, channel, members: [DSP, VSP], initTxId: '' });
    // Each member reads the version from its own peer as its own person, once its bridge joined and the DSP's initialised it.
    for (const mspId of [DSP, VSP]) {
      const contract = connect(mspId).gateway.getNetwork(channel).getContract(DAO.chaincode);
      const version = await waitFor(
        `${mspId} to read ${channel} from its own peer`,
        () => contract.evaluateTransaction(DAO.tx.GetVersion).then((bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>, () => undefined),
        600_000,
      );
      expect(version).toMatchObject({ daoId: good.daoId, version: 1 });
    }
    // Fabric's own view: exactly the two members on the channel (its config as a member's admin fetches it), the operator's peer outside.
    expect(await channelOrganisations(memberFabric(ctx, VSP), channel)).toEqual([DSP, VSP].sort());
    expect(await ownPeerChannels(operatorFabric(ctx))).not.toContain(channel);
    // Nothing of the rejected agreements exists: no channel registered, none on the ordering service.
    const served = await ordererChannelNames();
    expect(served).toContain(channel);
    for (const rejected of [bad, foreign]) {
      expect(served).not.toContain(`dao-${rejected.daoId}-v1`);
      expect(await bridge.channels.get(`dao-${rejected.daoId}-v1`)).toBeUndefined();
    }
    expect(readdirSync(wallet.dir)).toEqual(['OperatorMSP.json']);
  }, 900_000);
});
