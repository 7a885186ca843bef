/**
 * Ledger throughput (issue 4): submit throughput of the dao chaincode's `RecordRevenue`, measured
 * with Hyperledger Caliper 0.6 (fabric-gateway binding, flow-only-test) on the native network,
 * side by side with the minimal put-state chaincode on a channel of the same two organisations.
 * Target: RecordRevenue reaches at least 0.9 of the put-state throughput. Run with
 *   node -r @swc-node/register bench/src/caliper.bench.ts [--json] [--repeat <n>] [--load <n>]
 * or `./dev bench caliper [--json]`.
 *
 * The script prepares the network (bench organisations, channels, chaincodes, InitVersion), installs
 * Caliper into the cache folder if it is missing, then launches Caliper once per chaincode and
 * repetition, alternating the two so that both see the same machine load. For every measured round
 * it also records where the time went: CPU seconds per process (peers, orderer, chaincode server,
 * Caliper) and the peers' and orderer's own metrics (endorsement, shim calls, validation, commit).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildConnection, loadSettings, run, stderrProgress, type StackContext } from '@datawell/stack';
import { DAO as DAO_CATALOGUE } from '@datawell/contracts';
import { BENCH_ORGS, DAO, PUTSTATE, prepareNetwork, writeNetworkConfig } from './caliper-network';
import { parse, stringify } from 'yaml';
import { CpuSampler, delta, scrape, type Scrape } from './caliper-profile';

const CALIPER_VERSION = '0.6.0';
const TARGET_RATIO = 0.9;
/** Transactions in flight of the committed benchmark configs (bench/caliper/benchmarks/*.yaml). */
const DEFAULT_LOAD = 20;
const REPO_DIR = join(__dirname, '..', '..');

interface Benchmark {
  readonly key: 'putState' | 'recordRevenue';
  /** Label of the measured round in bench/caliper/benchmarks/<label>.yaml. */
  readonly label: string;
  readonly chaincode: string;
  readonly channel: string;
}

const BENCHMARKS: readonly Benchmark[] = [
  { key: 'putState', label: 'put-state', chaincode: PUTSTATE.name, channel: PUTSTATE.channel },
  { key: 'recordRevenue', label: 'record-revenue', chaincode: DAO.name, channel: DAO.channel },
];

export interface RoundFigures {
  readonly succ: number;
  readonly fail: number;
  readonly sendRateTps: number;
  readonly maxLatencyS: number;
  readonly minLatencyS: number;
  readonly avgLatencyS: number;
  readonly tps: number;
}

/** The row of one round in Caliper's summary table (the last table printed wins). */
export function parseCaliperRow(output: string, label: string): RoundFigures {
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  let row: string[] | undefined;
  for (const line of plain.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length >= 9 && cells[1] === label) row = cells.slice(2, 9);
  }
  if (!row) throw new Error(`Caliper printed no result row for round ${label}`);
  const [succ, fail, sendRateTps, maxLatencyS, minLatencyS, avgLatencyS, tps] = row.map(Number) as [number, number, number, number, number, number, number];
  return { succ, fail, sendRateTps, maxLatencyS, minLatencyS, avgLatencyS, tps };
}

function log(json: boolean, line: string): void {
  (json ? process.stderr : process.stdout).write(`${line}\n`);
}

/** Installs Caliper 0.6 and its fabric-gateway binding into the cache folder, once per machine. */
async function ensureCaliper(ctx: StackContext): Promise<string> {
  const dir = join(ctx.settings.cacheDir, 'caliper', CALIPER_VERSION);
  const bin = join(dir, 'node_modules', '.bin', 'caliper');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'datawell-caliper', private: true })}\n`);
  if (!existsSync(bin)) {
    ctx.progress.step('bench', `installing @hyperledger/caliper-cli@${CALIPER_VERSION} into ${dir}`);
    await run('npm', ['install', `@hyperledger/caliper-cli@${CALIPER_VERSION}`, '--no-audit', '--no-fund'], { cwd: dir });
  }
  if (!existsSync(join(dir, 'node_modules', '@hyperledger', 'fabric-gateway', 'package.json'))) {
    // Caliper 0.6's fabric-gateway binding: @hyperledger/fabric-gateway 1.5.0 and @grpc/grpc-js 1.10.3 (Node ≥ 18).
    ctx.progress.step('bench', 'binding Caliper to fabric:fabric-gateway');
    await run(bin, ['bind', '--caliper-bind-sut', 'fabric:fabric-gateway'], { cwd: dir });
  }
  return bin;
}

interface Endpoints {
  readonly peers: Readonly<Record<string, string>>;
  readonly orderer: string;
}

/** Operations (metrics) endpoints: the stack puts them 2 ports above each node's gRPC port. */
function metricsEndpoints(ctx: StackContext): Endpoints {
  const fabric = buildConnection(ctx).fabric;
  const ops = (endpoint: string) => `http://127.0.0.1:${Number(endpoint.split(':').pop()) + 2}/metrics`;
  const peers: Record<string, string> = {};
  for (const msp of BENCH_ORGS) {
    const org = fabric.orgs[msp];
    if (!org) throw new Error(`the stack has no organisation ${msp}`);
    peers[org.peer.name] = ops(org.peer.endpoint);
  }
  const orderer = fabric.orderers[0];
  if (!orderer) throw new Error('the stack has no orderer');
  return { peers, orderer: ops(orderer.endpoint) };
}

