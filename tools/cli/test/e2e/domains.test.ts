/**
 * It uses the e2e tier's pool of member domains, which one file at a time does. (The e2e tier runs two files at once: libs/testing/src/jest/tier-locks.ts.)
 *
 * @e2eLock pool
 */
import { spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocateLevel } from '@datawell/domain';
import { descriptionDigest, resultDigest } from '@datawell/contracts';
import { Client } from 'pg';
import { createKafka, readKafkaCredentialsFile } from '@datawell/config';
import { domainPaths, domainPostgres, enrollClientIdentity, fetchChannelBlocks, findDomain, isAlive, kafkaSaslEnabled, MEMBER_SERVICES, memberFabric, memberServiceFiles, memberServiceUrl, operatorFabric, orgCaCertificate, osUserFor, ownPeerChannels, postgresInstanceUrl, principalFile, processUser, readPid, serviceUrl, up } from '@datawell/stack';
import { callNodeAsCoordinator, DOMAIN_COMPUTATION_PRICE, errorLines, E2E_POOL, E2E_POOL_PREFIX, login, placesOf, runDev, scanBlocks, scanFiles, scanKafka, scanPostgres, signComputationRequest, type SignedOver } from '@datawell/testing';
import { coordinatorTls, runDomainsOnStack } from '../../src/commands/scenario';
import { REPO_DIR, stackContext } from '../../src/context';
import { memberServicesStatus } from '../../src/services/domain-runner';
import { consoleStatus, startConsole, stopConsole } from '../../src/services/console';
import { startServices } from '../../src/services/runner';
import { stopOperatorServicesAfterFile } from './operator-services';

/**
 * Participants in their own trust domains, as `./dev scenario domains --managed` runs them: each
 * domain's member-mode services processes of the domain's own OS user; registration, negotiation,
 * formation and reads through the running services; each member's workload built by its own
 * provisioner, which reports its part of the infrastructure as the member; the operator holding no
 * member's identity and its peer outside the DAO's channel.
 */
/** Every live process of the machine: its id, its parent's and its command line (from /proc). */
function liveProcesses(): Array<{ pid: number; ppid: number; args: string }> {
  const out = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) in parentheses: state, then the parent's id.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(entry), ppid, args: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

// The e2e tier's pool of domains (other files' DAOs on them too): every workload, process, node, usage
// entry and channel checked below is this file's DAO's.
const [DSP, VSP1, VSP2] = [E2E_POOL.dsp, E2E_POOL.vsps[0], E2E_POOL.vsps[1]];

