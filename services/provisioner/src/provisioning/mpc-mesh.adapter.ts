import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { freePort } from '@datawell/workload-runtime';
import { join } from 'node:path';
import { issueMpcCertificate } from '@datawell/mpc';
import type { IntegerJson } from '@datawell/domain';
import type { MpcMeshMember, RenderedWorkload } from './tofu-config';

/** The kind of workload that runs Datawell's SPDZ node when the provisioner has the mesh CA. */
export const MPC_NODE_KIND = 'mpc-node';

export interface MeshOptions {
  /** The operator's mesh CA, PEM files. */
  readonly ca: { readonly certFile: string; readonly keyFile: string };
  readonly controlClientNames: readonly string[];
}

/** The ports a node keeps for its life (kept in its folder: a re-render reuses them). */
interface NodePorts {
  readonly mesh: number;
  readonly control: number;
}

const FILES = { ports: 'mpc-ports.json', cert: 'mpc-node.crt', key: 'mpc-node.key', ca: 'mpc-ca.crt' } as const;

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
 * The MPC mesh of a DAO version: its managed `mpc-node` workloads, in the order of the spec, when there
 * are at least two (a mesh of one computes nothing; a lone node stays a placeholder). Each gets a
 * mesh port and a control port on loopback and a certificate from the operator's CA naming its
 * party; all of it is kept in its folder, so a re-apply or a restart reuses it.
 */
export async function planMesh(workloads: readonly RenderedWorkload[], options: MeshOptions): Promise<Map<string, MpcMeshMember>> {
  const nodes = workloads.filter((w) => w.config.kind === MPC_NODE_KIND);
  const mesh = new Map<string, MpcMeshMember>();
  if (nodes.length < 2) return mesh;
  const ca = { cert: readFileSync(options.ca.certFile, 'utf8'), key: readFileSync(options.ca.keyFile, 'utf8') };
  const names = nodes.map((w) => meshName(w.config.workloadId));
  const ports: NodePorts[] = [];
  for (const [i, w] of nodes.entries()) {
    mkdirSync(w.dir, { recursive: true, mode: 0o700 });
    ports.push(await portsOf(w.dir));
    await certificateOf(w.dir, names[i]!, ca);
  }
  nodes.forEach((w, i) => {
    const datasets = (w.config.parameters as Record<string, IntegerJson>)['datasets'];
    mesh.set(w.config.workloadId, {
      partyIndex: i,
      names,
      endpoints: ports.map((p) => `127.0.0.1:${p.mesh}`),
      controlPort: ports[i]!.control,
      controlClientNames: options.controlClientNames,
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
