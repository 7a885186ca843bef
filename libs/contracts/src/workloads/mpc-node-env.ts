import { isAbsolute } from 'node:path';
import { TOPICS } from '../topics';
import { parseHostPort } from './mpc-mesh-file';
import type { MpcMeshMember } from './workload-config';

/** A variable of the environment and what is wrong with it. */
export interface EnvIssue {
  readonly variable: string;
  readonly problem: string;
}

/**
 * The MPC node program's environment contract (workloads/mpc-node): the one description of its
 * variables, read by the node at boot and written by whoever starts it (the provisioner's workload).
 * The mesh, one of two ways:
 *   listed (the operator's mesh CA):
 *   MPC_NODE_INDEX          this node's party index
 *   MPC_NODE_NAMES          certificate CN of every party, comma-separated, in party order
 *   MPC_NODE_ENDPOINTS      host:port of every party, comma-separated (this node listens on its own)
 *   MPC_NODE_TLS_CA_FILE    PEM: the mesh CA; a party is its certificate from this CA with its CN
 *   or from a file (nodes in their members' domains, serving mode only; none of the four above):
 *   MPC_NODE_MESH_FILE      absolute path of the mesh file (mpc-mesh-file.ts), which may appear later:
 *                           the parties, their endpoints, each one's pinned certificate and its CA
 *   MPC_NODE_TLS_KEY_FILE, MPC_NODE_TLS_CERT_FILE   PEM files: this node's key and certificate
 *   MPC_NODE_CONTROL_CA_FILE  PEM: the CA the control API's callers chain to (required with
 *                           MPC_NODE_MESH_FILE; otherwise default MPC_NODE_TLS_CA_FILE)
 *   MPC_NODE_LEDGER_URL     optional, with MPC_NODE_MESH_FILE only: http(s) URL of the member's own
 *                           ledger bridge; the node then takes part in a computation only if its own
 *                           ledger view allows it (docs/mpc.md), logging in with its TLS key and certificate;
 *                           a result of which its member is a recipient goes to that bridge, not to the coordinator
 *   MPC_NODE_COORDINATOR_URL  optional, with MPC_NODE_MESH_FILE only: http(s) URL of the operator's MPC
 *                           coordinator, without credentials, query or fragment; once its mesh is set up the node
 *                           registers itself there (PUT /daos/:daoId/versions/:version/nodes) as its member,
 *                           logging in with its TLS key and certificate. Needs MPC_NODE_DAO_ID and
 *                           MPC_NODE_DAO_VERSION (the heartbeat variables)
 *   MPC_NODE_CONTROL_URL    the https URL at which the coordinator reaches the control API (registered with
 *                           MPC_NODE_COORDINATOR_URL; default https://<MPC_NODE_CONTROL_HOST>:<MPC_NODE_CONTROL_PORT>)
 *   MPC_NODE_JOB            one-shot mode: the job as JSON {"program":"demo-statistics","rows":…,
 *                           "seed":…,"owner":…,"recipient":…,"fractionalBits":…}; without it the node
 *                           serves jobs from the coordinator on its control port
 *   MPC_NODE_LISTEN_HOST    interface to listen on (default 127.0.0.1)
 *   MPC_NODE_CONTROL_PORT   serving mode: the coordinator's HTTPS port (on MPC_NODE_CONTROL_HOST,
 *                           default 127.0.0.1), mutual TLS with the node's TLS files: callers need a
 *                           certificate from MPC_NODE_CONTROL_CA_FILE's CA that is not a party's
 *   MPC_NODE_CONTROL_CLIENT_NAMES  optional: the only certificate CNs that may call it, comma-separated
 *   MPC_NODE_AGREEMENT_TIMEOUT_MS  serving mode: how long the node waits for every other node's decision
 *                           on an op (the agreement round before it touches the mesh), 1000–600000,
 *                           default 60000; a decision that does not come in time breaks the mesh
 *   MPC_NODE_DATASETS       the datasets this node owns, JSON {"<name>":{"file":"/x.csv"}|{"topic":"t",
 *                           "sealed":{"keyFile":"/k.pem","owner":"DspMSP"}}} (topics carry sealed readings only)
 *   MPC_NODE_KAFKA_BROKERS  host:port,… (Kafka datasets and heartbeats)
 *   MPC_NODE_KAFKA_CREDENTIALS_FILE  the Kafka principal's credentials file (optional: a broker without SASL)
 *   MPC_NODE_KERNEL_WORKERS worker threads of the preprocessing kernels, 0–64 (0 or 1: none; default:
 *                           the machine's cores)
 *   MPC_NODE_OT_EXTENSION   read by the node program itself (workloads/mpc-node node.config.ts): the
 *                           OT extension of its preprocessing; written here from the mesh's `otExtension`
 *   Heartbeats, all or none: MPC_NODE_WORKLOAD_ID, MPC_NODE_WORKLOAD_KEY_FILE (PEM private key),
 *   MPC_NODE_DAO_ID, MPC_NODE_DAO_VERSION, MPC_NODE_OWNER (MSP id); MPC_NODE_HEARTBEAT_INTERVAL_MS
 *   (default 5000), MPC_NODE_TELEMETRY_TOPIC (default datawell.infra.telemetry.v1);
 *   MPC_NODE_TRAFFIC_KEY_FILE, the member domain's traffic key: needed when the telemetry topic is under
 *   the member's prefix (a member's topics carry only values sealed with its traffic key).
 */
