import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '@datawell/workload-runtime';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { issueMpcCertificate } from '@datawell/mpc';
import { generateReadingsKeyPair, readingsPublicKeyPem } from '@datawell/iot';
import type { IntegerJson } from '@datawell/domain';
import { parseMpcMeshFile, renderMpcMeshFile, type MpcMeshFile, type MpcMeshServes, type ProvisionedMpcNode } from '@datawell/contracts';
import type { MemberMeshOptions } from './node-identity';
import { activeWorkloads, workloadId, type DesiredVersion } from './spec';
import type { MpcMeshMember, RenderedWorkload } from './tofu-config';

import { MPC_NODE_KIND } from './shared-nodes';

export { MPC_NODE_KIND } from './shared-nodes';

export interface MeshOptions {
  /** The operator's mesh CA, PEM files. */
  readonly ca: { readonly certFile: string; readonly keyFile: string };
  readonly controlClientNames: readonly string[];
  /** The OT extension every node of a mesh is given (MPC_NODE_OT_EXTENSION); unset: the nodes' default. */
  readonly otExtension?: string;
}

/** The ports a node keeps for its life (kept in its folder: a re-render reuses them). */
interface NodePorts {
  readonly mesh: number;
  readonly control: number;
}

const FILES = { ports: 'mpc-ports.json', cert: 'mpc-node.crt', key: 'mpc-node.key', ca: 'mpc-ca.crt', readingsKey: 'readings.key', readingsPublicKey: 'readings.pub' } as const;

/** A certificate CN for a workload (CNs are at most 64 characters). */
export function meshName(workloadId: string): string {
  return workloadId.length <= 64 ? workloadId : `mpc-${createHash('sha256').update(workloadId).digest('hex').slice(0, 48)}`;
}

async function portsOf(dir: string): Promise<NodePorts> {
  const file = join(dir, FILES.ports);
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<NodePorts>;
    if (Number.isInteger(kept.mesh) && Number.isInteger(kept.control)) return kept as NodePorts;
  }
  const ports = { mesh: await freePort(), control: await freePort() };
  writeFileSync(file, `${JSON.stringify(ports)}\n`);
  return ports;
}

/** Issues the node's certificate unless it holds a valid one of this CA for this name. */
async function certificateOf(dir: string, name: string, ca: { cert: string; key: string }): Promise<void> {
  const certFile = join(dir, FILES.cert);
  if (existsSync(certFile) && existsSync(join(dir, FILES.key)) && existsSync(join(dir, FILES.ca)) && readFileSync(join(dir, FILES.ca), 'utf8') === ca.cert) {
    const cert = new X509Certificate(readFileSync(certFile));
    const daysLeft = (new Date(cert.validTo).getTime() - Date.now()) / 86_400_000;
    if (cert.subject === `CN=${name}` && daysLeft > 30) return;
  }
  const identity = await issueMpcCertificate(ca, name);
  writeFileSync(join(dir, FILES.key), identity.key, { mode: 0o600 });
  writeFileSync(certFile, identity.cert);
  writeFileSync(join(dir, FILES.ca), identity.ca);
}

/**
 * The node's X25519 key pair for sealed IoT readings (libs/iot): its own key, used for nothing else (not
 * the TLS or heartbeat key). Made once and kept, so producers' copies of the public key stay valid; the
 * private key is mode 0600, the public key a file producers may be given (and in the infrastructure view).
 */
function readingsKeyOf(dir: string): string {
  const keyFile = join(dir, FILES.readingsKey);
  let publicKeyPem: string | undefined;
  if (existsSync(keyFile)) {
    try {
      publicKeyPem = readingsPublicKeyPem(readFileSync(keyFile, 'utf8'));
    } catch {
      publicKeyPem = undefined;
    }
  }
  if (publicKeyPem === undefined) {
    const pair = generateReadingsKeyPair();
    writeFileSync(keyFile, pair.privateKeyPem, { mode: 0o600 });
    publicKeyPem = pair.publicKeyPem;
  }
  chmodSync(keyFile, 0o600);
  const publicFile = join(dir, FILES.readingsPublicKey);
  if (!existsSync(publicFile) || readFileSync(publicFile, 'utf8') !== publicKeyPem) writeFileSync(publicFile, publicKeyPem, { mode: 0o644 });
  return keyFile;
}

