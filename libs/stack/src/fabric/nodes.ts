import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { StackContext } from '../components/component';
import { goModuleDir } from '../install/go-build';
import { isAlive, readPid, run, startDaemon, stopDaemon, waitForDaemon } from '../proc';
import { HOST, ORDERER_ORG, daemonBinaryOwner, daemonUser, fabricDirs, fabricPorts, ownDaemonFolder, type OrgRecord } from './layout';
import { binaryFor, fabricBin } from './tools';

type Yaml = Record<string, unknown>;

async function sampleConfig(ctx: StackContext, file: 'core.yaml' | 'orderer.yaml'): Promise<Yaml> {
  const dir = await goModuleDir(ctx.settings.cacheDir, 'fabric');
  return parse(readFileSync(join(dir, 'sampleconfig', file), 'utf8')) as Yaml;
}

function section(doc: Yaml, key: string): Yaml {
  const value = doc[key];
  if (value && typeof value === 'object') return value as Yaml;
  const created: Yaml = {};
  doc[key] = created;
  return created;
}

export interface NodeProcess {
  readonly name: string;
  readonly org: OrgRecord;
  readonly home: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly operationsPort: number;
  readonly endpoint: string;
}

export function ordererProcess(ctx: StackContext, i: number): NodeProcess {
  const dirs = fabricDirs(ctx.settings);
  const ports = fabricPorts(ctx.settings).orderer(i);
  const name = `orderer${i}`;
  return { name: `${name}.orderer`, org: ORDERER_ORG, home: dirs.node(ORDERER_ORG, name), pidFile: join(dirs.run, `${name}.orderer.pid`), logFile: join(dirs.logs, `${name}.orderer.log`), operationsPort: ports.operations, endpoint: `${HOST}:${ports.listen}` };
}

export function peerProcess(ctx: StackContext, org: OrgRecord): NodeProcess {
  const dirs = fabricDirs(ctx.settings);
  const ports = fabricPorts(ctx.settings).peer(org);
  return { name: `peer0.${org.slug}`, org, home: dirs.node(org, 'peer0'), pidFile: join(dirs.runOf(org), `peer0.${org.slug}.pid`), logFile: join(dirs.logsOf(org), `peer0.${org.slug}.log`), operationsPort: ports.operations, endpoint: `${HOST}:${ports.listen}` };
}

/** Writes orderer.yaml: channel participation API (no system channel), TLS, mutual TLS on admin. */
async function writeOrdererConfig(ctx: StackContext, i: number): Promise<string> {
  const node = ordererProcess(ctx, i);
  const ports = fabricPorts(ctx.settings).orderer(i);
  const tls = join(node.home, 'tls');
  const cfgDir = join(node.home, 'config');
  mkdirSync(cfgDir, { recursive: true });
  const doc = await sampleConfig(ctx, 'orderer.yaml');
  const general = section(doc, 'General');
  Object.assign(general, {
    ListenAddress: '127.0.0.1',
    ListenPort: ports.listen,
    TLS: { Enabled: true, PrivateKey: join(tls, 'server.key'), Certificate: join(tls, 'server.crt'), RootCAs: [join(tls, 'ca.crt')], ClientAuthRequired: false },
    Cluster: { ClientCertificate: join(tls, 'server.crt'), ClientPrivateKey: join(tls, 'server.key'), SendBufferSize: 100 },
    BootstrapMethod: 'none',
    LocalMSPDir: join(node.home, 'msp'),
    LocalMSPID: ORDERER_ORG.mspId,
  });
  section(doc, 'FileLedger')['Location'] = join(node.home, 'data', 'ledger');
  Object.assign(section(doc, 'Operations'), { ListenAddress: `127.0.0.1:${ports.operations}`, TLS: { Enabled: false } });
  Object.assign(section(doc, 'Metrics'), { Provider: 'prometheus' });
  Object.assign(section(doc, 'Admin'), {
    ListenAddress: `127.0.0.1:${ports.admin}`,
    TLS: { Enabled: true, Certificate: join(tls, 'server.crt'), PrivateKey: join(tls, 'server.key'), RootCAs: [join(tls, 'ca.crt')], ClientAuthRequired: true, ClientRootCAs: [join(tls, 'ca.crt')] },
  });
  section(doc, 'ChannelParticipation')['Enabled'] = true;
  Object.assign(section(doc, 'Consensus'), { WALDir: join(node.home, 'data', 'etcdraft', 'wal'), SnapDir: join(node.home, 'data', 'etcdraft', 'snapshot') });
  writeFileSync(join(cfgDir, 'orderer.yaml'), stringify(doc));
  return cfgDir;
}