export interface MpcNodeSettings {
  readonly mesh: MpcMeshSettings;
  readonly listenHost: string;
  readonly tls: { keyFile: string; certFile: string };
  /** One-shot mode (the demo), with a listed mesh only; absent in serving mode. */
  readonly job?: MpcNodeJob;
  /** Serving mode: the control API, whose callers chain to `caFile`. */
  readonly control?: { host: string; port: number; caFile: string; clientNames?: readonly string[] };
  readonly datasets: Readonly<Record<string, DatasetSource>>;
  readonly kafkaBrokers: readonly string[];
  readonly kafkaCredentialsFile?: string;
  readonly kernelWorkers?: number;
  /** How long the node waits for the other nodes' decisions on an op (MPC_NODE_AGREEMENT_TIMEOUT_MS, default 60 s). */
  readonly agreementTimeoutMs: number;
  readonly heartbeat?: HeartbeatSettings;
  /**
   * The member's own ledger bridge (MPC_NODE_LEDGER_URL, without a final "/"), mesh-file mode only:
   * every compute op is checked against the version as the member's own peer reads it.
   */
  readonly ledgerUrl?: string;
  /**
   * The operator's coordinator (MPC_NODE_COORDINATOR_URL, without a final "/"), mesh-file mode only:
   * the node registers itself for the version (`daoId`, `version`: the heartbeat's) at `controlUrl`.
   */
  readonly coordinator?: CoordinatorRegistration;
}

export interface CoordinatorRegistration {
  readonly url: string;
  /** The https URL of this node's control API as the coordinator reaches it. */
  readonly controlUrl: string;
  readonly daoId: string;
  readonly version: number;
}

/**
 * The mesh as the environment lists it (parties named by their certificates' CN from one CA, `caFile`),
 * or the mesh file the node waits for (parties pinned to their certificates).
 */
export type MpcMeshSettings = ListedMesh | { readonly file: string };

export interface ListedMesh {
  readonly index: number;
  readonly names: readonly string[];
  readonly endpoints: ReadonlyArray<{ host: string; port: number }>;
  readonly caFile: string;
}

/**
 * A dataset: a local file of the member's (plaintext, in its own domain), or a Kafka topic of readings
 * sealed to this node (libs/iot): `sealed` names the node's readings private key and the dataset's owner
 * (MSP id), which with the dataset's name and topic is the context a reading was sealed for. A topic
 * without `sealed` is refused when read: plain readings on Kafka are never accepted.
 */
