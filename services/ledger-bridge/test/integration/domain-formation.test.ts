import 'reflect-metadata';
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { agreementReachedCloudEvent, memberLedgerTopics, resultDigest, type AgreementReached } from '@datawell/contracts';
import { connectGateway } from '@datawell/fabric';
import {
  addDomain,
  approvedPackageId,
  channelOrganisations,
  committedDefinition,
  enrollClientIdentity,
  memberFabric,
  operatorFabric,
  osUserFor,
  ownChaincodeProcesses,
  ownChaincodeRecord,
  ownPeerChannels,
  processUser,
  readMspPackage,
  startOwnChaincodeServer,
  stopOwnChaincodeServer,
  type EnrolledIdentity,
} from '@datawell/stack';
import { acceptancesOf, agreementFor, integrationPool, REPO_DIR, testStackContext } from '@datawell/testing';
import { stackPeerDirectory } from '../../src/admin/fabric-admin.adapter';
import { MemberDao } from '../../src/admin/member-dao';
import { LedgerBridge, type NetworkTopics } from '../../src/ledger-bridge';
import { MemberResults } from '../../src/member-network/computation-results';
import { ComputationResultsRepository } from '../../src/member-network/computation-results.repository';
import { bridgeSettings, createTopics, hex, json, kafkaClient, operatorWallet, readTopic, scratchDatabase, startMemberBridge, waitFor, type MemberBridge } from './harness';

jest.setTimeout(600_000);

/**
 * Onboarding and DAO formation with the participants in their own trust domains, end to end on the
 * real network: the operator's bridge admits each organisation to `marketplace` from its public MSP
 * package and forms the DAO's channel from the members' packages, holding no key of theirs; each
 * member's own bridge (its identity, its database, its Kafka principal and traffic key, its admin
 * acting as its OS user) joins its peer and approves, and the DSP's commits and submits InitVersion,
 * which the chaincode verifies. VersionCreated reaches the DSP's own (sealed) events topic.
 */
const pool = integrationPool();
const DSP = pool.dsp;
const VSP = pool.vsps[0];
const run = hex(3);