/** A node's readings public key (PEM), when the provisioner made it one. */
export function readingsPublicKeyOf(dir: string): string | null {
  const file = join(dir, FILES.readingsPublicKey);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

/**
 * The node's datasets as it reads them: every Kafka topic dataset carries sealed readings, opened
 * with the node's readings key for the workload's owner (what a spec says of `sealed` is replaced).
 */
function sealedDatasets(datasets: IntegerJson | undefined, keyFile: string, owner: string): IntegerJson | undefined {
  if (datasets === null || typeof datasets !== 'object' || Array.isArray(datasets)) return datasets;
  return Object.fromEntries(
    Object.entries(datasets).map(([name, source]) => {
      if (source === null || typeof source !== 'object' || Array.isArray(source) || typeof source['topic'] !== 'string') return [name, source];
      return [name, { topic: source['topic'], sealed: { keyFile, owner } }];
    }),
  );
}

/**
 * The MPC mesh of a DAO version: its managed `mpc-node` workloads, in the order of the spec, when there
 * are at least two (a mesh of one computes nothing; a lone node stays a placeholder). Each gets a
 * mesh port and a control port on loopback and a certificate from the operator's CA naming its
 * party, and an X25519 key pair for the IoT readings sealed to it (every node: any member may own a
 * Kafka dataset); all of it is kept in its folder, so a re-apply or a restart reuses it.
 */
export async function planMesh(workloads: readonly RenderedWorkload[], options: MeshOptions): Promise<Map<string, MpcMeshMember>> {
  const nodes = workloads.filter((w) => w.config.kind === MPC_NODE_KIND);
  const mesh = new Map<string, MpcMeshMember>();
  if (nodes.length < 2) return mesh;
  const ca = { cert: readFileSync(options.ca.certFile, 'utf8'), key: readFileSync(options.ca.keyFile, 'utf8') };
  const names = nodes.map((w) => meshName(w.config.workloadId));
  const ports: NodePorts[] = [];
  const readingsKeys: string[] = [];
  for (const [i, w] of nodes.entries()) {
    mkdirSync(w.dir, { recursive: true, mode: 0o700 });
    ports.push(await portsOf(w.dir));
    await certificateOf(w.dir, names[i]!, ca);
    readingsKeys.push(readingsKeyOf(w.dir));
  }
  nodes.forEach((w, i) => {
    const datasets = sealedDatasets((w.config.parameters as Record<string, IntegerJson>)['datasets'], readingsKeys[i]!, w.config.owner);
    mesh.set(w.config.workloadId, {
      partyIndex: i,
      names,
      endpoints: ports.map((p) => `127.0.0.1:${p.mesh}`),
      controlPort: ports[i]!.control,
      controlClientNames: options.controlClientNames,
      // Every node of the mesh runs on this machine: they share its cores rather than each taking all.
      kernelWorkers: Math.floor(availableParallelism() / nodes.length),
      ...(options.otExtension !== undefined ? { otExtension: options.otExtension } : {}),
      tls: { certFile: join(w.dir, FILES.cert), keyFile: join(w.dir, FILES.key), caFile: join(w.dir, FILES.ca) },
      ...(datasets !== undefined ? { datasets } : {}),
    });
  });
  return mesh;
}

/** The coordinator's view of the mesh, reported on the ledger with the infrastructure. */
export function meshResources(mesh: ReadonlyMap<string, MpcMeshMember>, owners: ReadonlyMap<string, string>): Array<{ workloadId: string; owner: string; partyIndex: number; controlUrl: string }> {
  return [...mesh.entries()]
    .map(([workloadId, node]) => ({ workloadId, owner: owners.get(workloadId) ?? '', partyIndex: node.partyIndex, controlUrl: `https://127.0.0.1:${node.controlPort}` }))
    .sort((a, b) => a.partyIndex - b.partyIndex);
}

/** Member mode: the file in a node's folder that the node waits for, written from the ledger. */
export const MESH_FILE = 'mesh.json';

/** A member's node as its part reports it on the channel: what the others need to reach and pin it. */
export type MemberMeshNode = Required<Pick<ProvisionedMpcNode, 'workloadId' | 'owner' | 'partyIndex' | 'controlUrl' | 'meshEndpoint' | 'certificatePem' | 'caCertificatePem'>>;

export interface MemberMeshPlan {
  readonly mesh: Map<string, MpcMeshMember>;
  /** This member's nodes, for its part's `resources.mpcNodes`. */
  readonly nodes: MemberMeshNode[];
}

/**
 * Member mode (trust domains, issue 12): this member's MPC nodes of a version, run in its own domain.
 * The mesh is every member's managed `mpc-node` workloads of the version (at least two), party indices
 * in the spec's order, so every member's provisioner gives each node the same index from the same
 * ledger event. Each own node gets its ports, a TLS identity from the member's own CA (`issuer`) and its
 * readings key, all kept in its folder; it starts before the others are known and waits for its mesh
 * file, which `meshFileOf` makes once the ledger has every member's part.
 */
export async function planMemberMesh(all: DesiredVersion, own: readonly RenderedWorkload[], options: MemberMeshOptions): Promise<MemberMeshPlan> {
  const order = activeWorkloads(all).filter((w) => w.kind === MPC_NODE_KIND).map((w) => w.name);
  const mine = own.filter((w) => w.config.kind === MPC_NODE_KIND);
  const mesh = new Map<string, MpcMeshMember>();
  const nodes: MemberMeshNode[] = [];
  if (order.length < 2) return { mesh, nodes };
  // Labels of the plan (logs, config digest): a node the member shares with earlier versions keeps its id; the node reads its parties from its mesh file.
  const ownIds = new Map(mine.map((w) => [w.config.name, w.config.workloadId]));
  const names = order.map((name) => meshName(ownIds.get(name) ?? workloadId(all.daoId, all.version, name)));
  const serves = { daoId: all.daoId, version: all.version, revision: all.revision };
  for (const w of mine) {
    const partyIndex = order.indexOf(w.config.name);
    if (partyIndex < 0) continue;
    mkdirSync(w.dir, { recursive: true, mode: 0o700 });
    const ports = await portsOf(w.dir);
    const identity = await options.issuer.issue(w.dir, meshName(w.config.workloadId));
    const readingsKey = readingsKeyOf(w.dir);
    dropStaleMeshFile(w.dir, serves);
    const datasets = sealedDatasets((w.config.parameters as Record<string, IntegerJson>)['datasets'], readingsKey, w.config.owner);
    mesh.set(w.config.workloadId, {
      partyIndex,
      names,
      meshFile: join(w.dir, MESH_FILE),
      controlCaFile: options.coordinatorCaFile,
      controlPort: ports.control,
      controlClientNames: options.controlClientNames,
      ...(options.otExtension !== undefined ? { otExtension: options.otExtension } : {}),
      // Where the node reads its ledger view before taking part in a computation: its member's own bridge.
      ...(options.ledgerUrl !== undefined ? { ledgerUrl: options.ledgerUrl } : {}),
      // Where the node registers itself, with its own identity, once its mesh is up; the coordinator reaches it at its control URL.
      ...(options.coordinatorUrl !== undefined ? { coordinatorUrl: options.coordinatorUrl, controlUrl: `https://127.0.0.1:${ports.control}` } : {}),
      tls: { certFile: identity.certFile, keyFile: identity.keyFile },
      ...(datasets !== undefined ? { datasets } : {}),
    });
    nodes.push({
      workloadId: w.config.workloadId,
      owner: w.config.owner,
      partyIndex,
      controlUrl: `https://127.0.0.1:${ports.control}`,
      meshEndpoint: `127.0.0.1:${ports.mesh}`,
      certificatePem: identity.certificatePem,
      caCertificatePem: identity.caCertificatePem,
    });
  }
  return { mesh, nodes };
}

/**
 * A mesh file of another version or revision than the one planned goes: a later version that takes the
 * node over (one node per member per DAO), or a revision that changes the version's nodes (a change of
 * infrastructure), restarts the node (its configuration changed), and the earlier mesh would have it
 * dial nodes that are gone or miss the new ones. The node waits for the planned mesh's file, written
 * when the ledger reports it. A file of the planned version and revision (a job run again) stays.
 */
function dropStaleMeshFile(dir: string, serves: MpcMeshServes): void {
  const file = join(dir, MESH_FILE);
  if (!existsSync(file)) return;
  let current: MpcMeshServes | undefined;
  try {
    current = parseMpcMeshFile(readFileSync(file, 'utf8')).serves;
  } catch {
    current = undefined;
  }
  if (current?.daoId !== serves.daoId || current.version !== serves.version || current.revision !== serves.revision) rmSync(file, { force: true });
}

/** Why a version's reported nodes do not make a mesh a member's node can join, or undefined. */
function meshProblem(nodes: readonly ProvisionedMpcNode[]): string | undefined {
  if (nodes.length < 2) return 'fewer than two nodes';
  const indices = nodes.map((n) => n.partyIndex).sort((a, b) => a - b);
  if (indices.some((p, i) => p !== i)) return `party indices ${indices.join(',')} are not 0..${nodes.length - 1}`;
  const incomplete = nodes.find((n) => !n.meshEndpoint || !n.certificatePem || !n.caCertificatePem);
  return incomplete ? `node ${incomplete.workloadId} of ${incomplete.owner} carries no mesh endpoint or certificates (not run in its member's domain)` : undefined;
}

/**
 * The mesh file of one of this member's nodes from the nodes the ledger reports for the version
 * (`InfrastructureProvisioned`'s `resources.mpcNodes`, every member's part): the parties in index order,
 * each with the endpoint and the certificates its own member reported, and the version (and revision)
 * whose report it is, the one the node then serves. Throws when they make no mesh.
 */
export function meshFileOf(nodes: readonly ProvisionedMpcNode[], workloadId: string, serves: MpcMeshServes): MpcMeshFile {
  const problem = meshProblem(nodes);
  if (problem) throw new Error(`the version's MPC nodes make no mesh: ${problem}`);
  const sorted = [...nodes].sort((a, b) => a.partyIndex - b.partyIndex);
  const self = sorted.find((n) => n.workloadId === workloadId);
  if (!self) throw new Error(`the version's MPC nodes do not include ${workloadId}`);
  return {
    index: self.partyIndex,
    // Each party's member as the ledger reports it: the node matches a computation's parties to the members its ledger names.
    parties: sorted.map((n) => ({ name: meshName(n.workloadId), endpoint: n.meshEndpoint!, certificatePem: n.certificatePem!, caCertificatePem: n.caCertificatePem!, owner: n.owner })),
    serves,
  };
}

/** Writes a node's mesh file atomically (the node polls for it); true when it changed. */
export function writeMeshFile(dir: string, mesh: MpcMeshFile): boolean {
  const file = join(dir, MESH_FILE);
  const text = renderMpcMeshFile(mesh);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
  return true;
}

/** What the infrastructure view shows of an MPC node the provisioner runs, read from its folder. */
export interface MpcNodeView {
  readonly controlUrl: string;
  readonly meshEndpoint: string;
  readonly certificatePem: string;
  readonly caCertificatePem: string;
  /** A node in its member's domain, from its mesh file once the ledger listed every member's node: its index and the number of parties (null before, and for a node of the operator's mesh). */
  readonly mesh: { readonly partyIndex: number; readonly parties: number } | null;
}

/** An MPC node's view from its folder (its ports and TLS identity, its mesh file); null for a workload that is no node. */
export function mpcNodeViewOf(dir: string): MpcNodeView | null {
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);
  const [ports, cert, ca] = [read(FILES.ports), read(FILES.cert), read(FILES.ca)];
  if (ports === undefined || cert === undefined || ca === undefined) return null;
  const kept = JSON.parse(ports) as NodePorts;
  const meshText = read(MESH_FILE);
  let mesh: MpcNodeView['mesh'] = null;
  if (meshText !== undefined) {
    try {
      const parsed = parseMpcMeshFile(meshText);
      mesh = { partyIndex: parsed.index, parties: parsed.parties.length };
    } catch {
      mesh = null;
    }
  }
  return { controlUrl: `https://127.0.0.1:${kept.control}`, meshEndpoint: `127.0.0.1:${kept.mesh}`, certificatePem: cert, caCertificatePem: ca, mesh };
}