/** Writes core.yaml: TLS, gateway, gossip on localhost, and the chaincode-as-a-service builder (no Docker). */
async function writePeerConfig(ctx: StackContext, org: OrgRecord): Promise<string> {
  const node = peerProcess(ctx, org);
  const ports = fabricPorts(ctx.settings).peer(org);
  const dirs = fabricDirs(ctx.settings);
  const tls = join(node.home, 'tls');
  const cfgDir = join(node.home, 'config');
  mkdirSync(cfgDir, { recursive: true });
  const doc = await sampleConfig(ctx, 'core.yaml');
  const peer = section(doc, 'peer');
  Object.assign(peer, {
    id: node.name,
    networkId: 'datawell',
    listenAddress: `127.0.0.1:${ports.listen}`,
    address: node.endpoint,
    addressAutoDetect: false,
    chaincodeListenAddress: `127.0.0.1:${ports.chaincode}`,
    chaincodeAddress: `${HOST}:${ports.chaincode}`,
    mspConfigPath: join(node.home, 'msp'),
    localMspId: org.mspId,
    fileSystemPath: join(node.home, 'data'),
  });
  Object.assign(section(peer, 'gateway'), { enabled: true });
  const gossip = section(peer, 'gossip');
  Object.assign(gossip, { bootstrap: node.endpoint, externalEndpoint: node.endpoint, endpoint: node.endpoint, useLeaderElection: true, orgLeader: false,
    // A peer counts another dead after 25 s without an alive message by default; on a loaded
    // machine with dozens of peers they missed each other's and the membership flapped, so discovery
    // briefly found no endorser. A minute rides that out.
    aliveExpirationTimeout: '60s' });
  // A peer pulls a channel's blocks only once it is its organisation's leader there, and the election
  // waits leaderElectionDuration (5 s by default) for other candidates after every join and restart:
  // 6 s between joining a channel and its first block, ~230 times per CI run (every new DAO channel, a
  // seat, a resumed domain), often on a test's path (an approval waits for its block). Each organisation
  // has one peer, so there is never another candidate; 1 s still lets one be heard. The election itself
  // stays: static leadership (reverted in 4004535d) left a newly added peer without blocks in a CI rehearsal.
  Object.assign(section(gossip, 'election'), { leaderElectionDuration: '1s' });
  // waitForChannelPeers (every new channel, seat and member's join) reads how many of a channel's peers
  // a peer knows from its gossip_membership_total_peers_known metric, which Fabric refreshes only every
  // membershipTrackerInterval (5 s by default), and a peer learns of a newly joined one from the state
  // info that one publishes at most every publishStateInfoInterval (4 s). Both 1 s: the wait for a
  // 3-organisation channel went from 4.0-4.5 s to 0.3-0.9 s. The tracker is a set comparison per
  // channel, and state info is only published when it changed (a join, a block); the peers' idle CPU
  // was the same either way (634 against 649 ticks in 30 s for 10 peers).
  Object.assign(gossip, { membershipTrackerInterval: '1s', publishStateInfoInterval: '1s' });
  // At rest a peer spends most of its CPU checking the signatures of channel state info it pulls:
  // every requestStateInfoInterval (4 s) it asks pullPeerNum peers (3) for their snapshot of the
  // channel and checks every entry again, known or not, against the channel's Readers policy, an
  // ImplicitMeta ANY over every organisation that verifies the signature once per organisation tried.
  // With 31 peers on marketplace that was 70-73 % of a peer's CPU profile. Pulling from one peer (also
  // for membership and identities, pullInterval 4 s) took a peer from 5.2-5.3 % of a core to 2.4 %
  // (157-158 against 71-73 ticks in 30 s per peer, the whole stack alternately, load 13-22), and the
  // waits kept their time (a 2-organisation channel 2.9-3.2 s, adding a 3rd 8.3-8.4 s against 8.2-8.3 s).
  // State info is still pushed when it changes; an organisation's one peer has no other to pull
  // blocks from. A longer requestStateInfoInterval cut more (20 s: 1.2-1.3 %), but a peer that joins
  // a channel learns the others' state only by that pull: adding a 3rd organisation took 24-25 s.
  Object.assign(gossip, { pullPeerNum: 1 });
  // Private data (a DAO's state, docs/ledger.md "Private data"): a peer committing a block whose
  // private data it lacks pulls it from the endorsers, waiting up to pullRetryThreshold (60 s by
  // default) before it commits without; the endorsers push it at endorsement, so a pull is rare and
  // short. A peer whose organisation joins a collection (a seat that changes hands) fetches the
  // earlier private data by reconciliation, every reconcileSleepInterval (1 minute by default): 5 s,
  // so a newcomer reads the DAO's state within seconds of the definition that adds it.
  Object.assign(section(gossip, 'pvtData'), { pullRetryThreshold: '15s', reconcileSleepInterval: '5s', reconciliationEnabled: true });
  Object.assign(section(peer, 'tls'), { enabled: true, clientAuthRequired: false, cert: { file: join(tls, 'server.crt') }, key: { file: join(tls, 'server.key') }, rootcert: { file: join(tls, 'ca.crt') } });
  // Each peer keeps its snapshots beside its ledger (the default is one machine-wide folder, which a
  // domain's user may not write and no two domains should share).
  Object.assign(section(section(doc, 'ledger'), 'snapshots'), { rootDir: join(node.home, 'data', 'snapshots') });
  // The delivery client retries a failing orderer connection with a doubling delay capped at an hour
  // by default, so a few refusals early on (a new channel's Raft leader not elected yet, a peer of an
  // organisation the channel's config does not list yet) could leave a peer minutes behind; 10 s caps it.
  Object.assign(section(peer, 'deliveryclient'), { reConnectBackoffThreshold: '10s' });
  // An empty endpoint disables the Docker controller: chaincode only runs as an external service.
  section(doc, 'vm')['endpoint'] = '';
  Object.assign(section(doc, 'chaincode'), { externalBuilders: [{ name: 'ccaas', path: dirs.builder }] });
  Object.assign(section(doc, 'operations'), { listenAddress: `127.0.0.1:${ports.operations}`, tls: { enabled: false } });
  Object.assign(section(doc, 'metrics'), { provider: 'prometheus' });
  writeFileSync(join(cfgDir, 'core.yaml'), stringify(doc));
  return cfgDir;
}