export type DatasetSource = { readonly file: string } | { readonly topic: string; readonly sealed?: { readonly keyFile: string; readonly owner: string } };

export interface HeartbeatSettings {
  readonly workloadId: string;
  readonly keyFile: string;
  readonly daoId: string;
  readonly version: number;
  readonly owner: string;
  readonly intervalMs: number;
  readonly topic: string;
  /** The member domain's traffic key file (MPC_NODE_TRAFFIC_KEY_FILE), for a telemetry topic under the member's prefix. */
  readonly trafficKeyFile?: string;
}

export interface MpcNodeJob {
  readonly program: 'demo-statistics';
  readonly rows: number;
  readonly seed: number;
  readonly owner: number;
  readonly recipient: number;
  readonly fractionalBits: number;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

/**
 * Reads a node's settings from its environment: the settings, or every problem found (a variable and
 * what is wrong with it). The node program turns problems into its configuration error (exit 2).
 */
export function parseMpcNodeEnvironment(env: Readonly<Record<string, string | undefined>>): { readonly settings: MpcNodeSettings } | { readonly issues: readonly EnvIssue[] } {
  const issues: EnvIssue[] = [];
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) issues.push({ variable: name, problem: 'is required' });
    return v ?? '';
  };
  const jobText = env['MPC_NODE_JOB']?.trim();
  const meshFile = env['MPC_NODE_MESH_FILE']?.trim();
  let mesh: MpcMeshSettings;
  if (meshFile) {
    if (!isAbsolute(meshFile)) issues.push({ variable: 'MPC_NODE_MESH_FILE', problem: 'must be an absolute path' });
    for (const v of LISTED_MESH_VARIABLES) if (env[v]?.trim()) issues.push({ variable: v, problem: 'must not be set with MPC_NODE_MESH_FILE (the mesh file gives the mesh)' });
    if (jobText) issues.push({ variable: 'MPC_NODE_JOB', problem: 'must not be set with MPC_NODE_MESH_FILE (a node of a mesh file serves jobs)' });
    mesh = { file: meshFile };
  } else {
    mesh = parseListedMesh(need, issues);
  }
  const listed = 'file' in mesh ? undefined : mesh;
  const parties = listed?.names.length ?? 0;
  const tls = { keyFile: need('MPC_NODE_TLS_KEY_FILE'), certFile: need('MPC_NODE_TLS_CERT_FILE') };
  let job: MpcNodeJob | undefined;
  const controlText = env['MPC_NODE_CONTROL_PORT']?.trim();
  let control: MpcNodeSettings['control'];
  if (!jobText || !listed) {
    const port = Number(controlText);
    const caFile = env['MPC_NODE_CONTROL_CA_FILE']?.trim() || listed?.caFile;
    if (!caFile && !listed) issues.push({ variable: 'MPC_NODE_CONTROL_CA_FILE', problem: 'is required with MPC_NODE_MESH_FILE' });
    if (!controlText || !/^\d{1,5}$/.test(controlText) || port < 1 || port > 65535) {
      issues.push({ variable: 'MPC_NODE_CONTROL_PORT', problem: 'is required (a port) unless MPC_NODE_JOB is given' });
    } else {
      const clientNames = (env['MPC_NODE_CONTROL_CLIENT_NAMES'] ?? '').split(',').map((c) => c.trim()).filter(Boolean);
      if (clientNames.some((c) => listed?.names.includes(c))) issues.push({ variable: 'MPC_NODE_CONTROL_CLIENT_NAMES', problem: 'must not name a party of the mesh' });
      control = { host: env['MPC_NODE_CONTROL_HOST']?.trim() || '127.0.0.1', port, caFile: caFile ?? '', ...(clientNames.length > 0 ? { clientNames } : {}) };
    }
  }
  const datasets = parseDatasets(env['MPC_NODE_DATASETS'], issues);
  const kafkaBrokers = (env['MPC_NODE_KAFKA_BROKERS'] ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (kafkaBrokers.some((b) => !/^[^:\s]+:\d{1,5}$/.test(b))) issues.push({ variable: 'MPC_NODE_KAFKA_BROKERS', problem: 'must be host:port,…' });
  const ledgerUrl = parseServiceUrl('MPC_NODE_LEDGER_URL', env['MPC_NODE_LEDGER_URL'], listed !== undefined, issues);
  const coordinatorUrl = parseServiceUrl('MPC_NODE_COORDINATOR_URL', env['MPC_NODE_COORDINATOR_URL'], listed !== undefined, issues);
  const controlUrl = parseControlUrl(env['MPC_NODE_CONTROL_URL'], control, issues);
  if (coordinatorUrl) {
    for (const v of ['MPC_NODE_DAO_ID', 'MPC_NODE_DAO_VERSION'] as const) if (!env[v]?.trim()) issues.push({ variable: v, problem: 'is required with MPC_NODE_COORDINATOR_URL (the version the node registers for)' });
  }
  const heartbeat = parseHeartbeat(env, issues);
  if ((heartbeat || Object.values(datasets).some((d) => 'topic' in d)) && kafkaBrokers.length === 0) {
    issues.push({ variable: 'MPC_NODE_KAFKA_BROKERS', problem: 'is required for heartbeats and Kafka datasets' });
  }
  if (jobText && listed) {
    try {
      const j = JSON.parse(jobText) as Record<string, unknown>;
      const rows = int(j['rows']);
      const owner = int(j['owner']);
      const recipient = int(j['recipient']);
      const seed = int(j['seed']) ?? 7;
      const fractionalBits = int(j['fractionalBits']) ?? 16;
      if (j['program'] !== 'demo-statistics') throw new Error(`unknown program ${String(j['program'])}`);
      if (rows === undefined || rows < 3) throw new Error('rows must be an integer ≥ 3');
      if (owner === undefined || owner >= parties || recipient === undefined || recipient >= parties) {
        throw new Error('owner and recipient must be party indices');
      }
      if (fractionalBits < 0 || fractionalBits > 24) throw new Error('fractionalBits must be 0–24');
      job = { program: 'demo-statistics', rows, seed, owner, recipient, fractionalBits };
    } catch (err) {
      issues.push({ variable: 'MPC_NODE_JOB', problem: (err as Error).message });
    }
  }
  const workersText = env['MPC_NODE_KERNEL_WORKERS']?.trim();
  const kernelWorkers = workersText ? Number(workersText) : undefined;
  if (kernelWorkers !== undefined && (!/^\d+$/.test(workersText!) || kernelWorkers > 64)) {
    issues.push({ variable: 'MPC_NODE_KERNEL_WORKERS', problem: 'must be an integer 0–64' });
  }
  const agreementText = env['MPC_NODE_AGREEMENT_TIMEOUT_MS']?.trim();
  const agreementTimeoutMs = agreementText ? Number(agreementText) : DEFAULT_AGREEMENT_TIMEOUT_MS;
  if (agreementText && (!/^\d+$/.test(agreementText) || agreementTimeoutMs < 1000 || agreementTimeoutMs > 600_000)) {
    issues.push({ variable: 'MPC_NODE_AGREEMENT_TIMEOUT_MS', problem: 'must be an integer 1000–600000 (milliseconds)' });
  }
  if (issues.length > 0 || (!job && !control)) return { issues };
  const settings: MpcNodeSettings = {
    mesh,
    listenHost: env['MPC_NODE_LISTEN_HOST']?.trim() || '127.0.0.1',
    tls,
    ...(job ? { job } : {}),
    ...(control ? { control } : {}),
    datasets,
    kafkaBrokers,
    ...(env['MPC_NODE_KAFKA_CREDENTIALS_FILE']?.trim() ? { kafkaCredentialsFile: env['MPC_NODE_KAFKA_CREDENTIALS_FILE'].trim() } : {}),
    ...(kernelWorkers !== undefined ? { kernelWorkers } : {}),
    agreementTimeoutMs,
    ...(heartbeat ? { heartbeat } : {}),
    ...(ledgerUrl ? { ledgerUrl } : {}),
    ...(coordinatorUrl && heartbeat && controlUrl ? { coordinator: { url: coordinatorUrl, controlUrl, daoId: heartbeat.daoId, version: heartbeat.version } } : {}),
  };
  return { settings };
}