interface Scrapes {
  readonly peers: Record<string, Scrape>;
  readonly orderer: Scrape;
}

async function scrapeAll(e: Endpoints): Promise<Scrapes> {
  const peers: Record<string, Scrape> = {};
  for (const [name, url] of Object.entries(e.peers)) peers[name] = await scrape(url);
  return { peers, orderer: await scrape(e.orderer) };
}

const round = (x: number, places = 2): number => (Number.isFinite(x) ? Number(x.toFixed(places)) : 0);

/** What the peers and the orderer report for one round on one channel. */
function nodeProfile(b: Benchmark, before: Scrapes, after: Scrapes, committedTx: number) {
  const onChannel = (l: Readonly<Record<string, string>>) => l['channel'] === b.channel;
  const peers: Record<string, unknown> = {};
  for (const name of Object.keys(after.peers)) {
    const [p0, p1] = [before.peers[name] as Scrape, after.peers[name] as Scrape];
    const proposals = delta(p0, p1, 'endorser_proposal_duration_count', (l) => onChannel(l) && l['chaincode'] === b.chaincode);
    const endorseS = delta(p0, p1, 'endorser_proposal_duration_sum', (l) => onChannel(l) && l['chaincode'] === b.chaincode);
    const ours = (l: Readonly<Record<string, string>>) => onChannel(l) && (l['chaincode'] ?? '').startsWith(`${b.chaincode}_`);
    const shimTypes = new Set([...p1.values()].filter((s) => s.name === 'chaincode_shim_request_duration_count' && ours(s.labels)).map((s) => s.labels['type'] as string));
    const shimCalls: Record<string, number> = {};
    let shimS = 0;
    for (const type of [...shimTypes].sort()) {
      shimCalls[type] = round(delta(p0, p1, 'chaincode_shim_request_duration_count', (l) => ours(l) && l['type'] === type) / proposals);
      shimS += delta(p0, p1, 'chaincode_shim_request_duration_sum', (l) => ours(l) && l['type'] === type);
    }
    const blocks = delta(p0, p1, 'ledger_block_processing_time_count', onChannel);
    peers[name] = {
      proposals,
      endorseMsAvg: round((endorseS / proposals) * 1000),
      shimCallsPerProposal: shimCalls,
      shimMsPerProposal: round((shimS / proposals) * 1000),
      blocks,
      txPerBlock: round(committedTx / blocks, 1),
      validateMsPerBlock: round((delta(p0, p1, 'gossip_privdata_validation_duration_sum', onChannel) / delta(p0, p1, 'gossip_privdata_validation_duration_count', onChannel)) * 1000),
      commitMsPerBlock: round((delta(p0, p1, 'ledger_block_processing_time_sum', onChannel) / blocks) * 1000),
      stateDbCommitMsPerBlock: round((delta(p0, p1, 'ledger_statedb_commit_time_sum', onChannel) / delta(p0, p1, 'ledger_statedb_commit_time_count', onChannel)) * 1000),
    };
  }
  const [o0, o1] = [before.orderer, after.orderer];
  const broadcasts = delta(o0, o1, 'broadcast_validate_duration_count', onChannel);
  const orderer = {
    broadcasts,
    validateMsAvg: round((delta(o0, o1, 'broadcast_validate_duration_sum', onChannel) / broadcasts) * 1000, 3),
    enqueueMsAvg: round((delta(o0, o1, 'broadcast_enqueue_duration_sum', onChannel) / delta(o0, o1, 'broadcast_enqueue_duration_count', onChannel)) * 1000, 3),
    blocksCut: delta(o0, o1, 'blockcutter_block_fill_duration_count', onChannel),
  };
  return { peers, orderer };
}

export interface MeasuredRound extends RoundFigures {
  readonly durationS: number;
  /** CPU milliseconds per committed transaction, per process (group). */
  readonly cpuMsPerTx: Record<string, number>;
  /** The machine's busy share over the round, all cores (1 = every core busy). */
  readonly machineBusy: number;
  readonly nodes: ReturnType<typeof nodeProfile>;
}

/**
 * The committed benchmark config, or a copy with another fixed load (same rounds and workload
 * otherwise) for an experiment with `--load`.
 */
