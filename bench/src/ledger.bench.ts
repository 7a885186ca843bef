/**
 * Ledger benchmarks against the running stack and ledger bridge (`./dev up` first):
 *  - formation: accepted agreement → DAO version live (channel created, peers joined, dao chaincode
 *    approved by every member and committed, InitVersion committed), per version; target < 15 s;
 *  - relay latency: a chaincode event's arrival on Kafka after its transaction's commit status,
 *    p50 and p99 over sequential transactions; target p99 < 300 ms.
 * Prints figures and their ratio to the target.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TOPICS } from '@datawell/contracts';
import { connectGateway } from '@datawell/fabric';
import { buildConnection, connectionKafka, createChannel, deployChaincode, enrollClientIdentity, loadSettings, silentProgress } from '@datawell/stack';
import { apiClient, httpAdminApi, signedAgreementFor, stackAdminIdentity } from '@datawell/testing';

const REPO = resolve(__dirname, '..', '..');
const BRIDGE = process.env['DATAWELL_BRIDGE_URL'] ?? 'http://127.0.0.1:4102';
const json = process.argv.includes('--json');
const txs = Number(process.argv[process.argv.indexOf('--txs') + 1] ?? 0) || 100;
const log = (m: string) => process.stderr.write(`[bench ledger] ${m}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function formation(): Promise<{ secondsPerVersion: number[]; mean: number }> {
  const admin = httpAdminApi(BRIDGE, { settings: loadSettings(REPO), progress: silentProgress });
  const dsp = 'BenchFormDspMSP';
  const vsps = ['BenchFormVspOneMSP', 'BenchFormVspTwoMSP', 'BenchFormVspThreeMSP'];
  log('onboarding the benchmark participants (not timed; idempotent)');
  await admin.onboard({ mspId: dsp, role: 'DSP', name: 'bench DSP' });
  for (const v of vsps) await admin.onboard({ mspId: v, role: 'VSP', name: `bench ${v}` });
  const plan = { daoId: `b${Date.now().toString(36)}`, dsp, vsps, betasPpm: [800_000, 750_000, 900_000] };
  const secondsPerVersion: number[] = [];
  for (let i = 1; i <= 3; i++) {
    // Signed by every member before the clock starts: the version's formation is what is timed.
    const signed = await signedAgreementFor(plan, i);
    const t0 = performance.now();
    await admin.createVersion(signed);
    secondsPerVersion.push((performance.now() - t0) / 1000);
    log(`version ${i} live in ${secondsPerVersion[i - 1]!.toFixed(2)} s`);
  }
  return { secondsPerVersion, mean: secondsPerVersion.reduce((a, b) => a + b, 0) / secondsPerVersion.length };
}

async function relayLatency(): Promise<{ p50Ms: number; p99Ms: number; maxMs: number; samples: number }> {
  const ctx = { settings: loadSettings(REPO), progress: silentProgress };
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
  if (!health?.ok) throw new Error(`the ledger bridge is not answering at ${BRIDGE}/health: run ./dev up first`);
  const form = await formation();
  const relay = await relayLatency();
  const result = {
    formation: { ...form, targetSeconds: 15, ratioToTarget: form.mean / 15 },
    relayLatency: { ...relay, targetP99Ms: 300, ratioToTarget: relay.p99Ms / 300 },
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`formation: ${form.secondsPerVersion.map((s) => s.toFixed(2)).join(' s, ')} s per version (mean ${form.mean.toFixed(2)} s; ${(result.formation.ratioToTarget * 100).toFixed(0)}% of the 15 s target)\n`);
    process.stdout.write(`relay latency over ${relay.samples} events: p50 ${relay.p50Ms.toFixed(1)} ms, p99 ${relay.p99Ms.toFixed(1)} ms, max ${relay.maxMs.toFixed(1)} ms (${(result.relayLatency.ratioToTarget * 100).toFixed(0)}% of the 300 ms target)\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench ledger: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