describe('a DAO formed among trust domains through the running services', () => {
  const ctx = stackContext();
  const members = [DSP, VSP1, VSP2];

  afterAll(async () => {
    // The pool's member services stay up for the next file (starting them took 30-45 s of each file); the
    // tier's end parks the pool, which stops them. So do the operator's (operator-services.ts).
    await stopOperatorServicesAfterFile(ctx);
  });

  /** The scan of issue 12, with a positive control for each scanner; resolves nothing, fails with the places found. */
  async function expectNoPlaintextOutsideDsp(daoId: string, channels: readonly string[], datasetFile: string, planted: string): Promise<void> {
    const control = `scan-control-${randomBytes(6).toString('hex')}`;
    const connection = await up(ctx);
    const dspRoot = domainPaths(ctx.settings, findDomain(ctx, DSP).name).root;
    const controlFile = join(ctx.settings.stackDir, 'logs', `scan-control-${process.pid}.log`);
    writeFileSync(controlFile, `a log line with ${control}\n`);
    const sasl = kafkaSaslEnabled(ctx) ? readKafkaCredentialsFile(principalFile(ctx, 'admin')) : undefined;
    const kafka = createKafka({ clientId: 'scan-control', brokers: connection.kafka.brokers, ...(sasl ? { sasl } : {}), rawValues: true });
    const topic = 'datawell.scan-control.v1';
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }).finally(() => admin.disconnect());
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: `{"reading":"${control}"}` }] }).finally(() => producer.disconnect());
    const operatorDb = new Client({ connectionString: connection.postgres.url });
    await operatorDb.connect();
    const table = `scan_control_${randomBytes(4).toString('hex')}`;
    await operatorDb.query(`CREATE TABLE public.${table} (v text)`);
    await operatorDb.query(`INSERT INTO public.${table} VALUES ($1)`, [control]);
    try {
      const needles = [planted, control];
      const files = scanFiles([ctx.settings.stackDir], needles, [dspRoot]);
      expect(placesOf(files.hits, control)).toContain(controlFile);
      expect(placesOf(scanFiles([dspRoot], [planted]).hits, planted)).toContain(datasetFile);
      const topics = await scanKafka({ brokers: connection.kafka.brokers, ...(sasl ? { sasl } : {}) }, needles);
      expect(placesOf(topics.hits, control).length).toBeGreaterThan(0);
      const others = [VSP1, VSP2].map((m) => postgresInstanceUrl(domainPostgres(ctx, findDomain(ctx, m))));
      const databases = await Promise.all([connection.postgres.url, ...others].map((url) => scanPostgres(url, needles)));
      expect(placesOf(databases[0]!.hits, control)).toEqual([`${new URL(connection.postgres.url).pathname.slice(1)}.public.${table}.v`]);
      const vsp = memberFabric(ctx, VSP1);
      const blocks = [];
      for (const channel of channels) blocks.push(...scanBlocks(channel, await fetchChannelBlocks(vsp, channel), [planted, daoId]));
      // The control of the blocks: the DAO's id is in its channels' blocks.
      for (const channel of channels) expect(placesOf(blocks, daoId).some((p) => p.startsWith(`${channel}#`))).toBe(true);
      expect({
        files: placesOf(files.hits, planted),
        kafka: placesOf(topics.hits, planted),
        postgres: databases.flatMap((d) => placesOf(d.hits, planted)),
        blocks: placesOf(blocks, planted),
      }).toEqual({ files: [], kafka: [], postgres: [], blocks: [] });
      // It looked somewhere: bytes, messages, columns and blocks.
      expect(files.bytes).toBeGreaterThan(10_000_000);
      expect(topics.messages).toBeGreaterThan(100);
      expect(databases.every((d) => d.columns > 0)).toBe(true);
    } finally {
      await operatorDb.query(`DROP TABLE IF EXISTS public.${table}`).finally(() => operatorDb.end());
      rmSync(controlFile, { force: true });
    }
  }

  it("forms the DAO with each member's own bridge, and each member reads it through its own", async () => {
    const result = await runDomainsOnStack({ vsps: 1, joiners: 1, orgPrefix: E2E_POOL_PREFIX, revenue: 1_000_000n, placement: 'managed', changeInfrastructure: true, mpcMesh: true, compute: { readings: 64 } });

    // Each member's bridge runs as its domain's user, and is healthy.
    for (const mspId of members) {
      const pid = readPid(memberServiceFiles(ctx.settings, findDomain(ctx, mspId).name, 'ledger-bridge').pidFile);
      expect(pid).toBeDefined();
      expect(processUser(pid as number)).toBe(osUserFor(mspId));
    }
    expect((await memberServicesStatus(ctx, members)).map((s) => [s.domain, s.name, s.healthy])).toEqual(members.flatMap((m) => MEMBER_SERVICES.map((name) => [m, name, true])));

    // Version 1 of the founders, version 2 with the joiner; each member read the top version through its own bridge.
    expect(result.versions).toEqual([
      { version: 1, channel: `dao-${result.daoId}-v1`, members: members.slice(0, 2) },
      { version: 2, channel: `dao-${result.daoId}-v2`, members },
    ]);
    for (const mspId of members) expect(result.readBy[mspId]).toEqual({ status: 'active', members });
    // Revenue recorded by the DSP in its own domain on version 2: the joiner's share there (β_2 = 0.75), the
    // rest relayed by the DSP's own bridge to version 1 and split by β_1 = 0.8; each read through the member's own bridge.
    expect(result.revenueTxId).toMatch(/^[0-9a-f]{64}$/);
    // The computation on version 2 (below, on its mesh of the three members' nodes) is revenue too:
    // pay-per-use at version 2's price, metered by its recipient's bridge on version 2's channel and split down the same way.
    const top = allocateLevel(1_000_000n, 750_000);
    const ch1 = allocateLevel(top.rest, 800_000);
    const computedTop = allocateLevel(BigInt(DOMAIN_COMPUTATION_PRICE.perComputation), 750_000);
    const computed = allocateLevel(computedTop.rest, 800_000);
    expect(result.payouts).toEqual({ [DSP]: (ch1.rest + computed.rest).toString(), [VSP1]: (ch1.share + computed.share).toString(), [VSP2]: (top.share + computedTop.share).toString() });
    expect([top.share, ch1.share, ch1.rest].every((x) => x > 0n)).toBe(true);
    // A member's bridge answers its own organisation only.
    expect(result.otherMemberAtBridge).toEqual({ status: 403, code: 'FORBIDDEN' });

    // Each version's infrastructure was built in parts: every member's own provisioner runs exactly its
    // own MPC node, and the chaincode marked the version provisioned once every part was in. One node per
    // member per DAO (issue 12): version 2 asks every member's node, and the founders' provisioners gave it
    // the nodes they started for version 1 (same id, folder, keys and identity) instead of new ones, so
    // version 1 has no node of its own left; only the joiner's node is new.
    const node = (v: number, msp: string) => [{ workloadId: `${result.daoId}-v${v}-${msp.toLowerCase()}-node`, owner: msp, status: 'running' }];
    expect(result.infrastructure).toEqual([
      { version: 1, status: 'provisioned', builtBy: { [DSP]: [], [VSP1]: [] } },
      { version: 2, status: 'provisioned', builtBy: { [DSP]: node(1, DSP), [VSP1]: node(1, VSP1), [VSP2]: node(2, VSP2) } },
      // An accepted change-infrastructure on version 1 (proposed by the VSP, decided by the DSP's vote, each
      // through its own bridge): each founder's provisioner reported its part, and neither touched its node,
      // which version 2 runs now (version 1's OpenTofu resource went without stopping it).
      { version: 1, revision: 2, status: 'provisioned', builtBy: { [DSP]: [], [VSP1]: [] } },
    ]);
    // …as processes of the member's own OS user, in its domain's folder: one node per member after the
    // join (before issue 12's sharing, each founder ran one per version).
    // Counted from /proc too: of the member's OS user, one supervisor and one workload process name a
    // folder of this DAO, and the workload runs one MPC node (its child): 3 processes per member, 9 in all.
    const processes = liveProcesses();
    const perMember: Record<string, { folders: number; named: number; nodes: number }> = {};
    for (const mspId of members) {
      const dir = join(domainPaths(ctx.settings, findDomain(ctx, mspId).name).run, 'provisioner', 'workloads');
      const folders = readdirSync(dir).filter((id) => id.startsWith(result.daoId));
      const running = folders.map((id) => readPid(join(dir, id, 'workload.pid'))).filter((pid): pid is number => pid !== undefined && isAlive(pid));
      expect(running).toHaveLength(1);
      expect(processUser(running[0]!)).toBe(osUserFor(mspId));
      const mine = processes.filter((p) => processUser(p.pid) === osUserFor(mspId));
      perMember[mspId] = { folders: folders.length, named: mine.filter((p) => p.args.includes(`${dir}/${result.daoId}-`)).length, nodes: mine.filter((p) => p.ppid === running[0]).length };
    }
    expect(perMember).toEqual(Object.fromEntries(members.map((m) => [m, { folders: 1, named: 2, nodes: 1 }])));

    // MPC nodes in their members' domains (issue 12): each member's node was built by its member's own
    // provisioner, as the member's OS user, with a TLS certificate from the member's own CA (its MSP's
    // root, not the operator's mesh CA); the nodes learnt each other from the members' parts on version
    // 2's channel and set up version 2's mesh, the joiner's node in it; the coordinator's identity reached
    // each, pinned to the certificate its member reported.
    const operatorMeshCa = new X509Certificate(readFileSync(join(ctx.settings.stackDir, 'mpc-pki', 'ca.crt')));
    expect(result.mesh?.map((n) => [n.mspId, n.partyIndex, n.parties, n.osUser, n.inventory?.party, n.inventory?.parties])).toEqual([
      [DSP, 0, 3, osUserFor(DSP), 0, 3],
      [VSP1, 1, 3, osUserFor(VSP1), 1, 3],
      [VSP2, 2, 3, osUserFor(VSP2), 2, 3],
    ]);
    for (const n of result.mesh!) {
      const root = orgCaCertificate(ctx, n.mspId);
      expect(n.caCertificatePem.trim()).toBe(root.trim());
      const cert = new X509Certificate(n.certificatePem);
      expect(cert.verify(new X509Certificate(root).publicKey)).toBe(true);
      expect(cert.verify(operatorMeshCa.publicKey)).toBe(false);
    }
    expect(new Set(result.mesh!.map((n) => n.caCertificatePem)).size).toBe(3);
    // The founders' nodes are the ones they started for version 1 (their ids name it); the joiner's is version 2's.
    expect(result.mesh!.map((n) => n.workloadId)).toEqual([`${result.daoId}-v1-${DSP.toLowerCase()}-node`, `${result.daoId}-v1-${VSP1.toLowerCase()}-node`, `${result.daoId}-v2-${VSP2.toLowerCase()}-node`]);

    // A computation in the DAO of domains after the join, on version 2's mesh with the joiner's node in it:
    // each node registered itself at the coordinator with its own identity, pinned; the coordinator only
    // scheduled; the VSP's node delivered the mean to its member's own bridge, which recorded
    // ComputationCompleted as the member; the coordinator keeps the digest and never the result.
    const computation = result.computation!;
    expect(computation.atCoordinator).toMatchObject({ status: 'completed', resultAnswer: { status: 409, code: 'RESULT_IN_RECIPIENT_DOMAIN' } });
    expect(computation.nodes.map((n) => [n.mspId, n.partyIndex, n.source, n.pinned]).sort()).toEqual([
      [DSP, 0, 'member', true],
      [VSP1, 1, 'member', true],
      [VSP2, 2, 'member', true],
    ]);
    // Version 1 has no mesh of its own any more: the same request there is refused by the coordinator with a stable code.
    expect(computation.earlierVersion).toMatchObject({ version: 1, status: 'failed', error: { code: 'VERSION_SUPERSEDED', message: expect.stringContaining('ask on version 2') } });
    // What the DSP's sensors sent, as they keep it in the DSP's domain; Kafka only ever carried it sealed to the DSP's node.
    const readings = readFileSync(computation.dataset.file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { pm25: number }).pm25);
    expect(computation.published).toBe(readings.length);
    expect(computation.dataset.topic).toMatch(new RegExp(`^datawell\\.member\\.${DSP}\\.pm25-[0-9a-f]{8}-readings\\.v1$`));
    const mean = readings.reduce((a, b) => a + b, 0) / readings.length;
    const kept = computation.atRecipients[VSP1]!;
    expect(Math.abs((kept.result['mean'] as number) - mean)).toBeLessThan(1e-3);
    expect(kept.resultDigest).toBe(resultDigest(kept.result));
    expect(kept.resultDigest).toBe(computation.atCoordinator.resultDigest);
    expect(kept.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(computation.atDsp).toEqual({ status: 404, code: 'RESULT_NOT_FOUND' });
    // `./dev result` reads it where the recipient keeps it, as the recipient; the DSP's bridge has none.
    const byCli = await runDev(['result', '--dao', result.daoId, '--version', '2', '--id', computation.id, '--as', VSP1, '--json']);
    expect(byCli.status).toBe(0);
    expect(JSON.parse(byCli.stdout)).toMatchObject({ jobId: computation.id, computation: 'mean', result: kept.result, resultDigest: kept.resultDigest, txId: kept.txId });
    const notHers = await runDev(['result', '--dao', result.daoId, '--version', '2', '--id', computation.id, '--as', DSP]);
    expect(notHers.status).toBe(1);
    expect(errorLines(notHers.stderr)).toHaveLength(1);
    expect(notHers.stderr).toMatch(/404 RESULT_NOT_FOUND/);

    // The DSP's usage trail, recorded by the members in their own domains: the granted request by its
    // recipient's bridge with the result (the rows read, the digest ComputationCompleted recorded), the
    // refused one (the mean to the DSP, which the terms do not allow: every node refused it from its
    // own ledger) by the DSP's node through the DSP's bridge, naming the check.
    expect(computation.refused).toMatchObject({ recipients: [DSP], status: 'failed', error: { code: 'REFUSED_BY_NODES' } });
    const txId = expect.stringMatching(/^[0-9a-f]{64}$/);
    expect(result.usage).toEqual([
      { txId, usageId: computation.id, requester: VSP1, computation: 'mean', recipients: [VSP1], outcome: 'granted', rows: readings.length, resultDigest: kept.resultDigest, recordedBy: VSP1 },
      { txId, usageId: computation.refused.id, requester: VSP1, computation: 'mean', recipients: [DSP], outcome: 'refused', check: 'recipients-allowed', recordedBy: DSP },
    ]);
    // `./dev usage` prints them, read through the DSP's own bridge.
    const trailByCli = await runDev(['usage', '--dataset', computation.dataset.name, '--dao', result.daoId, '--as', DSP]);
    expect(trailByCli.status).toBe(0);
    for (const u of result.usage!) expect(trailByCli.stdout).toContain(`tx ${u.txId}`);
    expect(trailByCli.stdout).toMatch(/refused by recipients-allowed/);
    expect(trailByCli.stdout).toContain(`granted: ${readings.length} rows, result ${kept.resultDigest.slice(0, 12)}`);
    // Each transaction id is in a block of the channel as Fabric's own CLI fetches it (the scan's helper).
    const trailBlocks = await fetchChannelBlocks(memberFabric(ctx, DSP), result.versions[1]!.channel);
    expect(new Set(scanBlocks(result.versions[1]!.channel, trailBlocks, result.usage!.map((u) => u.txId)).map((h) => h.needle))).toEqual(new Set(result.usage!.map((u) => u.txId)));
    const db = new Client({ connectionString: (await up(ctx)).postgres.url });
    await db.connect();
    try {
      const stored = await db.query(`SELECT result_digest FROM mpc_coordinator.computations WHERE id = $1`, [computation.id]);
      expect(stored.rows).toEqual([{ result_digest: kept.resultDigest }]);
    } finally {
      await db.end();
    }

    // No plaintext of the DSP's dataset outside the DSP's own domain: its planted reading is in no file
    // of the operator's domain (the stack's folder: logs, Kafka's segments, PostgreSQL's files, the
    // orderers' ledgers with every block of every channel) or of another member's, in no message of any
    // Kafka topic, in no column of any database of the operator's or another member's PostgreSQL, and in
    // no block of the DAO's channels fetched with Fabric's CLI. Each scanner first finds a control.
    await expectNoPlaintextOutsideDsp(result.daoId, result.versions.map((v) => v.channel), computation.dataset.file, computation.dataset.planted!);

    // `./dev iot` for a person with the DSP's domain: the key of its node (as its own provisioner
    // reports it), its fleet's topic, readings sealed and published as the fleet (the topic grows by
    // exactly those), and the refusals: a fleet it never made (exit 2, one line), the operator's
    // principal on the DSP's topic (Kafka's ACLs refuse it: exit 1).
    const topic = computation.dataset.topic;
    const dspProvisioner = memberServiceUrl(ctx.settings, findDomain(ctx, DSP), 'provisioner');
    const dspPerson = await enrollClientIdentity(ctx, DSP, 'owner');
    const view = await (await fetch(`${dspProvisioner}/daos/${result.daoId}/versions/2/infrastructure`, { headers: { authorization: `Bearer ${await login(dspProvisioner, dspPerson)}` } })).json() as { workloads: Array<{ owner: string; kind: string; status: string; readingsPublicKeyPem: string | null }> };
    const dspKey = view.workloads.find((w) => w.owner === DSP && w.kind === 'mpc-node' && w.status !== 'destroyed')?.readingsPublicKeyPem;
    expect(dspKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(await runDev(['iot', 'key', '--dao', result.daoId, '--owner', DSP])).toMatchObject({ status: 0, stdout: dspKey });
    const label = topic.slice(`datawell.member.${DSP}.`.length, -'-readings.v1'.length);
    const fleet = await runDev(['iot', 'fleet', '--dsp', DSP, '--label', label, '--json']);
    expect(fleet.status).toBe(0);
    expect(JSON.parse(fleet.stdout)).toEqual({ dsp: DSP, fleet: 'sensors', topic, principal: `fleet-${DSP}-sensors`, credentialsFile: join(domainPaths(ctx.settings, DSP).secrets, 'fleet-sensors.json') });
    const adminSasl = kafkaSaslEnabled(ctx) ? readKafkaCredentialsFile(principalFile(ctx, 'admin')) : undefined;
    const offsetOf = async () => {
      const admin = createKafka({ clientId: 'iot-offsets', brokers: (await up(ctx)).kafka.brokers, ...(adminSasl ? { sasl: adminSasl } : {}) }).admin();
      await admin.connect();
      try {
        return Number((await admin.fetchTopicOffsets(topic))[0]!.high);
      } finally {
        await admin.disconnect();
      }
    };
    const before = await offsetOf();
    expect(before).toBeGreaterThanOrEqual(computation.published);
    const keyFile = join(domainPaths(ctx.settings, DSP).root, 'datasets', 'node-readings.pub');
    writeFileSync(keyFile, dspKey!);
    const published = await runDev(['iot', 'publish', '--dao', result.daoId, '--topic', topic, '--key', keyFile, '--count', '5', '--column', 'pm25']);
    expect(errorLines(published.stderr)).toEqual([]);
    expect(published.stdout).toMatch(new RegExp(`^published 5 sealed readings to ${topic.replace(/\./g, '\\.')} for dataset readings of ${DSP}`));
    expect(await offsetOf()).toBe(before + 5);
    const noFleet = await runDev(['iot', 'publish', '--dao', result.daoId, '--topic', topic, '--key', keyFile, '--count', '5', '--column', 'pm25', '--fleet', 'nosuch']);
    expect(noFleet.status).toBe(2);
    expect(errorLines(noFleet.stderr)).toEqual([expect.stringContaining(`${topic} is ${DSP}'s: publish as one of its fleets`)]);
    const asOperator = await runDev(['iot', 'publish', '--dao', result.daoId, '--topic', topic, '--key', keyFile, '--count', '5', '--column', 'pm25', '--kafka-credentials', principalFile(ctx, 'operator')]);
    expect(asOperator.status).toBe(1);
    expect(await offsetOf()).toBe(before + 5);

    // A coordinator that lies. (a) It passes on requests the VSP really signed, in its own domain, for
    // what the version's terms do not allow (a computation they do not name; the allowed one to a
    // recipient they do not name): each node reads its ledger view through its own member's bridge, from
    // its own peer, and refuses with the terms' check. (b) It names the VSP as the requester of the
    // allowed computation without its signature, or with its signature over other recipients, or passes
    // on its signed request with another column or another data owner: each node refuses with
    // requester-signature, before anything crosses the mesh. (c) It sends the allowed mean of version 1,
    // really signed, to version 2's mesh: each node refuses with op-parties, its mesh serving version 2
    // (one node per member per DAO). The mesh still serves afterwards.
    const coordinator = coordinatorTls(ctx);
    const vspPerson = await enrollClientIdentity(ctx, VSP1, 'owner');
    const ledger = { daoId: result.daoId, version: 2, requester: VSP1, owner: DSP };
    const dataset = { name: 'readings', columns: ['pm25'] };
    /** The op's ledger part with the VSP's signature over `over` (default: the op's own fields, its dataset's columns and 16 fractional bits). */
    const signedAs = (opId: string, l: typeof ledger & { computation: string; recipients: string[] }, over: SignedOver = {}) => {
      const s = signComputationRequest(
        vspPerson,
        { daoId: l.daoId, version: l.version, computation: l.computation, parameters: { columns: dataset.columns, fractionalBits: 16 }, dataset: { name: dataset.name, owner: l.owner }, recipients: l.recipients, requestId: opId },
        { over },
      );
      return { ...l, request: { requestId: opId, issuedAtMs: s.issuedAtMs, certificatePem: s.certificatePem, signature: s.signature } };
    };
    const allowedMean = { ...ledger, computation: 'mean', recipients: [VSP1] };
    const lies = [
      { check: 'computation-allowed', op: (id: string) => ({ program: 'variance', recipients: [1], ledger: signedAs(id, { ...ledger, computation: 'variance', recipients: [VSP1] }) }) },
      { check: 'recipients-allowed', op: (id: string) => ({ program: 'mean', recipients: [0], ledger: signedAs(id, { ...ledger, computation: 'mean', recipients: [DSP] }) }) },
      { check: 'requester-signature', op: () => ({ program: 'mean', recipients: [1], ledger: allowedMean }) },
      { check: 'requester-signature', op: (id: string) => ({ program: 'mean', recipients: [1], ledger: signedAs(id, allowedMean, { recipients: [VSP1, DSP] }) }) },
      { check: 'requester-signature', op: (id: string) => ({ program: 'mean', recipients: [1], ledger: signedAs(id, allowedMean, { columns: ['pm10'] }) }) },
      { check: 'requester-signature', op: (id: string) => ({ program: 'mean', recipients: [1], ledger: signedAs(id, allowedMean, { owner: VSP1 }) }) },
      // (c) The allowed mean, really signed, but on version 1, whose terms allow it too: the nodes' mesh serves version 2.
      { check: 'op-parties', op: (id: string) => ({ program: 'mean', recipients: [1], ledger: signedAs(id, { ...allowedMean, version: 1 }) }) },
    ];
    for (const [i, lie] of lies.entries()) {
      const opId = `lie-${i}-${result.daoId}`;
      const op = { opId, kind: 'compute', owner: 0, dataset, fractionalBits: 16, ...lie.op(opId) };
      const answers = await Promise.all(result.mesh!.map((n) => callNodeAsCoordinator(n, coordinator, 'POST', '/ops', op)));
      expect(answers.map((a) => [a.status, a.body['code'], a.body['check']])).toEqual(result.mesh!.map(() => [403, 'NOT_ALLOWED', lie.check]));
    }
    for (const n of result.mesh!) expect((await callNodeAsCoordinator(n, coordinator, 'GET', '/inventory')).status).toBe(200);

    // The operator: its peer is on neither channel, and its bridge's wallet holds its own identity and
    // no identity of these members (checked for this DAO's members rather than for an otherwise empty
    // wallet: a stack kept between runs may hold custodial organisations of the integration tier).
    const operatorChannels = await ownPeerChannels(operatorFabric(ctx));
    for (const v of result.versions) expect(operatorChannels).not.toContain(v.channel);
    const wallet = readdirSync(join(ctx.settings.stackDir, 'wallet'));
    expect(wallet).toContain('OperatorMSP.json');
    expect(wallet.filter((file) => members.some((m) => file.startsWith(m)))).toEqual([]);

    // `./dev usage` reads a dataset's trail through the member's own bridge, over HTTP and over its
    // gRPC port alike (read from the DSP's own peer: the members recorded it, the operator's
    // coordinator nothing): the scenario's granted and refused requests, and the lying coordinator's
    // seven ops, which the DSP's node refused and recorded in the background with their checks (the
    // unsigned and the mis-signed ones with requester-signature, the one of version 1 with op-parties); and
    // says NOT_FOUND over gRPC for a DAO its peer does not have.
    const usage = async (...args: string[]) => runDev(['usage', '--dataset', 'readings', '--as', DSP, '--json', ...args]);
    type Trail = { daoId: string; dataset: string; entries: Array<{ usageId: string; outcome: string; check?: string; recordedBy: string }> };
    const lieIds = lies.map((_, i) => `lie-${i}-${result.daoId}`);
    let overHttp = await usage('--dao', result.daoId);
    for (let i = 0; i < 30 && !lieIds.every((id) => (JSON.parse(overHttp.stdout) as Trail).entries.some((e) => e.usageId === id)); i++) {
      await new Promise((done) => setTimeout(done, 2000));
      overHttp = await usage('--dao', result.daoId);
    }
    const overGrpc = await usage('--dao', result.daoId, '--grpc');
    expect([overHttp.status, overGrpc.status]).toEqual([0, 0]);
    expect(JSON.parse(overGrpc.stdout)).toEqual(JSON.parse(overHttp.stdout));
    const trail = JSON.parse(overGrpc.stdout) as Trail;
    expect(trail).toMatchObject({ daoId: result.daoId, dataset: 'readings' });
    expect(trail.entries.map((e) => [e.usageId, e.outcome, e.check ?? null, e.recordedBy]).sort()).toEqual(
      [
        [computation.id, 'granted', null, VSP1],
        [computation.refused.id, 'refused', 'recipients-allowed', DSP],
        ...lies.map((lie, i) => [lieIds[i], 'refused', lie.check, DSP]),
      ].sort(),
    );
    const nowhere = await usage('--dao', 'no-such-dao', '--grpc');
    expect(nowhere.status).toBe(1);
    expect(nowhere.stderr).toMatch(/NOT_FOUND/);
  }, 20 * 60_000);

  it("posts a member's offer through its own bridge and gives the catalogue its description, which must hash to the ledger's digest", async () => {
    const dev = (...args: string[]) => runDev(['offer', ...args]);
    const json = (r: Awaited<ReturnType<typeof dev>>) => {
      if (r.status !== 0) throw new Error(`./dev offer exited ${r.status}: ${r.stderr.trim()}`);
      return JSON.parse(r.stdout) as { offer: { offerId: string; owner: string; revision: number; descriptionDigest: string }; catalogue: string };
    };
    const description = `Hourly PM2.5 readings of the E2d fleet (${Date.now()})`;
    const offer = { kind: 'data', title: 'E2d air quality', description, tags: ['e2d'], schema: 'pm25 int', updateFrequency: 'hourly', source: { type: 'file' } };
    const posted = json(await dev('post', DSP, '--offer', JSON.stringify(offer), '--json'));
    expect(posted.offer).toMatchObject({ owner: DSP, revision: 1, descriptionDigest: descriptionDigest(description) });
    const marketplace = serviceUrl(ctx.settings, 'marketplace');
    const read = async () => (await (await fetch(`${marketplace}/offers/${posted.offer.offerId}`)).json()) as Record<string, unknown>;
    expect(posted.catalogue).toBe(`${marketplace}/offers/${posted.offer.offerId}`);
    expect(await read()).toMatchObject({ status: 'open', description, descriptionDigest: descriptionDigest(description), owner: { mspId: DSP } });

    // An edit of the description: the ledger gets the new digest, the catalogue the new text.
    const changed = `${description}, calibrated`;
    const edited = json(await dev('edit', DSP, '--id', posted.offer.offerId, '--changes', JSON.stringify({ description: changed }), '--json'));
    expect(edited.offer).toMatchObject({ revision: 2, descriptionDigest: descriptionDigest(changed) });
    expect(await read()).toMatchObject({ revision: 2, description: changed });

    // Text that is not the ledger's: refused, the catalogue unchanged; exit 1 with one line.
    const wrong = await dev('describe', DSP, '--id', posted.offer.offerId, '--description', 'something else');
    expect(wrong.status).toBe(1);
    // One error line (the whole of it in the expectation: a failure shows what else there was).
    expect(errorLines(wrong.stderr)).toEqual([expect.stringMatching(/409 DESCRIPTION_DIGEST_MISMATCH/)]);
    expect(await read()).toMatchObject({ description: changed });
    // Another member may not describe it, even with the right text.
    const other = await login(marketplace, await enrollClientIdentity(ctx, VSP1, 'owner'));
    const put = await fetch(`${marketplace}/offers/${posted.offer.offerId}/description`, { method: 'PUT', headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' }, body: JSON.stringify({ description: changed }) });
    expect(put.status).toBe(403);
    expect(await put.json()).toMatchObject({ code: 'FORBIDDEN' });
    const anonymous = await fetch(`${marketplace}/offers/${posted.offer.offerId}/description`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ description: changed }) });
    expect(anonymous.status).toBe(401);
  }, 5 * 60_000);

  it("runs the operator's services, console, PostgreSQL, Kafka, Redis, Fabric nodes and chaincode servers as dw-operator, which cannot read a member's folder nor the tooling's secrets", async () => {
    await startServices(ctx, await up(ctx), REPO_DIR); // running already after the tests above: nothing to do
    // The operator's console too (the tier starts the services without it): stopped again at the end
    // when this test started it.
    const consoleWasUp = (await consoleStatus(ctx)).healthy;
    await startConsole(ctx, REPO_DIR);
    try {
      await expectOperatorUsers();
    } finally {
      if (!consoleWasUp) await stopConsole(ctx);
    }
  }, 5 * 60_000);

  async function expectOperatorUsers(): Promise<void> {
    const status = JSON.parse((await runDev(['stack', 'status', '--json'])).stdout) as { domains: Array<{ name: string; processes: Array<{ name: string; pid?: number; user?: string }> }> };
    const operator = status.domains.find((d) => d.name === 'operator')!;
    const userOf = (name: string) => operator.processes.find((p) => p.name === name)?.user;
    const operatorProcesses = ['marketplace', 'negotiation', 'ledger-bridge', 'provisioner', 'telemetry', 'mpc-coordinator', 'console', 'postgres', 'kafka', 'redis', 'ca-orderer', 'ca-operator', 'orderer0.orderer', 'peer0.operator', 'chaincode-hello'];
    expect(operatorProcesses.map(userOf)).toEqual(Array(operatorProcesses.length).fill(osUserFor('operator')));
    // The bridge runs Fabric's tools from the operator's own cache, in its domain's folder (root's build cache is closed to it).
    const bridge = operator.processes.find((p) => p.name === 'ledger-bridge')!;
    expect(environOf(bridge.pid!)['LEDGER_BRIDGE_ADMIN_CACHE_DIR']).toBe(join(domainPaths(ctx.settings, 'operator').root, 'cache'));
    // It may write the operator's Fabric folder, which the tooling writes too, but not read the Kafka principals' credentials nor the stack's connection file (control: root reads them).
    const principals = join(ctx.settings.stackDir, 'kafka', 'principals');
    expect(await runAs(osUserFor('operator'), principals)).toEqual(expect.objectContaining({ code: 2, stderr: expect.stringContaining('Permission denied') }));
    expect(readdirSync(principals).length).toBeGreaterThan(0);
    expect(await runAs(osUserFor('operator'), join(ctx.settings.stackDir, 'fabric', 'channels'), ['test', '-w'])).toEqual(expect.objectContaining({ code: 0 }));
    expect(await runAs(osUserFor('operator'), join(ctx.settings.stackDir, 'connection.json'), ['cat'])).toEqual(expect.objectContaining({ code: 1, stderr: expect.stringContaining('Permission denied') }));
    const coordinator = operator.processes.find((p) => p.name === 'mpc-coordinator')!;
    expect(processUser(coordinator.pid!)).toBe('dw-operator');
    // Its Kafka credentials and node TLS key are the operator's own copies, in its own folder.
    const environ = environOf(coordinator.pid!);
    const secrets = domainPaths(ctx.settings, 'operator').secrets;
    expect([environ['DATAWELL_KAFKA_CREDENTIALS_FILE'], environ['MPC_COORDINATOR_NODE_TLS_KEY_FILE']]).toEqual([join(secrets, 'kafka.json'), join(secrets, 'mpc-coordinator.key')]);
    // The operator's user is refused a member's folder, which the member's own user reads (control).
    const dsp = domainPaths(ctx.settings, DSP).root;
    const asOperator = await runAs(osUserFor('operator'), dsp);
    const asMember = await runAs(osUserFor(DSP), dsp);
    expect([asOperator, asMember]).toEqual([expect.objectContaining({ code: 2, stderr: expect.stringContaining('Permission denied') }), expect.objectContaining({ code: 0 })]);
  }
});

/** A process's environment, from /proc. */
function environOf(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** `ls <path>` (or another command given the path) as an OS user: its exit code and error output. */
function runAs(user: string, path: string, command: readonly string[] = ['ls']): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('runuser', ['-u', user, '--', ...command, path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