function benchConfig(b: Benchmark, load: number, outDir: string): string {
  const committed = join(REPO_DIR, 'bench', 'caliper', 'benchmarks', `${b.label}.yaml`);
  if (load === DEFAULT_LOAD) return committed;
  const config = parse(readFileSync(committed, 'utf8')) as { test: { rounds: { rateControl: { opts: { transactionLoad: number } } }[] } };
  for (const r of config.test.rounds) r.rateControl = { ...r.rateControl, opts: { ...r.rateControl.opts, transactionLoad: load } };
  const path = join(outDir, `${b.label}-load${load}.yaml`);
  writeFileSync(path, stringify(config, { aliasDuplicateObjects: false }));
  return path;
}

async function launch(ctx: StackContext, caliper: string, b: Benchmark, load: number, networkConfig: string, outDir: string, endpoints: Endpoints, json: boolean): Promise<MeasuredRound> {
  const args = [
    'launch', 'manager',
    '--caliper-workspace', join(REPO_DIR, 'bench', 'caliper'),
    '--caliper-networkconfig', networkConfig,
    '--caliper-benchconfig', benchConfig(b, load, outDir),
    '--caliper-flow-only-test',
    '--caliper-report-path', join(outDir, `report-${b.label}.html`),
  ];
  ctx.progress.step('bench', `caliper ${b.label} (15 s warm-up, 60 s measured, ${load} transactions in flight)`);
  const child = spawn(caliper, args, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'] });
  // Pid files of the stack are named after the processes (peer0.<org>, orderer0.orderer, cc-<name>).
  const pidFiles: Record<string, string> = Object.fromEntries(Object.keys(endpoints.peers).map((peer) => [peer, peer]));
  const sampler = CpuSampler.forStack(join(ctx.settings.stackDir, 'run'), { ...pidFiles, orderer: 'orderer0.orderer', chaincode: `cc-${b.chaincode}` }, child.pid as number);
  let output = '';
  let partial = '';
  let before: Promise<Scrapes> | undefined;
  let after: Promise<Scrapes> | undefined;
  let cpu: ReturnType<CpuSampler['stop']> | undefined;
  let durationS = 0;
  const onLine = (line: string): void => {
    const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
    if (plain.includes(`Started round`) && plain.includes(`(${b.label})`)) {
      before = scrapeAll(endpoints);
      sampler.start();
    }
    const finished = /Finished round \d+ \((.+)\) in ([\d.]+) seconds/.exec(plain);
    if (finished && finished[1] === b.label) {
      cpu = sampler.stop();
      durationS = Number(finished[2]);
      after = scrapeAll(endpoints);
    }
    if (/Transaction Info\]|Test result|Finished round|error/i.test(plain)) log(json, `  ${plain.replace(/^.*?\[caliper\] /, '')}`);
  };
  const feed = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(onLine);
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  writeFileSync(join(outDir, `caliper-${b.label}.log`), output);
  if (code !== 0) throw new Error(`caliper ${b.label} exited with code ${code}; its output is in ${join(outDir, `caliper-${b.label}.log`)}`);
  if (!before || !after || !cpu) throw new Error(`caliper ${b.label}: the measured round's start or end was not seen in its output`);
  const figures = parseCaliperRow(output, b.label);
  const committed = figures.succ;
  const cpuMsPerTx: Record<string, number> = {};
  let attributed = 0;
  for (const [component, seconds] of Object.entries(cpu.perComponent)) {
    cpuMsPerTx[component] = round((seconds / committed) * 1000);
    attributed += seconds;
  }
  cpuMsPerTx['otherProcesses'] = round(((cpu.machineBusy - attributed) / committed) * 1000);
  return {
    ...figures,
    durationS,
    cpuMsPerTx,
    machineBusy: round(cpu.machineBusy / cpu.machineTotal),
    nodes: nodeProfile(b, await before, await after, committed),
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** CPU milliseconds per transaction of the processes on the transaction path (not other programs). */
const pathCpuMs = (r: MeasuredRound): number => Object.entries(r.cpuMsPerTx).reduce((s, [k, v]) => (k === 'otherProcesses' ? s : s + v), 0);

function summary(rounds: readonly MeasuredRound[]) {
  const succ = rounds.reduce((s, r) => s + r.succ, 0);
  return {
    tps: round(median(rounds.map((r) => r.tps)), 1),
    avgLatencyS: round(rounds.reduce((s, r) => s + r.avgLatencyS * r.succ, 0) / succ),
    succ,
    fail: rounds.reduce((s, r) => s + r.fail, 0),
    /** Median CPU ms per transaction of peers, orderer, chaincode server and Caliper together. */
    cpuMsPerTx: round(median(rounds.map(pathCpuMs))),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  const option = (name: string, fallback: number): number => {
    const at = argv.indexOf(name);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  const repeat = option('--repeat', 2);
  const load = option('--load', DEFAULT_LOAD);
  const values = new Set(['--repeat', '--load'].map((o) => argv.indexOf(o) + 1).filter((i) => i > 0));
  const unknown = argv.filter((a, i) => !['--json', '--repeat', '--load'].includes(a) && !values.has(i));
  if (unknown.length > 0 || !Number.isInteger(repeat) || repeat < 1 || !Number.isInteger(load) || load < 1) {
    throw new Error(`usage: caliper.bench.ts [--json] [--repeat <n ≥ 1>] [--load <transactions in flight>] (got ${argv.join(' ')})`);
  }

  const ctx: StackContext = { settings: loadSettings(REPO_DIR), progress: stderrProgress };
  const caliper = await ensureCaliper(ctx);
  const prepared = await prepareNetwork(ctx);
  const outDir = join(ctx.settings.stackDir, 'bench', 'caliper');
  const networkConfig = writeNetworkConfig(ctx, prepared.identities, outDir);
  const endpoints = metricsEndpoints(ctx);

  const results: Record<Benchmark['key'], MeasuredRound[]> = { putState: [], recordRevenue: [] };
  for (let i = 0; i < repeat; i++) {
    // Alternate the order between repetitions, so neither chaincode always runs on a warmer network.
    const order = i % 2 === 0 ? BENCHMARKS : [...BENCHMARKS].reverse();
    for (const b of order) results[b.key].push(await launch(ctx, caliper, b, load, networkConfig, outDir, endpoints, json));
  }
  const recordRevenue = summary(results.recordRevenue);
  const putState = summary(results.putState);
  const ratio = round(recordRevenue.tps / putState.tps, 3);
  // The machine is shared: what other programs take changes from round to round, while the CPU each
  // transaction costs on its own path varies much less; its inverse ratio is the figure to compare
  // when the throughputs are noisy (the throughput ratio of a machine that is CPU-bound on this work).
  const cpuRatio = round(putState.cpuMsPerTx / recordRevenue.cpuMsPerTx, 3);
  const result = {
    benchmark: 'ledger throughput (Caliper)',
    caliper: CALIPER_VERSION,
    binding: 'fabric:fabric-gateway',
    setup: {
      orgs: BENCH_ORGS,
      endorsement: 'MAJORITY Endorsement (both organisations)',
      recordRevenue: { chaincode: DAO.name, channel: DAO.channel, version: prepared.versions[DAO.name] },
      putState: { chaincode: PUTSTATE.name, channel: PUTSTATE.channel, version: prepared.versions[PUTSTATE.name] },
      workers: 1,
      rateControl: `fixed-load, ${load} transactions in flight`,
      roundSeconds: 60,
      repeat,
      cores: cpus().length,
    },
    recordRevenue,
    putState,
    ratio,
    cpuRatio,
    target: TARGET_RATIO,
    meetsTarget: ratio >= TARGET_RATIO,
    rounds: results,
    reports: outDir,
  };
  // Every run's figures are kept beside Caliper's reports (the stack folder is per machine and git-ignored).
  writeFileSync(join(outDir, `result-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const line = (name: string, s: ReturnType<typeof summary>) =>
    `${name.padEnd(15)} ${String(s.tps).padStart(7)} tps   avg latency ${s.avgLatencyS.toFixed(2)} s   ${s.succ} committed, ${s.fail} failed   ${s.cpuMsPerTx} CPU ms/tx`;
  log(false, '');
  log(false, `Ledger throughput, Caliper ${CALIPER_VERSION} (fabric-gateway), median of ${repeat} × 60 s rounds, fixed load ${load}, 1 worker`);
  log(false, line(DAO_CATALOGUE.tx.RecordRevenue, recordRevenue));
  log(false, line('put-state Put', putState));
  log(false, `ratio ${ratio} (target ≥ ${TARGET_RATIO}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`);
  log(false, `CPU per transaction on the transaction path: put-state ${putState.cpuMsPerTx} ms, RecordRevenue ${recordRevenue.cpuMsPerTx} ms (CPU-bound ratio ${cpuRatio})`);
  for (const key of ['putState', 'recordRevenue'] as const) {
    for (const [i, r] of results[key].entries()) {
      const cpu = Object.entries(r.cpuMsPerTx).map(([k, v]) => `${k} ${v}`).join(', ');
      log(false, `  ${key} #${i + 1}: ${r.tps} tps, machine busy ${Math.round(r.machineBusy * 100)} %, CPU ms/tx: ${cpu}`);
      for (const [peer, p] of Object.entries(r.nodes.peers)) log(false, `    ${peer}: ${JSON.stringify(p)}`);
      log(false, `    orderer: ${JSON.stringify(r.nodes.orderer)}`);
    }
  }
  log(false, `reports: ${outDir}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
