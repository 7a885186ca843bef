import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import { parseHostPort, type ListedMesh, type MpcMeshFile, type MpcNodeSettings } from '@datawell/contracts';
import {
  runCatalogueJob,
  runDemoNode,
  setupMascot,
  type ComputeOutcome,
  type DemoNodeResult,
  type MascotOfflinePhase,
  type NodeInventory,
  type NodeOp,
  type PreprocessOutcome,
  type Transport,
  type Precision,
} from '@datawell/mpc';
import { startHeartbeats, type HeartbeatLoop } from '@datawell/workload-runtime';
import { agreeOnOp } from './agreement';
import { startControlServer } from './control.server';
import { loadColumns } from './dataset.adapter';
import { CoordinatorClient, registerAtCoordinator } from './coordinator-registration';
import { LedgerBridgeClient } from './ledger-bridge.adapter';
import { ledgerGate } from './ledger-check';
import { RequestMemory, requestsTakenFile } from './request-memory';
import { opQueue, type NodeLog } from './op-queue';
import { checkOwnParty, MeshIdentityError, waitForMeshFile } from './mesh-file.adapter';
import { deliverOutcome } from './result-delivery';
import { ownerUsage } from './usage-record';
import { listenTlsNode, type Endpoint, type PeerAuthentication } from './tls.adapter';
import { mascotOptionsOf, type MpcNodeConfig } from './node.config';

export type { NodeLog } from './op-queue';

/** The mesh a node connects: the parties, how each is recognised, and the CA certificates they chain to. */
interface NodeMesh {
  readonly index: number;
  readonly endpoints: readonly Endpoint[];
  readonly peers: PeerAuthentication;
  readonly ca: string;
}

async function listedMesh(mesh: ListedMesh): Promise<NodeMesh> {
  return { index: mesh.index, endpoints: mesh.endpoints, peers: { peerNames: mesh.names }, ca: await readFile(mesh.caFile, 'utf8') };
}

/** A validated mesh file: every party pinned to its certificate, chaining to one of the parties' CAs. */
function fileMesh(mesh: MpcMeshFile): NodeMesh {
  return {
    index: mesh.index,
    // parseMpcMeshFile checked every endpoint already.
    endpoints: mesh.parties.map((p) => parseHostPort(p.endpoint)!),
    peers: { peerCertificates: mesh.parties.map((p) => p.certificatePem) },
    ca: [...new Set(mesh.parties.map((p) => p.caCertificatePem.trim()))].join('\n'),
  };
}

async function connectMesh(config: MpcNodeSettings, mesh: NodeMesh, log?: NodeLog): Promise<Transport> {
  const [key, cert] = await Promise.all([readFile(config.tls.keyFile, 'utf8'), readFile(config.tls.certFile, 'utf8')]);
  const node = await listenTlsNode({
    ...mesh.peers,
    self: mesh.index,
    parties: mesh.endpoints.length,
    identity: { key, cert, ca: mesh.ca },
    host: config.listenHost,
    port: mesh.endpoints[mesh.index]!.port,
    connectTimeoutMs: 120_000,
    ...(log ? { onRefused: (message: string) => log('peer refused', { code: 'PEER_CERTIFICATE_REFUSED', error: message }) } : {}),
  });
  return node.connect(mesh.endpoints);
}

/**
 * One DAO member's MPC node, one-shot (the demo): mutual TLS to every other node, its own MASCOT
 * preprocessing (its shares, MAC-key share and triples never leave this process), then the job.
 * Results exist only at the job's recipient.
 */
export async function runMpcNode(config: MpcNodeConfig): Promise<DemoNodeResult> {
  if (!config.job || 'file' in config.mesh) throw new Error('no job configured, or no listed mesh for it');
  const transport = await connectMesh(config, await listedMesh(config.mesh));
  try {
    return await runDemoNode(transport, config.job, mascotOptionsOf(config));
  } finally {
    await transport.close();
  }
}

export interface ServingNode {
  /** Resolves when the node must end (its mesh broke after an abort); the process then exits non-zero. */
  readonly broken: Promise<Error>;
  close(): Promise<void>;
}