/**
 * Above the worst a node's own decision takes (its ledger check: up to three bridge requests of 10 s
 * each, and one login again), which the other nodes wait through.
 */
const DEFAULT_AGREEMENT_TIMEOUT_MS = 60_000;

const LISTED_MESH_VARIABLES = ['MPC_NODE_INDEX', 'MPC_NODE_NAMES', 'MPC_NODE_ENDPOINTS', 'MPC_NODE_TLS_CA_FILE'] as const;

function parseListedMesh(need: (name: string) => string, issues: EnvIssue[]): ListedMesh {
  const names = need('MPC_NODE_NAMES').split(',').map((s) => s.trim()).filter(Boolean);
  const parties = names.length;
  const indexText = need('MPC_NODE_INDEX');
  const index = Number(indexText);
  if (indexText && (!/^\d+$/.test(indexText) || index >= parties)) {
    issues.push({ variable: 'MPC_NODE_INDEX', problem: `must be a party index below ${parties}` });
  }
  const endpoints = need('MPC_NODE_ENDPOINTS')
    .split(',')
    .filter(Boolean)
    .map((e, i) => {
      const ep = parseHostPort(e.trim());
      if (!ep) issues.push({ variable: 'MPC_NODE_ENDPOINTS', problem: `entry ${i} '${e}' is not host:port` });
      return ep ?? { host: '', port: 0 };
    });
  if (parties && endpoints.length !== parties) {
    issues.push({ variable: 'MPC_NODE_ENDPOINTS', problem: `needs ${parties} entries, one per name` });
  }
  if (parties > 0 && parties < 2) issues.push({ variable: 'MPC_NODE_NAMES', problem: 'needs at least two parties' });
  return { index, names, endpoints, caFile: need('MPC_NODE_TLS_CA_FILE') };
}