export async function startOrderer(ctx: StackContext, i: number): Promise<void> {
  const node = ordererProcess(ctx, i);
  if (isAlive(readPid(node.pidFile))) return;
  const cfgDir = await writeOrdererConfig(ctx, i);
  // The orderers are the operator's: they run as its user, over the files given to it.
  const user = daemonUser(ORDERER_ORG);
  ownDaemonFolder(ctx.settings, ORDERER_ORG);
  ctx.progress.step('fabric', `starting ${node.name} on ${node.endpoint}${user ? ` as ${user}` : ''}`);
  startDaemon({ name: node.name, cmd: binaryFor(ctx.settings, fabricBin(ctx.settings, 'orderer'), daemonBinaryOwner(ORDERER_ORG)), args: [], env: { FABRIC_CFG_PATH: cfgDir, FABRIC_LOGGING_SPEC: LOGGING_SPEC }, cwd: node.home, ...(user ? { user } : {}), logFile: node.logFile, pidFile: node.pidFile });
  await waitForDaemon(node.name, node, () => nodeHealthy(node), 60000, node.name);
}

/**
 * Fabric's default is INFO everywhere, which includes the grpc library's own trace of every client
 * connection (created, resolver state as multi-line JSON, connecting, ready, closing): 90 % of a
 * peer's log, 40 MB and 600 000 lines per e2e peer in a CI run, written while gossip redials the
 * peers of parked domains. Its warnings stay; every Fabric logger keeps INFO.
 */
const LOGGING_SPEC = 'grpc=warn:info';

/**
 * A peer at rest is a few hundred goroutines on timers (gossip, election, deliver); with a scheduler
 * thread per core Go spins idle threads looking for work at each wake-up. One thread halves a peer's
 * idle CPU (measured: 22–24 against 45–51 ticks in 30 s beside each other), and a deployment on one
 * machine runs a peer per organisation. Its work is endorsing and validating a few transactions per
 * second here, which one thread does. `DATAWELL_PEER_GOMAXPROCS` overrides it.
 */
const PEER_RUNTIME = { GOMAXPROCS: process.env['DATAWELL_PEER_GOMAXPROCS'] ?? '1', FABRIC_LOGGING_SPEC: LOGGING_SPEC };