/**
 * A long-running node: connects the mesh and runs the MASCOT set-up once (so its MAC-key share and
 * its stock of triples and masks last across jobs), heartbeats, and serves the coordinator's
 * operations in order. The owner's node reads its dataset itself; only shares leave it. With
 * MPC_NODE_LEDGER_URL it takes part in a compute op only if its member's own ledger allows it
 * (ledger-check.ts); every op starts with an agreement round in which each node tells the others
 * whether it takes part (agreement.ts), and runs only if all do, so a refusal leaves the mesh in step.
 * A result of which it is a recipient goes to that bridge, the coordinator getting its digest only
 * (result-delivery.ts); the data owner's node records there what became of an op on its dataset that
 * gave no result, refused or failed (usage-record.ts).
 * With MPC_NODE_COORDINATOR_URL it registers itself at the coordinator once its mesh is set up
 * (coordinator-registration.ts).
 */
export async function serveMpcNode(config: MpcNodeConfig, log: NodeLog): Promise<ServingNode> {
  if (!config.control) throw new Error('no control port configured');
  let mascot: MascotOfflinePhase | undefined;
  let transport: Transport | undefined;
  let fail: (e: Error) => void = () => undefined;
  const broken = new Promise<Error>((resolve) => (fail = resolve));
  let dead: Error | undefined;
  // Known at once for a listed mesh; read from the mesh file once it is there.
  let mesh: NodeMesh | undefined;
  let waiting = 'file' in config.mesh ? `the node is waiting for its mesh file ${config.mesh.file}` : 'the node is still connecting to the other nodes';
  const stopWaiting = new AbortController();

  const inventory = (): NodeInventory | undefined => {
    if (!mascot || !mesh) return undefined;
    const pre = mascot.preprocessing;
    const parties = mesh.endpoints.length;
    return {
      party: mesh.index,
      parties,
      triples: pre.availableTriples(),
      squares: pre.availableSquares(),
      masks: Array.from({ length: parties }, (_, j) => pre.availableMasks(j)),
    };
  };

  const run = async (op: NodeOp): Promise<ComputeOutcome | PreprocessOutcome> => {
    const m = mascot!;
    if (op.kind === 'preprocess') {
      const t0 = performance.now();
      if (op.triples > 0) await m.generateTriples(op.triples);
      for (const { owner, n } of op.masks) if (n > 0) await m.generateMasks(owner, n);
      return { opId: op.opId, party: mesh!.index, ms: Math.round(performance.now() - t0), inventory: inventory()! };
    }
    let columns: number[][] | undefined;
    let loadProblem: Error | undefined;
    if (op.owner === mesh!.index) {
      try {
        columns = await loadColumns(config.datasets, op.dataset.name, op.dataset.columns, { brokers: config.kafkaBrokers, credentialsFile: config.kafkaCredentialsFile });
      } catch (error) {
        // runCatalogueJob tells the other nodes that the owner cannot serve the dataset.
        loadProblem = error as Error;
        columns = [];
      }
    }
    // The precision as signed; checkCatalogueJob refuses one it does not know (PRECISION_UNKNOWN).
    const job = { program: op.program, owner: op.owner, recipients: op.recipients, columns: op.dataset.columns.length, fractionalBits: op.fractionalBits, precision: op.precision as Precision | undefined };
    try {
      const r = await runCatalogueJob(transport!, m, job, columns);
      return { opId: op.opId, party: mesh!.index, rows: r.rows, ...(r.result ? { result: r.result } : {}), made: r.made, onlineMs: Math.round(r.onlineMs), inventory: inventory()! };
    } catch (error) {
      throw loadProblem ?? error;
    }
  };

  const [key, cert, controlCa] = await Promise.all([readFile(config.tls.keyFile, 'utf8'), readFile(config.tls.certFile, 'utf8'), readFile(config.control.caFile, 'utf8')]);
  // With its member's ledger (MPC_NODE_LEDGER_URL, mesh-file mode): a compute op only if that ledger allows it.
  let meshFile: MpcMeshFile | undefined;
  const ledger = config.ledgerUrl ? new LedgerBridgeClient(config.ledgerUrl, { keyPem: key, certificatePem: cert }) : undefined;
  const op = opQueue({
    notReady: () => (mascot ? undefined : waiting),
    broken: () => dead,
    ...(ledger ? { admit: ledgerGate(() => meshFile!, ledger, log, { requests: new RequestMemory('file' in config.mesh ? requestsTakenFile(config.mesh.file) : undefined) }), deliver: (o, out) => deliverOutcome(o, out, meshFile!, ledger, log), usage: ownerUsage(() => meshFile, ledger, log) } : {}),
    // Every op starts with the agreement round, a listed mesh's (no ledger: always takes part) too, so a mixed mesh stays in step.
    agree: (opId, own) => agreeOnOp(transport!, opId, own, config.agreementTimeoutMs),
    run,
    onMeshBroken: (e) => {
      dead = e;
      fail(e);
    },
    log,
  });
  const pinned: Buffer[] = [];
  const controlTls = {
    identity: { key, cert, ca: controlCa },
    refusedNames: 'names' in config.mesh ? config.mesh.names : [],
    refusedCertificates: () => pinned,
    ...(config.control.clientNames ? { clientNames: config.control.clientNames } : {}),
  };
  const server: Server = await startControlServer(config.control.host, config.control.port, controlTls, { inventory, notReady: () => waiting, op });
  log('control listening', { host: config.control.host, port: config.control.port, tls: 'mutual' });
  let heartbeats: HeartbeatLoop | undefined;
  if (config.heartbeat) {
    const { keyFile, intervalMs, ...target } = config.heartbeat;
    heartbeats = await startHeartbeats(
      { ...target, intervalMs, brokers: config.kafkaBrokers, ...(config.kafkaCredentialsFile ? { credentialsFile: config.kafkaCredentialsFile } : {}) },
      {
        privateKey: await readFile(keyFile, 'utf8'),
        clientId: `mpc-node-${target.workloadId}`,
        metrics: () => {
          const inv = inventory();
          return { uptimeSeconds: Math.floor(process.uptime()), ready: inv ? 1 : 0, triples: inv?.triples ?? 0 };
        },
        log,
      },
    );
  }
  void (async () => {
    try {
      const source = config.mesh;
      if ('file' in source) {
        log('waiting for the mesh file', { file: source.file });
        const file = await waitForMeshFile(source.file, { signal: stopWaiting.signal, onProblem: (problem) => log('mesh file not usable yet', { file: source.file, problem }) });
        checkOwnParty(source.file, file, cert);
        pinned.push(...file.parties.map((p) => new X509Certificate(p.certificatePem).raw));
        meshFile = file;
        mesh = fileMesh(file);
        log('mesh file read', { party: file.index, parties: file.parties.length, names: file.parties.map((p) => p.name), ...(ledger ? { ledgerCheck: true, owners: file.parties.every((p) => p.owner !== undefined) } : {}) });
      } else {
        mesh = await listedMesh(source);
      }
      waiting = 'the node is still connecting to the other nodes';
      transport = await connectMesh(config, mesh, log);
      log('mesh connected', { parties: mesh.endpoints.length });
      const t0 = performance.now();
      mascot = await setupMascot(transport, mascotOptionsOf(config));
      log('preprocessing set up', { ms: Math.round(performance.now() - t0), kernelWorkers: config.kernelWorkers ?? 'cores', otExtension: config.otExtension });
      if (config.coordinator && meshFile) {
        const { url, daoId, version, controlUrl } = config.coordinator;
        const registration = { daoId, version, partyIndex: meshFile.index, controlUrl, certificatePem: new X509Certificate(cert).toString() };
        void registerAtCoordinator(new CoordinatorClient(url, { keyPem: key, certificatePem: cert }), registration, log, { signal: stopWaiting.signal });
      }
    } catch (error) {
      if (stopWaiting.signal.aborted) return;
      dead = error as Error;
      log('mesh failed', { ...(error instanceof MeshIdentityError ? { code: error.code } : {}), error: String(error) });
      fail(dead);
    }
  })();
  return {
    broken,
    async close() {
      stopWaiting.abort();
      await heartbeats?.stop();
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await transport?.close();
    },
  };
}