/**
 * A service of the node's (its member's ledger bridge, the operator's coordinator): an http(s) URL
 * without credentials, query or fragment. Only a mesh file names each party's member (its `owner`),
 * which the ledger check, the delivery of results and the registration need: refused with a listed mesh.
 */
function parseServiceUrl(variable: string, text: string | undefined, listed: boolean, issues: EnvIssue[]): string | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (listed) {
    issues.push({ variable, problem: "must not be set without MPC_NODE_MESH_FILE (only a mesh file names each party's member)" });
    return undefined;
  }
  const url = urlOf(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    issues.push({ variable, problem: 'must be an http(s) URL without credentials, query or fragment' });
    return undefined;
  }
  return url.href.replace(/\/+$/, '');
}

/** Where the coordinator reaches the control API: an https URL (the control API is TLS only), by default the control host and port. */
function parseControlUrl(text: string | undefined, control: MpcNodeSettings['control'], issues: EnvIssue[]): string | undefined {
  const value = text?.trim();
  if (!value) return control ? `https://${control.host.includes(':') ? `[${control.host}]` : control.host}:${control.port}` : undefined;
  const url = urlOf(value);
  if (!url || url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
    issues.push({ variable: 'MPC_NODE_CONTROL_URL', problem: 'must be an https URL without credentials, query or fragment' });
    return undefined;
  }
  return url.href.replace(/\/+$/, '');
}