describe('onboarding and formation with every participant in its own domain', () => {
  const ctx = testStackContext();
  const admin = { stackDir: ctx.settings.stackDir, cacheDir: ctx.settings.cacheDir, repoDir: REPO_DIR };
  const topics = { events: `it.df.ledger-events.${run}`, commands: `it.df.ledger-commands.${run}`, receipts: `it.df.receipts.${run}` };
  const network: NetworkTopics = {
    commands: `it.df.commands.${run}`,
    events: `it.df.events.${run}`,
    agreements: `it.df.agreements.${run}`,
    commandsGroupId: `it-df-commands-${run}`,
    agreementsGroupId: `it-df-agreements-${run}`,
  };
  let operator: LedgerBridge;
  let operatorDb: Awaited<ReturnType<typeof scratchDatabase>>;
  let wallet: Awaited<ReturnType<typeof operatorWallet>>;
  let kafka: Kafka;
  const members: Record<string, MemberBridge> = {};
  const signers: Record<string, EnrolledIdentity> = {};

  beforeAll(async () => {
    await addDomain(ctx, DSP, 'DSP');
    await addDomain(ctx, VSP, 'VSP');
    [operatorDb, wallet] = await Promise.all([scratchDatabase(), operatorWallet()]);
    kafka = kafkaClient();
    await createTopics(kafka, [...Object.values(topics), network.commands, network.events, network.agreements]);
    operator = new LedgerBridge({
      dataSource: operatorDb.dataSource,
      schema: operatorDb.schema,
      kafka,
      // Domains only, as ./dev up runs it: the operator holds no organisation in custody.
      settings: { ...bridgeSettings(wallet.dir, topics), admin },
      logger: new Logger('DomainFormationIT:operator'),
      outboxPollIntervalMs: 100,
      peers: stackPeerDirectory(admin),
      networkTopics: network,
      networkRetry: { maxAttempts: 2, delayMs: 500 },
    });
    await operator.start();
    for (const mspId of [DSP, VSP]) {
      members[mspId] = await startMemberBridge(mspId, `lb-df-${mspId}-${run}`, { subscriptionSweepSeconds: 1 });
      signers[mspId] = await enrollClientIdentity(ctx, mspId, 'it-signer');
    }
  }, 900_000);

  afterAll(async () => {
    for (const m of Object.values(members)) {
      await m.bridge.stop();
      await m.db.drop();
    }
    await operator?.stop();
    wallet?.remove();
    await operatorDb?.drop();
  });

  /** The agreement, signed by both members, as negotiation publishes it; resolves once the operator's bridge reports its outcome. */
  async function reachAgreement(agreement: AgreementReached['agreement']) {
    const daoId = agreement['daoId'] as string;
    const { signatures } = acceptancesOf(agreement, [signers[DSP]!, signers[VSP]!]);
    const reached: AgreementReached = { sessionId: `s-${daoId}`, agreementId: agreement['agreementId'] as string, daoId, version: 1, agreement, signatures: signatures as AgreementReached['signatures'] };
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: network.agreements, messages: [{ key: daoId, value: JSON.stringify(agreementReachedCloudEvent(reached, 'urn:it')) }] });
    } finally {
      await producer.disconnect();
    }
    const outcome = await readTopic(kafka, network.events, (ms) => ms.some((m) => json(m).data['commandId'] === `agreement:${reached.agreementId}`), { timeoutMs: 600_000, lingerMs: 500 });
    return { reached, outcome };
  }

  /** What a member's bridge was doing, for a wait that timed out: its streams, its peer's view of the version, its last log entries. */
  async function memberState(mspId: string, channel: string): Promise<string> {
    const m = members[mspId]!;
    const onPeer = await ownPeerChannels(memberFabric(ctx, mspId)).then((cs) => cs.includes(channel), (e: unknown) => `unknown (${String(e)})`);
    return [`${mspId}'s bridge streams: ${m.bridge.streams().join(', ') || 'none'}; its peer on ${channel}: ${String(onPeer)}; its last log entries:`, ...m.recent()].join('\n');
  }

  it("admits each domain to marketplace from its MSP package; the member's own admin joins its peer and approves", async () => {
    for (const mspId of [DSP, VSP]) {
      const pkg = readMspPackage(ctx, mspId);
      const record = await operator.admin!.onboardParticipant({ mspId, role: pkg.role, name: `Domain ${mspId}` });
      expect(record).toMatchObject({ mspId, role: pkg.role, status: 'active', caCertPem: pkg.cacerts[0] });
    }
    for (const mspId of [DSP, VSP]) {
      const m = memberFabric(ctx, mspId);
      await waitFor(`${mspId}'s own peer on marketplace`, async () => ((await ownPeerChannels(m)).includes('marketplace') ? true : undefined), 300_000);
      await waitFor(`${mspId}'s approval of the marketplace chaincode`, async () => ((await committedDefinition(m, 'marketplace', 'marketplace'))?.approvals[mspId] ? true : undefined), 300_000);
    }
    // The operator enrolls nothing for a domain's organisation: its identities come from its own CA.
    await expect(operator.admin!.enrollIdentity({ mspId: DSP, enrollmentId: 'someone', csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----\n' })).rejects.toMatchObject({ code: 'ENROLL_IN_DOMAIN' });
    // And holds no identity of theirs: its wallet has the operator's only.
    expect(readdirSync(wallet.dir)).toEqual(['OperatorMSP.json']);
  }, 900_000);

  it("forms the DAO's channel from the members' packages; the members join and approve, the DSP's own bridge commits and initialises it", async () => {
    const daoId = `df${run}`;
    const { reached, outcome } = await reachAgreement(agreementFor({ daoId, dsp: DSP, vsps: [VSP], betasPpm: [700_000] }, 1) as AgreementReached['agreement']);
    const channel = `dao-${daoId}-v1`;
    // The operator formed the channel and submitted nothing as a member: no InitVersion of its own.
    expect(outcome.map((m) => json(m).data).find((d) => d['commandId'] === `agreement:${reached.agreementId}`)).toEqual({
      kind: 'dao-version-created',
      commandId: `agreement:${reached.agreementId}`,
      daoId,
      version: 1,
      channel,
      members: [DSP, VSP],
      initTxId: '',
    });
    // VersionCreated, relayed by the DSP's own bridge to its own topic (sealed on the broker, opened with its key).
    const created = await readTopic(
      members[DSP]!.kafka,
      memberLedgerTopics(DSP).events,
      (ms) => ms.some((m) => json(m).data['eventName'] === 'VersionCreated' && json(m).data['channel'] === channel),
      { timeoutMs: 600_000, lingerMs: 500, groupPrefix: `datawell.member.${DSP}.it-reader`, explain: () => memberState(DSP, channel) },
    );
    expect(created.length).toBeGreaterThan(0);
    // Fabric's own view: exactly the two members on the channel, each approval its own, the operator's peer outside.
    expect(await channelOrganisations(memberFabric(ctx, VSP), channel)).toEqual([DSP, VSP].sort());
    expect((await committedDefinition(memberFabric(ctx, VSP), channel, 'dao'))?.approvals).toEqual({ [DSP]: true, [VSP]: true });
    expect(await ownPeerChannels(operatorFabric(ctx))).not.toContain(channel);
    // The member's own route reads the same from its own peer's channel config (the console's channel members),
    // with each organisation's MSP root certificates there: its MSP package's CA (its MPC node checks a requester's certificate against them).
    const read = await new MemberDao(members[VSP]!.bridge.memberLedger!).channel(daoId, 1);
    expect({ ...read, rootCertificates: undefined }).toEqual({ daoId, version: 1, channel, organisations: [DSP, VSP].sort(), rootCertificates: undefined, source: 'fabric-channel-config' });
    const fingerprints = (pems: readonly string[]) => pems.map((pem) => new X509Certificate(pem).fingerprint256);
    expect(Object.fromEntries(Object.entries(read.rootCertificates).map(([msp, pems]) => [msp, fingerprints(pems)]))).toEqual({ [DSP]: fingerprints(readMspPackage(ctx, DSP).cacerts), [VSP]: fingerprints(readMspPackage(ctx, VSP).cacerts) });
    // Each member approved the definition with its own package, served by its own chaincode server,
    // which runs as its domain's OS user: not the package of the operator's server.
    const operatorPackage = JSON.parse(readFileSync(join(ctx.settings.stackDir, 'fabric', 'registry.json'), 'utf8')).chaincodes.dao.packageId as string;
    for (const mspId of [DSP, VSP]) {
      const m = memberFabric(ctx, mspId);
      const own = ownChaincodeRecord(m.chaincodeServer!, 'dao')!;
      expect(own.packageId).toMatch(/^dao_[^:]+:[0-9a-f]{64}$/);
      expect(own.packageId).not.toBe(operatorPackage);
      expect(await approvedPackageId(m, channel, 'dao', 1)).toBe(own.packageId);
      const server = ownChaincodeProcesses(m.chaincodeServer!).find((p) => p.record.name === 'dao');
      expect(server?.pid).toBeDefined();
      expect(processUser(server!.pid!)).toBe(osUserFor(mspId));
    }
    // The version as the VSP reads it from its own peer, with its own identity.
    const pkg = readMspPackage(ctx, VSP);
    const conn = connectGateway({ endpoint: pkg.peer.endpoint, hostAlias: pkg.peer.hostAlias, tlsCaPem: pkg.peer.tlsCaCert }, signers[VSP]!);
    const getVersion = async () => {
      // The VSP's peer may be launching the chaincode for its first call on this channel: longer than
      // the gateway's 15 s under load, so this one read may take two minutes.
      const proposal = conn.gateway.getNetwork(channel).getContract('dao').newProposal('GetVersion');
      return JSON.parse(Buffer.from(await proposal.evaluate({ deadline: Date.now() + 120_000 })).toString('utf8')) as Record<string, unknown>;
    };
    const servers = [DSP, VSP].map((mspId) => ({ mspId, server: memberFabric(ctx, mspId).chaincodeServer! }));
    const restart = async () => {
      for (const { mspId, server } of servers) await startOwnChaincodeServer(server, ownChaincodeRecord(server, 'dao')!, osUserFor(mspId));
    };
    try {
      expect(await getVersion()).toMatchObject({ daoId, version: 1 });
      // The members' peers run the chaincode on the members' own servers alone: with those stopped the
      // read fails (the gateway asks the other member's peer when its own fails, and the operator's
      // server, still running, is asked by neither); started again, they answer.
      for (const { server } of servers) expect(await stopOwnChaincodeServer(server, 'dao')).toBe(true);
      await expect(getVersion()).rejects.toThrow();
      await restart();
      expect(await getVersion()).toMatchObject({ daoId, version: 1 });
    } finally {
      await restart();
      conn.close();
    }
    expect(readdirSync(wallet.dir)).toEqual(['OperatorMSP.json']);
  }, 900_000);

  it("keeps a result its member's node delivers: ComputationCompleted submitted as the member on its own peer, the result in its own database; a repeat answers it, refusals keep nothing", async () => {
    const daoId = `df${run}`;
    const channel = `dao-${daoId}-v1`;
    const as = (mspId: string) => ({ mspId, enrollmentId: 'mpc-node', role: mspId === DSP ? ('DSP' as const) : ('VSP' as const), certificateFingerprint: 'it' });
    const resultsOf = (mspId: string) => new MemberResults(members[mspId]!.bridge.memberLedger!, new ComputationResultsRepository(members[mspId]!.db.dataSource, members[mspId]!.db.schema));
    const vsp = resultsOf(VSP);
    const result = { mean: 12.5 };
    // With what the recipient's bridge records of the request in the DSP's usage trail (RecordUsage, granted; the terms send a mean to both).
    const asked = { requester: { mspId: VSP, enrollmentId: 'analyst' }, dataset: { owner: DSP, name: 'readings' }, parametersDigest: 'ef'.repeat(32), rows: 12, recipients: [DSP, VSP] };
    const body = { computation: 'mean', members: [DSP, VSP], result, resultDigest: resultDigest(result), ...asked };
    const jobId = `job-${run}`;
    const first = await vsp.record(as(VSP), daoId, 1, jobId, body);
    expect(first).toMatchObject({ created: true, result: { daoId, version: 1, jobId, computation: 'mean', members: [DSP, VSP], result, resultDigest: resultDigest(result), txId: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    // Committed on the version's channel as the VSP: its ComputationCompleted event on its own (sealed) events topic.
    const events = await readTopic(
      members[VSP]!.kafka,
      memberLedgerTopics(VSP).events,
      (ms) => ['ComputationCompleted', 'UsageRecorded'].every((name) => ms.some((m) => json(m).data['eventName'] === name && json(m).data['channel'] === channel)),
      { timeoutMs: 300_000, lingerMs: 500, groupPrefix: `datawell.member.${VSP}.it-reader`, explain: () => memberState(VSP, channel) },
    );
    const completed = events.map((m) => json(m).data).find((d) => d['eventName'] === 'ComputationCompleted' && d['channel'] === channel)!;
    expect(JSON.stringify(completed)).toContain(jobId);
    expect(completed['transactionId']).toBe(first.result.txId);
    // …then the granted request in the DSP's usage trail, recorded by the VSP (a recipient) in its own transaction.
    const usage = events.map((m) => json(m).data).find((d) => d['eventName'] === 'UsageRecorded' && d['channel'] === channel)!;
    expect(JSON.stringify(usage)).toContain(jobId);
    expect(usage['transactionId']).not.toBe(first.result.txId);
    // A repeat answers what is kept; another digest is refused by the bridge's own record.
    await expect(vsp.record(as(VSP), daoId, 1, jobId, body)).resolves.toMatchObject({ created: false, result: { txId: first.result.txId } });
    const other = { mean: 13 };
    await expect(vsp.record(as(VSP), daoId, 1, jobId, { ...body, result: other, resultDigest: resultDigest(other) })).rejects.toMatchObject({ code: 'RESULT_CONFLICT' });
    await expect(vsp.get(as(VSP), daoId, 1, jobId)).resolves.toMatchObject({ result, txId: first.result.txId });
    await expect(vsp.list(as(VSP), daoId, 1)).resolves.toEqual([expect.not.objectContaining({ result: expect.anything() })]);
    await expect(vsp.get(as(DSP), daoId, 1, jobId)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Refused by the ledger, nothing kept: another digest for the job (the DSP's bridge has no record of its own), a computation the terms do not name.
    const dsp = resultsOf(DSP);
    await expect(dsp.record(as(DSP), daoId, 1, jobId, { ...body, result: other, resultDigest: resultDigest(other) })).rejects.toMatchObject({ code: 'RESULT_CONFLICT' });
    await expect(dsp.record(as(DSP), daoId, 1, `other-${run}`, { ...body, computation: 'variance' })).rejects.toMatchObject({ code: 'LEDGER_REJECTED' });
    await expect(dsp.list(as(DSP), daoId, 1)).resolves.toEqual([]);
  }, 900_000);

  it("charges a subscription DAO's periods from the DSP's own bridge, as the DSP, each once; the VSP's bridge charges none", async () => {
    // Periods of 3 s: the DSP's bridge sweeps every second and charges each period that has begun.
    const daoId = `dfs${run}`;
    const { documentDigest: _digest, ...body } = agreementFor({ daoId, dsp: DSP, vsps: [VSP], betasPpm: [700_000] }, 1) as Record<string, unknown> & { terms: Record<string, unknown> };
    const terms = { ...body.terms, businessModel: 'subscription', price: { currency: 'EUR', perPeriod: { amount: '1000', periodSeconds: 3 } } };
    const signed = { ...body, terms };
    const agreement = { ...signed, documentDigest: createHash('sha256').update(JSON.stringify(signed)).digest('hex') } as AgreementReached['agreement'];
    const { reached, outcome } = await reachAgreement(agreement);
    expect(outcome.map((m) => json(m).data).find((d) => d['commandId'] === `agreement:${reached.agreementId}`)).toMatchObject({ kind: 'dao-version-created', daoId });
    const channel = `dao-${daoId}-v1`;
    type Charged = { period: number; recordedBy: string; amount: string; kind: string };
    const charges = (ms: Parameters<typeof json>[0][]) =>
      ms.map((m) => json(m).data).filter((d) => d['eventName'] === 'RevenueRecorded' && d['channel'] === channel).map((d) => d['payload'] as Charged);
    const seen = await readTopic(members[DSP]!.kafka, memberLedgerTopics(DSP).events, (ms) => new Set(charges(ms).map((c) => c.period)).size >= 3, {
      timeoutMs: 600_000,
      lingerMs: 4000,
      groupPrefix: `datawell.member.${DSP}.it-reader`,
      explain: () => memberState(DSP, channel),
    });
    const charged = charges(seen);
    const periods = charged.map((c) => c.period);
    // From period 0 on, without a gap, each once; charged by the DSP at the terms' price, as subscription periods.
    expect(periods.slice(0, 3)).toEqual([0, 1, 2]);
    expect(new Set(periods).size).toBe(periods.length);
    for (const c of charged) expect(c).toMatchObject({ recordedBy: DSP, amount: '1000', kind: 'subscription-period' });
  }, 900_000);
});
