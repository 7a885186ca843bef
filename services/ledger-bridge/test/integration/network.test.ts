import 'reflect-metadata';
import { createPrivateKey, sign, webcrypto, X509Certificate } from 'node:crypto';
import { Logger } from '@nestjs/common';
import * as x509 from '@peculiar/x509';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { agreementReachedCloudEvent, NETWORK_COMMAND_TYPE, networkCommandCloudEvent, type AgreementReached, type NetworkCommand } from '@datawell/contracts';
import { canonicalBytes } from '@datawell/domain';
import { connectGateway } from '@datawell/fabric';
import { orgCaCertificate } from '@datawell/stack';
import { agreementFor, REPO_DIR, testStackContext } from '@datawell/testing';
import { stackPeerDirectory } from '../../src/admin/fabric-admin.adapter';
import { LedgerBridge, type NetworkTopics } from '../../src/ledger-bridge';
import { bridgeSettings, createTopics, hex, json, kafkaClient, operatorWallet, readTopic, scratchDatabase } from './harness';

/*
 * The bridge as the network's administration over Kafka, on the real stack: network commands onboard
 * a fresh organisation (a unique MSP id per run, so onboarding really creates its CA, MSP and peer)
 * and enroll identities from certificate requests made here; signed agreements form DAO versions.
 * The DSP of the agreement is a fixed organisation (onboarding it again is a no-op).
 */
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

interface Requester {
  readonly csrPem: string;
  readonly privateKeyPem: string;
  readonly spkiDer: Buffer;
}