function urlOf(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function parseDatasets(text: string | undefined, issues: EnvIssue[]): Record<string, DatasetSource> {
  if (!text?.trim()) return {};
  const out: Record<string, DatasetSource> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be a JSON object');
    for (const [name, source] of Object.entries(parsed as Record<string, unknown>)) {
      const s = source as Record<string, unknown> | null;
      if (!NAME.test(name)) throw new Error(`dataset name '${name}' must be letters, digits, '.', '_' or '-'`);
      if (s && typeof s['file'] === 'string' && s['file'] !== '') out[name] = { file: s['file'] };
      else if (s && typeof s['topic'] === 'string' && /^[A-Za-z0-9._-]{1,249}$/.test(s['topic'])) out[name] = { topic: s['topic'], ...sealedOf(name, s['sealed']) };
      else throw new Error(`dataset '${name}' needs {"file": path} or {"topic": name}`);
    }
  } catch (err) {
    issues.push({ variable: 'MPC_NODE_DATASETS', problem: (err as Error).message });
  }
  return out;
}

function sealedOf(name: string, sealed: unknown): { sealed?: { keyFile: string; owner: string } } {
  if (sealed === undefined) return {};
  const s = sealed as Record<string, unknown> | null;
  if (!s || typeof s['keyFile'] !== 'string' || s['keyFile'] === '' || typeof s['owner'] !== 'string' || !/^[A-Za-z][A-Za-z0-9]{0,40}MSP$/.test(s['owner'])) {
    throw new Error(`dataset '${name}': sealed needs {"keyFile": path, "owner": MSP id}`);
  }
  return { sealed: { keyFile: s['keyFile'], owner: s['owner'] } };
}

const HEARTBEAT_VARIABLES = ['MPC_NODE_WORKLOAD_ID', 'MPC_NODE_WORKLOAD_KEY_FILE', 'MPC_NODE_DAO_ID', 'MPC_NODE_DAO_VERSION', 'MPC_NODE_OWNER'] as const;

function parseHeartbeat(env: Readonly<Record<string, string | undefined>>, issues: EnvIssue[]): HeartbeatSettings | undefined {
  const given = HEARTBEAT_VARIABLES.filter((v) => env[v]?.trim());
  if (given.length === 0) return undefined;
  for (const v of HEARTBEAT_VARIABLES) if (!env[v]?.trim()) issues.push({ variable: v, problem: 'is required for heartbeats (all or none of the heartbeat variables)' });
  const version = Number(env['MPC_NODE_DAO_VERSION']);
  if (env['MPC_NODE_DAO_VERSION']?.trim() && (!Number.isInteger(version) || version < 1)) issues.push({ variable: 'MPC_NODE_DAO_VERSION', problem: 'must be a positive integer' });
  if (env['MPC_NODE_OWNER']?.trim() && !/^[A-Za-z][A-Za-z0-9]{0,40}MSP$/.test(env['MPC_NODE_OWNER'].trim())) issues.push({ variable: 'MPC_NODE_OWNER', problem: 'must be an MSP id' });
  const intervalText = env['MPC_NODE_HEARTBEAT_INTERVAL_MS']?.trim();
  const intervalMs = intervalText ? Number(intervalText) : 5000;
  if (!Number.isInteger(intervalMs) || intervalMs < 100) issues.push({ variable: 'MPC_NODE_HEARTBEAT_INTERVAL_MS', problem: 'must be an integer ≥ 100' });
  return {
    workloadId: env['MPC_NODE_WORKLOAD_ID']?.trim() ?? '',
    keyFile: env['MPC_NODE_WORKLOAD_KEY_FILE']?.trim() ?? '',
    daoId: env['MPC_NODE_DAO_ID']?.trim() ?? '',
    version,
    owner: env['MPC_NODE_OWNER']?.trim() ?? '',
    intervalMs,
    topic: env['MPC_NODE_TELEMETRY_TOPIC']?.trim() || TOPICS.telemetry,
    ...(env['MPC_NODE_TRAFFIC_KEY_FILE']?.trim() ? { trafficKeyFile: env['MPC_NODE_TRAFFIC_KEY_FILE'].trim() } : {}),
  };
}