export async function startPeer(ctx: StackContext, org: OrgRecord): Promise<void> {
  const node = peerProcess(ctx, org);
  if (isAlive(readPid(node.pidFile))) return;
  installBuilder(ctx);
  const cfgDir = await writePeerConfig(ctx, org);
  // A domain's peer runs as the domain's user, the operator's as the operator's, over files that user owns.
  const user = daemonUser(org);
  ownDaemonFolder(ctx.settings, org);
  ctx.progress.step('fabric', `starting ${node.name} on ${node.endpoint}${user ? ` as ${user}` : ''}`);
  startDaemon({ name: node.name, cmd: binaryFor(ctx.settings, fabricBin(ctx.settings, 'peer'), daemonBinaryOwner(org)), args: ['node', 'start'], env: { FABRIC_CFG_PATH: cfgDir, ...PEER_RUNTIME }, cwd: node.home, ...(user ? { user } : {}), logFile: node.logFile, pidFile: node.pidFile });
  await waitForDaemon(node.name, node, () => nodeHealthy(node), 60000, node.name);
}

export async function stopNode(node: NodeProcess): Promise<void> {
  await stopDaemon(node.pidFile);
}

export async function nodeHealthy(node: NodeProcess): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${node.operationsPort}/healthz`);
  return res.ok;
}

export function peerConfigDir(ctx: StackContext, org: OrgRecord): string {
  return join(peerProcess(ctx, org).home, 'config');
}

/** The channels a peer holds a ledger of, read from its folder (the peer need not run). */
export function peerLedgerChannels(ctx: StackContext, org: OrgRecord): string[] {
  const dir = join(peerProcess(ctx, org).home, 'data', 'ledgersData', 'chains', 'chains');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/**
 * Pauses (or resumes) every channel a peer holds, with Fabric's own `peer node pause|resume`: a paused
 * channel's blocks are neither pulled from the orderers nor validated, and its ledger stays as it is
 * until resumed (resuming catches up). The peer process itself runs on (its gossip membership stays,
 * see domains.ts parkDomain). Fabric changes a channel's status only while the peer is offline, so
 * the peer is stopped, every channel set, and the peer started again; setting a status the channel
 * has already is a no-op, so this may be repeated. Resolves the channels it set.
 */
export async function setPeerChannelsPaused(ctx: StackContext, org: OrgRecord, paused: boolean): Promise<string[]> {
  const channels = peerLedgerChannels(ctx, org);
  if (channels.length === 0) return [];
  const node = peerProcess(ctx, org);
  const wasRunning = isAlive(readPid(node.pidFile));
  if (wasRunning) await stopNode(node);
  const user = daemonUser(org);
  ownDaemonFolder(ctx.settings, org);
  await writePeerConfig(ctx, org);
  for (const channel of channels) {
    await run(binaryFor(ctx.settings, fabricBin(ctx.settings, 'peer'), daemonBinaryOwner(org)), ['node', paused ? 'pause' : 'resume', '-c', channel], {
      env: { FABRIC_CFG_PATH: peerConfigDir(ctx, org), ...PEER_RUNTIME },
      cwd: node.home,
      ...(user ? { user } : {}),
      timeoutMs: 60_000,
    });
  }
  ctx.progress.step('fabric', `${node.name}: ${channels.length} channel(s) ${paused ? 'paused' : 'resumed'}`);
  if (wasRunning) await startPeer(ctx, org);
  return channels;
}

/**
 * The chaincode-as-a-service external builder: detect accepts packages of type "ccaas", build and
 * release hand the package's connection.json to the peer, which then dials the running chaincode.
 */
function installBuilder(ctx: StackContext): void {
  const bin = join(fabricDirs(ctx.settings).builder, 'bin');
  if (existsSync(join(bin, 'release'))) return;
  mkdirSync(bin, { recursive: true });
  const scripts: Record<string, string> = {
    detect: `#!/bin/sh\n# detect CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR\ngrep -q '"type" *: *"ccaas"' "$2/metadata.json"\n`,
    build: `#!/bin/sh\n# build CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR BUILD_OUTPUT_DIR\nset -e\ncp "$1/connection.json" "$3/connection.json"\n`,
    release: `#!/bin/sh\n# release BUILD_OUTPUT_DIR RELEASE_OUTPUT_DIR\nset -e\nmkdir -p "$2/chaincode/server"\ncp "$1/connection.json" "$2/chaincode/server/connection.json"\n`,
  };
  for (const [name, body] of Object.entries(scripts)) writeFileSync(join(bin, name), body, { mode: 0o755 });
}
