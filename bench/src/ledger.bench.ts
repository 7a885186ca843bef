/**
 * Ledger benchmarks against the running stack (`./dev bench ledger` first creates the benchmark's
 * member domains and starts what is not running):
 *  - formation: a DAO of a DSP and three VSPs, each in its own trust domain, grown version by
 *    version as the papers do (CH_1 = D ∪ J_1, then each VSP joining alone). Per version, from the
 *    last signature on its agreement to the version being readable by every member through its own
 *    bridge: the operator's bridge builds CH_i from the members' MSP packages and joins its orderers,
 *    each member's own bridge joins its peer and approves the `dao` definition, the DSP's commits it
 *    and submits InitVersion. Split from the bridges' own log lines; target < 15 s per version;
 *  - relay latency: a chaincode event's arrival on Kafka after its transaction's commit status,
 *    p50 and p99 over sequential transactions; target p99 < 300 ms.
 * Prints figures and their ratio to the target.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TOPICS } from '@datawell/contracts';
import { connectGateway } from '@datawell/fabric';
import { buildConnection, connectionKafka, createChannel, deployChaincode, enrollClientIdentity, findDomain, loadSettings, memberServiceFiles, serviceUrl, silentProgress } from '@datawell/stack';
import { ApiError, apiClient, call, domainMemberOnStack, login, registerDomainParticipant, runDomainFormation, stackAdminIdentity, type DomainMember } from '@datawell/testing';
import { bridgeLogMarks, formationSplit, type FormationSplit } from './formation-split';

const REPO = resolve(__dirname, '..', '..');
const settings = loadSettings(REPO);
const BRIDGE = process.env['DATAWELL_BRIDGE_URL'] ?? serviceUrl(settings, 'ledger-bridge');
const json = process.argv.includes('--json');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const txs = Number(arg('--txs') ?? 0) || 100;
/** The benchmark's member domains, the DSP first (`./dev bench ledger` creates them and starts their services). */
const MEMBERS = (arg('--members') ?? 'BlDspMSP,BlVsp1MSP,BlVsp2MSP,BlVsp3MSP').split(',');
const TARGET_S = 15;
const log = (m: string) => process.stderr.write(`[bench ledger] ${m}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface VersionFigure {
  readonly version: number;
  readonly organisations: number;
  readonly seconds: number;
  readonly split: FormationSplit;
}

/**
 * Reads version `version` through each member's own bridge, all at once, every 200 ms, until each
 * has it; resolves when each first did (ms since the epoch).
 */
async function readableAt(daoId: string, version: number, members: readonly DomainMember[], timeoutMs = 600_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  const reads = members.map(async (m) => {
    const token = await login(m.bridgeUrl, m.identity);
    let last = '';
    while (Date.now() < deadline) {
      try {
        await call(`${m.bridgeUrl}/daos/${daoId}/versions/${version}/state`, { token });
        return [m.mspId, Date.now()] as const;
      } catch (error) {
        // Not yet: its peer has not joined, its private data is still reconciling, or InitVersion is not committed.
        if (!(error instanceof ApiError)) throw error;
        last = `${error.status} ${error.code}`;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`version ${version} of ${daoId} not readable at ${m.mspId}'s own bridge in ${timeoutMs / 1000} s (last answer ${last})`);
  });
  return Object.fromEntries(await Promise.all(reads));
}

/**
 * A 401 from a login: `login` (libs/testing) throws a plain Error naming the answer's status and code,
 * not an ApiError, so the bench's wait below gave up at the first refusal of a new domain's bridge.
 */
function unauthenticated(error: unknown): boolean {
  return (error instanceof ApiError && error.status === 401) || (error instanceof Error && /: 401 UNAUTHENTICATED /.test(error.message));
}