/** A key made here and a certificate request for it: only the request leaves the test. */
async function requester(cn: string): Promise<Requester> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: ALG });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64').replace(/.{64}/g, '$&\n');
  return {
    csrPem: csr.toString('pem'),
    privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n`,
    spkiDer: Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey)),
  };
}

const DSP = 'NbDspMSP';

describe('network administration over Kafka (ledger bridge)', () => {
  const ctx = testStackContext();
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  const run = hex(3);
  const VSP = `NbT${run}MSP`;
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
  const enrolled: Record<string, { certificatePem: string; privateKeyPem: string }> = {};

  beforeAll(async () => {
    [db, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
    kafka = kafkaClient();
    await createTopics(kafka, [...Object.values(topics), network.commands, network.events, network.agreements]);
    bridge = new LedgerBridge({
      dataSource: db.dataSource,
      schema: db.schema,
      kafka,
      settings: { ...bridgeSettings(wallet.dir, topics), admin },
      logger: new Logger('NetworkIT'),
      outboxPollIntervalMs: 100,
      peers: stackPeerDirectory(admin),
      networkTopics: network,
      networkRetry: { maxAttempts: 2, delayMs: 500 },
    });
    await bridge.start();
  });

  afterAll(async () => {
    await bridge?.stop();
    wallet?.remove();
    await db?.drop();
  });

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

  it('onboards a fresh organisation and enrolls identities from certificate requests, re-enrolling too; bad commands fail with a code', async () => {
    const [alice, alice2, dana, other, wrongName] = await Promise.all([requester('alice'), requester('alice'), requester(`dana-${run}`), requester('eve'), requester('mallory')]);
    const c = (n: string) => `nw-${run}-${n}`;
    const commands: NetworkCommand[] = [
      { kind: 'onboard-participant', commandId: c('dsp'), mspId: DSP, role: 'DSP', name: 'Network test data owner' },
      { kind: 'onboard-participant', commandId: c('vsp'), mspId: VSP, role: 'VSP', name: `Network test VSP ${run}` },
      { kind: 'enroll-identity', commandId: c('alice'), mspId: VSP, enrollmentId: 'alice', csrPem: alice.csrPem },
      { kind: 'enroll-identity', commandId: c('alice2'), mspId: VSP, enrollmentId: 'alice', csrPem: alice2.csrPem },
      { kind: 'enroll-identity', commandId: c('dana'), mspId: DSP, enrollmentId: `dana-${run}`, csrPem: dana.csrPem },
      { kind: 'enroll-identity', commandId: c('wrong-name'), mspId: VSP, enrollmentId: 'bob', csrPem: wrongName.csrPem },
      { kind: 'enroll-identity', commandId: c('stranger'), mspId: `NbX${run}MSP`, enrollmentId: 'eve', csrPem: other.csrPem },
      { kind: 'enroll-identity', commandId: c('reserved'), mspId: VSP, enrollmentId: 'admin', csrPem: other.csrPem },
    ];
    const envelopes: unknown[] = commands.map((cmd) => networkCommandCloudEvent(cmd, 'urn:it'));
    envelopes.splice(3, 0, envelopes[2]); // a redelivered enrollment: still one outcome
    const invalid = { specversion: '1.0', id: c('invalid'), source: 'urn:it', type: NETWORK_COMMAND_TYPE, time: new Date().toISOString(), datacontenttype: 'application/json', data: { kind: 'onboard-participant', commandId: c('invalid'), mspId: 'not an msp', role: 'VSP', name: 'x' } };
    await send(network.commands, VSP, [...envelopes, invalid]);

    const out = await outcomes([...commands.map((cmd) => cmd.commandId), c('invalid')], 1_500_000);
    const vspCa = orgCaCertificate(ctx, VSP);
    expect(out[c('vsp')]).toEqual({ kind: 'participant-onboarded', commandId: c('vsp'), mspId: VSP, role: 'VSP', name: `Network test VSP ${run}`, caCertPem: vspCa });
    expect(out[c('dsp')]).toMatchObject({ kind: 'participant-onboarded', mspId: DSP, role: 'DSP', caCertPem: orgCaCertificate(ctx, DSP) });
    expect(out[c('wrong-name')]).toMatchObject({ kind: 'command-failed', subject: VSP, code: 'INVALID_CSR', message: expect.stringMatching(/common name must be the enrollment id "bob"/) });
    expect(out[c('stranger')]).toMatchObject({ kind: 'command-failed', code: 'NOT_A_PARTICIPANT' });
    expect(out[c('reserved')]).toMatchObject({ kind: 'command-failed', code: 'INVALID_REQUEST', message: expect.stringMatching(/enrollmentId: is reserved/) });
    expect(out[c('invalid')]).toMatchObject({ kind: 'command-failed', code: 'INVALID_COMMAND', message: expect.stringMatching(/mspId/) });

    const ca = new X509Certificate(vspCa);
    const certs = [c('alice'), c('alice2')].map((id) => {
      const event = out[id]!;
      expect(event).toMatchObject({ kind: 'identity-enrolled', mspId: VSP, enrollmentId: 'alice', caCertPem: vspCa });
      const cert = new X509Certificate(event['certificatePem'] as string);
      expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
      expect(cert.subject).toMatch(/CN=alice/);
      return cert;
    });
    // Each certificate is for the key of its own request: re-enrolling issued a new one.
    expect(certs[0]!.publicKey.export({ type: 'spki', format: 'der' })).toEqual(alice.spkiDer);
    expect(certs[1]!.publicKey.export({ type: 'spki', format: 'der' })).toEqual(alice2.spkiDer);
    expect(certs[0]!.serialNumber).not.toBe(certs[1]!.serialNumber);
    enrolled[VSP] = { certificatePem: out[c('alice2')]!['certificatePem'] as string, privateKeyPem: alice2.privateKeyPem };
    enrolled[DSP] = { certificatePem: out[c('dana')]!['certificatePem'] as string, privateKeyPem: dana.privateKeyPem };

    // The identity signs Fabric transactions: a read on marketplace through its organisation's own peer.
    const peer = stackPeerDirectory(admin)(VSP);
    expect(peer).toBeDefined();
    const conn = connectGateway(peer!, { mspId: VSP, ...enrolled[VSP]! });
    try {
      const record = JSON.parse(Buffer.from(await conn.gateway.getNetwork('marketplace').getContract('marketplace').evaluateTransaction('GetParticipant', VSP)).toString('utf8'));
      expect(record).toMatchObject({ mspId: VSP, role: 'VSP', status: 'active', caCertPem: vspCa });
    } finally {
      conn.close();
    }
  }, 1_800_000);

  it('forms a DAO version from an agreement every member signed, and creates nothing for a bad signature', async () => {
    expect(enrolled[VSP] && enrolled[DSP]).toBeTruthy();
    const identities = { [DSP]: `dana-${run}`, [VSP]: 'alice' };
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
          enrollmentId: identities[mspId]!,
          certificatePem: enrolled[mspId]!.certificatePem,
          // The tampered one signs other terms than those sent.
          signature: sign('sha256', canonicalBytes(tamper && mspId === VSP ? { ...agreement, betaPpm: 10 } : agreement), createPrivateKey(enrolled[mspId]!.privateKeyPem)).toString('base64'),
        })),
      };
    };
    const good = reached(`nb${run}`);
    const bad = reached(`nbbad${run}`, true);
    // A certificate of the DSP's CA presented as the VSP's: it does not chain to the VSP's CA.
    const foreign = reached(`nbfx${run}`);
    foreign.signatures[1] = { ...foreign.signatures[1]!, certificatePem: enrolled[DSP]!.certificatePem };
    await send(network.agreements, good.daoId, [bad, foreign, good].map((e) => agreementReachedCloudEvent(e, 'urn:it')));

    const out = await outcomes([`agreement:${bad.agreementId}`, `agreement:${foreign.agreementId}`, `agreement:${good.agreementId}`], 900_000);
    expect(out[`agreement:${bad.agreementId}`]).toMatchObject({ kind: 'command-failed', subject: `dao-${bad.daoId}-v1`, code: 'BAD_SIGNATURE', message: expect.stringMatching(new RegExp(`${VSP}/alice\\): the signature does not verify`)) });
    expect(out[`agreement:${foreign.agreementId}`]).toMatchObject({ kind: 'command-failed', code: 'BAD_SIGNATURE', message: expect.stringMatching(/not issued by the CA of/) });
    expect(out[`agreement:${good.agreementId}`]).toEqual({
      kind: 'dao-version-created',
      commandId: `agreement:${good.agreementId}`,
      daoId: good.daoId,
      version: 1,
      channel: `dao-${good.daoId}-v1`,
      members: [DSP, VSP],
      initTxId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await bridge.admin!.channelMembers(`dao-${good.daoId}-v1`, DSP)).sort()).toEqual([DSP, VSP].sort());
    expect(await bridge.admin!.evaluateDao(good.daoId, 1, 'GetVersion', DSP)).toMatchObject({ daoId: good.daoId, version: 1 });
    // Nothing of the rejected agreements exists: no channel registered, none on the network.
    expect(await bridge.channels.get(`dao-${bad.daoId}-v1`)).toBeUndefined();
    await expect(bridge.admin!.channelMembers(`dao-${bad.daoId}-v1`, DSP)).rejects.toThrow();
  }, 1_200_000);
});
