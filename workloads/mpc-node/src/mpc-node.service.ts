import { readFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import type { MpcNodeSettings } from '@datawell/contracts';
import {
  MpcError,
  nodeOpSchema,
  runCatalogueJob,
  runDemoNode,
  setupMascot,
  type ComputeOutcome,
  type DemoNodeResult,
  type MascotOfflinePhase,
  type NodeInventory,
  type NodeOp,
  type PreprocessOutcome,
  type TlsIdentity,
  type Transport,
} from '@datawell/mpc';
import { startHeartbeats, type HeartbeatLoop } from '@datawell/workload-runtime';
import { ControlError, startControlServer } from './control.server';
import { DatasetError, loadColumns } from './dataset.adapter';
import { listenTlsNode } from './tls.adapter';
import { mascotOptionsOf, type MpcNodeConfig } from './node.config';

export type NodeLog = (message: string, extra?: Record<string, unknown>) => void;

async function readIdentity(config: MpcNodeSettings): Promise<TlsIdentity> {
  const [key, cert, ca] = await Promise.all([
    readFile(config.tls.keyFile, 'utf8'),
    readFile(config.tls.certFile, 'utf8'),
    readFile(config.tls.caFile, 'utf8'),
  ]);
  return { key, cert, ca };
}

async function connectMesh(config: MpcNodeSettings): Promise<Transport> {
  const { key, cert, ca } = await readIdentity(config);
  const node = await listenTlsNode({
    self: config.index,
    parties: config.names.length,
    identity: { key, cert, ca },
    peerNames: config.names,
    host: config.listenHost,
    port: config.endpoints[config.index]!.port,
    connectTimeoutMs: 120_000,
  });
  return node.connect(config.endpoints);
}

/**
 * One DAO member's MPC node, one-shot (the demo): mutual TLS to every other node, its own MASCOT
 * preprocessing (its shares, MAC-key share and triples never leave this process), then the job.
 * Results exist only at the job's recipient.
 */
export async function runMpcNode(config: MpcNodeConfig): Promise<DemoNodeResult> {
  if (!config.job) throw new Error('no job configured');
  const transport = await connectMesh(config);
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
 * operations in order. The owner's node reads its dataset itself; only shares leave it.
 */
export async function serveMpcNode(config: MpcNodeConfig, log: NodeLog): Promise<ServingNode> {
  if (!config.control) throw new Error('no control port configured');
  let mascot: MascotOfflinePhase | undefined;
  let transport: Transport | undefined;
  let fail: (e: Error) => void = () => undefined;
  const broken = new Promise<Error>((resolve) => (fail = resolve));
  let dead: Error | undefined;
  const parties = config.names.length;

  const inventory = (): NodeInventory | undefined => {
    if (!mascot) return undefined;
    const pre = mascot.preprocessing;
    return {
      party: config.index,
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
      return { opId: op.opId, party: config.index, ms: Math.round(performance.now() - t0), inventory: inventory()! };
    }
    let columns: number[][] | undefined;
    let loadProblem: Error | undefined;
    if (op.owner === config.index) {
      try {
        columns = await loadColumns(config.datasets, op.dataset.name, op.dataset.columns, { brokers: config.kafkaBrokers, credentialsFile: config.kafkaCredentialsFile });
      } catch (error) {
        // runCatalogueJob tells the other nodes that the owner cannot serve the dataset.
        loadProblem = error as Error;
        columns = [];
      }
    }
    const job = { program: op.program, owner: op.owner, recipients: op.recipients, columns: op.dataset.columns.length, fractionalBits: op.fractionalBits };
    try {
      const r = await runCatalogueJob(transport!, m, job, columns);
      return { opId: op.opId, party: config.index, rows: r.rows, ...(r.result ? { result: r.result } : {}), made: r.made, onlineMs: Math.round(r.onlineMs), inventory: inventory()! };
    } catch (error) {
      throw loadProblem ?? error;
    }
  };

  // Operations run one at a time, in arrival order; a retried op id gets the first answer.
  let chain: Promise<unknown> = Promise.resolve();
  const answers = new Map<string, Promise<unknown>>();
  const op = (body: unknown): Promise<unknown> => {
    const parsed = nodeOpSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return Promise.reject(new ControlError(400, 'INVALID_REQUEST', `${issue.path.join('.') || 'body'}: ${issue.message}`));
    }
    const o = parsed.data;
    const known = answers.get(o.opId);
    if (known) return known;
    if (dead) return Promise.reject(new ControlError(503, 'NODE_BROKEN', `the node's mesh broke: ${dead.message}`));
    if (!mascot) return Promise.reject(new ControlError(503, 'NODE_NOT_READY', 'the node is still connecting to the other nodes'));
    const answer = chain.then(async () => {
      log('operation started', { opId: o.opId, kind: o.kind });
      try {
        const out = await run(o);
        log('operation done', { opId: o.opId, kind: o.kind, ...('rows' in out ? { rows: out.rows, made: out.made } : { ms: out.ms }) });
        return out;
      } catch (error) {
        const e = error as Error & { code?: string };
        log('operation failed', { opId: o.opId, kind: o.kind, code: e.code ?? 'INTERNAL', error: e.message });
        if (error instanceof DatasetError) throw new ControlError(422, error.code, error.message);
        if (error instanceof MpcError && error.code === 'INVALID_ARGUMENT') throw new ControlError(422, error.code, error.message);
        // An abort closed the channels: this mesh cannot run anything more.
        dead = e;
        fail(e);
        throw new ControlError(500, e.code ?? 'INTERNAL', e.message);
      }
    });
    answers.set(o.opId, answer);
    if (answers.size > 1000) answers.delete(answers.keys().next().value!);
    chain = answer.catch(() => undefined);
    return answer;
  };

  const controlTls = { identity: await readIdentity(config), refusedNames: config.names, ...(config.control.clientNames ? { clientNames: config.control.clientNames } : {}) };
  const server: Server = await startControlServer(config.control.host, config.control.port, controlTls, { inventory, op });
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
      transport = await connectMesh(config);
      log('mesh connected', { parties });
      const t0 = performance.now();
      mascot = await setupMascot(transport, mascotOptionsOf(config));
      log('preprocessing set up', { ms: Math.round(performance.now() - t0), kernelWorkers: config.kernelWorkers ?? 'cores', otExtension: config.otExtension });
    } catch (error) {
      dead = error as Error;
      log('mesh failed', { error: String(error) });
      fail(dead);
    }
  })();
  return {
    broken,
    async close() {
      await heartbeats?.stop();
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await transport?.close();
    },
  };
}