/** A token at the member's own bridge, once the bridge knows the member's CA (401 until then). */
async function loginWhenKnown(m: DomainMember, timeoutMs = 600_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await login(m.bridgeUrl, m.identity);
    } catch (error) {
      if (!unauthenticated(error) || Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The formation marks of a version's channel in the operator's bridge's log and in each member's own bridge's log. */
function logMarks(channel: string, members: readonly string[]) {
  const files = [
    { by: 'operator', file: join(settings.stackDir, 'logs', 'service-ledger-bridge.log') },
    ...members.map((m) => ({ by: m, file: memberServiceFiles(settings, findDomain({ settings, progress: silentProgress }, m).name, 'ledger-bridge').logFile })),
  ];
  return files.flatMap(({ by, file }) => bridgeLogMarks(readFileSync(file, 'utf8'), channel, by));
}

async function formation(): Promise<{ daoId: string; versions: VersionFigure[]; secondsPerVersion: number[]; mean: number }> {
  const ctx = { settings, progress: silentProgress };
  const [dspId, ...vspIds] = MEMBERS as [string, ...string[]];
  if (vspIds.length < 1) throw new Error('--members: a DSP and at least one VSP');
  log(`enrolling a person of each member domain at its own CA (not timed): ${MEMBERS.join(', ')}`);
  const dsp = await domainMemberOnStack(ctx, { mspId: dspId, role: 'DSP' });
  const vsps: DomainMember[] = [];
  for (const v of vspIds) vsps.push(await domainMemberOnStack(ctx, { mspId: v, role: 'VSP' }));
  // Not timed either: registered, and known to every member's own bridge (a first run's new domains
  // learn the participants from the marketplace channel once their peers have joined it).
  const marketplace = serviceUrl(settings, 'marketplace');
  for (const m of [dsp, ...vsps]) await registerDomainParticipant(marketplace, m, log, 600_000);
  for (const m of [dsp, ...vsps]) {
    log(`${m.mspId} logs in at its own bridge`);
    await loginWhenKnown(m);
  }
  const started = new Map<number, { at: number; members: readonly DomainMember[]; read: Promise<Record<string, number>> }>();
  const settled = () => Promise.all([...started.values()].map((s) => s.read));
  const formed = await runDomainFormation({
    urls: { marketplace: serviceUrl(settings, 'marketplace'), negotiation: serviceUrl(settings, 'negotiation') },
    members: [dsp, vsps[0]!],
    joiners: vsps.slice(1),
    joinEach: true,
    betasPpm: [800_000, 750_000, 900_000],
    daoId: `bl${Date.now().toString(36)}`,
    progress: log,
    // The clock starts at the last signature: everything after it is the ledger's formation.
    onAgreed: (version, daoId, members) => {
      const at = Date.now();
      const read = readableAt(daoId, version, members);
      // Awaited in onStage and below; a failure is reported there.
      read.catch(() => undefined);
      started.set(version, { at, members, read });
    },
    onStage: async () => void (await settled()),
  });
  await settled();
  const versions: VersionFigure[] = [];
  for (const v of formed.versions) {
    const s = started.get(v.version);
    if (!s) throw new Error(`version ${v.version}: no signature time`);
    const ids = s.members.map((m) => m.mspId);
    const split = formationSplit(s.at, ids, logMarks(v.channel, ids), await s.read);
    versions.push({ version: v.version, organisations: ids.length, seconds: split.readableByAll, split });
    log(`version ${v.version} (${ids.length} organisations) readable by every member in ${split.readableByAll.toFixed(2)} s`);
  }
  const secondsPerVersion = versions.map((v) => v.seconds);
  return { daoId: formed.daoId, versions, secondsPerVersion, mean: secondsPerVersion.reduce((a, b) => a + b, 0) / secondsPerVersion.length };
}

async function relayLatency(): Promise<{ p50Ms: number; p99Ms: number; maxMs: number; samples: number }> {
  const ctx = { settings, progress: silentProgress };
  const channel = 'bench-latency';
  await createChannel(ctx, channel, ['OperatorMSP']);
  await deployChaincode(ctx, { name: 'hello', channel, modulePath: join(REPO, 'chaincode', 'hello') });
  // Network administration: as the operator's administrator.
  await apiClient(BRIDGE, () => stackAdminIdentity(ctx, 'OperatorMSP')).call('/admin/channels', { method: 'POST', body: { name: channel, chaincodes: ['hello'] } });

  const connection = buildConnection(ctx);
  const kafka = connectionKafka(connection, 'bench-latency');
  const consumer = kafka.consumer({ groupId: `bench-latency-${randomBytes(4).toString('hex')}` });
  const committedAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.ledgerEvents, fromBeginning: false });
  let assigned!: () => void;
  const ready = new Promise<void>((r) => (assigned = r));
  consumer.on(consumer.events.GROUP_JOIN, () => assigned());
  void consumer.run({
    eachMessage: async ({ message }) => {
      const now = performance.now();
      const event = JSON.parse(String(message.value)) as { data?: { channel?: string; transactionId?: string } };
      if (event.data?.channel === channel && event.data.transactionId) arrivedAt.set(event.data.transactionId, now);
    },
  });
  await ready;
  await new Promise((r) => setTimeout(r, 1000));

  const org = connection.fabric.orgs['OperatorMSP']!;
  const identity = await enrollClientIdentity(ctx, 'OperatorMSP', 'bench-latency');
  const gw = connectGateway({ endpoint: org.peer.endpoint, hostAlias: org.peer.hostAlias, tlsCaPem: readFileSync(org.peer.tlsCaFile, 'utf8') }, identity);
  try {
    const contract = gw.gateway.getNetwork(channel).getContract('hello');
    log(`submitting ${txs} transactions one after another`);
    for (let k = 0; k < txs; k++) {
      const commit = await contract.submitAsync('Put', { arguments: [`k${k}`, randomBytes(8).toString('hex')] });
      const status = await commit.getStatus();
      if (!status.successful) throw new Error(`transaction ${status.transactionId} failed: ${status.code}`);
      committedAt.set(status.transactionId, performance.now());
    }
    const deadline = Date.now() + 60000;
    while (arrivedAt.size < committedAt.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    gw.close();
    await consumer.disconnect();
  }
  // An event can reach Kafka before the client has seen its own commit status: that counts as 0 ms.
  const latencies = [...committedAt].filter(([tx]) => arrivedAt.has(tx)).map(([tx, t]) => Math.max(0, arrivedAt.get(tx)! - t)).sort((a, b) => a - b);
  if (latencies.length < committedAt.size) throw new Error(`only ${latencies.length} of ${committedAt.size} events reached Kafka`);
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: latencies[latencies.length - 1]!, samples: latencies.length };
}