/** The node's environment for a managed workload of a mesh (read back by parseMpcNodeEnvironment). */
export function mpcNodeEnvironment(config: {
  readonly workloadId: string;
  readonly daoId: string;
  readonly version: number;
  readonly owner: string;
  readonly keyFile: string;
  readonly kafkaBrokers: readonly string[];
  readonly kafkaCredentialsFile?: string;
  readonly telemetryTopic: string;
  readonly heartbeatIntervalSeconds: number;
  /** The member domain's traffic key file: its heartbeats go to a topic under its prefix, sealed with it. */
  readonly trafficKeyFile?: string;
  readonly mpc: MpcMeshMember;
}): Record<string, string> {
  const { mpc } = config;
  const mesh: Record<string, string> =
    mpc.meshFile !== undefined
      ? {
          MPC_NODE_MESH_FILE: mpc.meshFile,
          ...(mpc.ledgerUrl !== undefined ? { MPC_NODE_LEDGER_URL: mpc.ledgerUrl } : {}),
          ...(mpc.coordinatorUrl !== undefined ? { MPC_NODE_COORDINATOR_URL: mpc.coordinatorUrl } : {}),
          ...(mpc.controlUrl !== undefined ? { MPC_NODE_CONTROL_URL: mpc.controlUrl } : {}),
        }
      : { MPC_NODE_INDEX: String(mpc.partyIndex), MPC_NODE_NAMES: mpc.names.join(','), MPC_NODE_ENDPOINTS: mpc.endpoints.join(','), MPC_NODE_TLS_CA_FILE: mpc.tls.caFile };
  return {
    ...mesh,
    MPC_NODE_TLS_CERT_FILE: mpc.tls.certFile,
    MPC_NODE_TLS_KEY_FILE: mpc.tls.keyFile,
    ...(mpc.controlCaFile !== undefined ? { MPC_NODE_CONTROL_CA_FILE: mpc.controlCaFile } : {}),
    MPC_NODE_CONTROL_PORT: String(mpc.controlPort),
    MPC_NODE_CONTROL_CLIENT_NAMES: mpc.controlClientNames.join(','),
    ...(mpc.datasets !== undefined ? { MPC_NODE_DATASETS: JSON.stringify(mpc.datasets) } : {}),
    ...(mpc.kernelWorkers !== undefined ? { MPC_NODE_KERNEL_WORKERS: String(mpc.kernelWorkers) } : {}),
    ...(mpc.otExtension !== undefined ? { MPC_NODE_OT_EXTENSION: mpc.otExtension } : {}),
    MPC_NODE_KAFKA_BROKERS: config.kafkaBrokers.join(','),
    ...(config.kafkaCredentialsFile ? { MPC_NODE_KAFKA_CREDENTIALS_FILE: config.kafkaCredentialsFile } : {}),
    MPC_NODE_WORKLOAD_ID: config.workloadId,
    MPC_NODE_WORKLOAD_KEY_FILE: config.keyFile,
    MPC_NODE_DAO_ID: config.daoId,
    MPC_NODE_DAO_VERSION: String(config.version),
    MPC_NODE_OWNER: config.owner,
    MPC_NODE_HEARTBEAT_INTERVAL_MS: String(config.heartbeatIntervalSeconds * 1000),
    MPC_NODE_TELEMETRY_TOPIC: config.telemetryTopic,
    ...(config.trafficKeyFile ? { MPC_NODE_TRAFFIC_KEY_FILE: config.trafficKeyFile } : {}),
  };
}
