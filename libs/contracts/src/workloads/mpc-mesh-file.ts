import { X509Certificate } from 'node:crypto';
import { canonicalJson, MSP_ID_PATTERN } from '@datawell/domain';

/**
 * The mesh file of an MPC node in its member's trust domain (MPC_NODE_MESH_FILE, issue 12): the
 * parties of the mesh as the ledger names them, written by the member's provisioner once it knows them
 * and read by the node, which waits for it. Party `index` is the node itself. Each party is pinned to
 * its exact certificate, issued by its member's own CA (`caCertificatePem`): the CN of such a
 * certificate is an enrolment id and may be the same for several parties, so it names nobody.
 */
export interface MpcMeshParty {
  readonly name: string;
  /** host:port of the party's mesh listener. */
  readonly endpoint: string;
  readonly certificatePem: string;
  readonly caCertificatePem: string;
  /**
   * The member (MSP id) whose node the party is, as the ledger reports it. A node that checks its own
   * ledger (MPC_NODE_LEDGER_URL) maps a compute op's party indices to members through these, and
   * refuses every computation when a party has none.
   */
  readonly owner?: string;
}

export interface MpcMeshFile {
  readonly index: number;
  readonly parties: readonly MpcMeshParty[];
  /**
   * The DAO version whose mesh this is (the channel whose report listed the parties). A node's one
   * mesh serves its DAO's latest version it was given, shared by the versions before it; with it, a
   * node that checks its own ledger takes part only in computations of that version.
   */
  readonly serves?: MpcMeshServes;
}

export interface MpcMeshServes {
  readonly daoId: string;
  readonly version: number;
  /** The version's infrastructure revision whose report listed the parties. */
  readonly revision: number;
}

const ENDPOINT = /^([^:\s]+):(\d{1,5})$/;

/** A `host:port` (port 1–65535), or undefined. The one reading of a mesh endpoint (the file's and MPC_NODE_ENDPOINTS'). */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = ENDPOINT.exec(text);
  const port = m ? Number(m[2]) : NaN;
  return m && port >= 1 && port <= 65535 ? { host: m[1]!, port } : undefined;
}

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;

function certificate(value: unknown, where: string): string {
  // The message names the field, never the PEM: the file is logged about, its contents are not.
  if (typeof value !== 'string' || !PEM_CERTIFICATE.test(value.trim() + '\n')) throw new Error(`${where} must be one PEM certificate block`);
  try {
    new X509Certificate(value);
  } catch {
    throw new Error(`${where} is not a readable X.509 certificate`);
  }
  return value;
}

/** Reads a mesh file; throws an Error whose message says what is wrong (never echoing PEM bodies). */
export function parseMpcMeshFile(text: string): MpcMeshFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the mesh file is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the mesh file must be a JSON object');
  const o = parsed as Record<string, unknown>;
  const list = o['parties'];
  if (!Array.isArray(list) || list.length < 2) throw new Error('parties must be an array of at least two parties');
  const index = o['index'];
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= list.length) {
    throw new Error(`index must be an integer from 0 to ${list.length - 1} (this node's party)`);
  }
  const parties = list.map((p: unknown, i): MpcMeshParty => {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new Error(`parties[${i}] must be an object`);
    const party = p as Record<string, unknown>;
    const name = party['name'];
    if (typeof name !== 'string' || name.trim() === '') throw new Error(`parties[${i}].name must be a non-empty string`);
    const endpoint = party['endpoint'];
    if (typeof endpoint !== 'string' || !parseHostPort(endpoint)) throw new Error(`parties[${i}].endpoint must be host:port with a port from 1 to 65535`);
    const owner = party['owner'];
    if (owner !== undefined && (typeof owner !== 'string' || !MSP_ID_PATTERN.test(owner))) throw new Error(`parties[${i}].owner must be an MSP id (letters and digits ending in "MSP")`);
    return {
      name,
      endpoint,
      certificatePem: certificate(party['certificatePem'], `parties[${i}].certificatePem`),
      caCertificatePem: certificate(party['caCertificatePem'], `parties[${i}].caCertificatePem`),
      ...(owner !== undefined ? { owner } : {}),
    };
  });
  const serves = o['serves'];
  if (serves === undefined) return { index, parties };
  if (serves === null || typeof serves !== 'object' || Array.isArray(serves)) throw new Error('serves must be an object {daoId, version, revision}');
  const { daoId, version, revision } = serves as Record<string, unknown>;
  if (typeof daoId !== 'string' || daoId.trim() === '') throw new Error('serves.daoId must be a non-empty string');
  const positive = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
  if (!positive(version)) throw new Error('serves.version must be a positive integer');
  if (!positive(revision)) throw new Error('serves.revision must be a positive integer');
  return { index, parties, serves: { daoId, version: version as number, revision: revision as number } };
}

/** Canonical JSON (sorted keys) and a final newline: the same mesh is always the same bytes. */
export function renderMpcMeshFile(mesh: MpcMeshFile): string {
  return `${canonicalJson({
    index: mesh.index,
    parties: mesh.parties.map((p) => ({ name: p.name, endpoint: p.endpoint, certificatePem: p.certificatePem, caCertificatePem: p.caCertificatePem, ...(p.owner !== undefined ? { owner: p.owner } : {}) })),
    ...(mesh.serves !== undefined ? { serves: { daoId: mesh.serves.daoId, version: mesh.serves.version, revision: mesh.serves.revision } } : {}),
  })}\n`;
}