async function main(): Promise<void> {
  const health = await fetch(`${BRIDGE}/health`).catch(() => undefined);
  if (!health?.ok) throw new Error(`the ledger bridge is not answering at ${BRIDGE}/health: run ./dev bench ledger (it starts what is not running)`);
  const loadAverageAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const form = await formation();
  const relay = await relayLatency();
  const result = {
    loadAverageAtStart,
    formation: {
      definition: 'last signature on the agreement → the version readable by every member through its own bridge',
      ...form,
      versions: form.versions.map((v) => ({ ...v, ratioToTarget: Number((v.seconds / TARGET_S).toFixed(3)) })),
      targetSeconds: TARGET_S,
      ratioToTarget: form.mean / TARGET_S,
    },
    relayLatency: { ...relay, targetP99Ms: 300, ratioToTarget: relay.p99Ms / 300 },
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const at = (s: number | undefined) => (s === undefined ? '?' : `${s.toFixed(2)} s`);
    process.stdout.write(`load average at the start: ${loadAverageAtStart.join(', ')}\n`);
    process.stdout.write(`formation of ${form.daoId}, every member in its own domain (last signature → readable by every member through its own bridge):\n`);
    for (const v of result.formation.versions) {
      const s = v.split;
      process.stdout.write(`  version ${v.version} (${v.organisations} organisations): ${v.seconds.toFixed(2)} s (${(v.ratioToTarget * 100).toFixed(0)}% of the ${TARGET_S} s target); channel built ${at(s.channelBuilt)}, all joined and approved ${at(s.joinedAndApproved)}, committed ${at(s.committed)}, InitVersion ${at(s.initVersion)}\n`);
    }
    process.stdout.write(`  mean ${form.mean.toFixed(2)} s (${(result.formation.ratioToTarget * 100).toFixed(0)}% of the ${TARGET_S} s target)\n`);
    process.stdout.write(`relay latency over ${relay.samples} events: p50 ${relay.p50Ms.toFixed(1)} ms, p99 ${relay.p99Ms.toFixed(1)} ms, max ${relay.maxMs.toFixed(1)} ms (${(result.relayLatency.ratioToTarget * 100).toFixed(0)}% of the 300 ms target)\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench ledger: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
