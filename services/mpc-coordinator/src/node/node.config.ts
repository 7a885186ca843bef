import { ConfigError, type ConfigIssue } from '@datawell/config';

/**
 * An MPC node's configuration, validated once at boot from the environment (CONVENTIONS.md §8).
 *   MPC_NODE_INDEX          this node's party index
 *   MPC_NODE_NAMES          certificate CN of every party, comma-separated, in party order
 *   MPC_NODE_ENDPOINTS      host:port of every party, comma-separated (this node listens on its own)
 *   MPC_NODE_TLS_KEY_FILE, MPC_NODE_TLS_CERT_FILE, MPC_NODE_TLS_CA_FILE   PEM files
 *   MPC_NODE_JOB            the job as JSON: {"program":"demo-statistics","rows":…,"seed":…,
 *                           "owner":…,"recipient":…,"fractionalBits":…}
 *   MPC_NODE_LISTEN_HOST    interface to listen on (default 127.0.0.1)
 */
export interface MpcNodeConfig {
  readonly index: number;
  readonly names: readonly string[];
  readonly endpoints: ReadonlyArray<{ host: string; port: number }>;
  readonly listenHost: string;
  readonly tls: { keyFile: string; certFile: string; caFile: string };
  readonly job: MpcNodeJob;
}

export interface MpcNodeJob {
  readonly program: 'demo-statistics';
  readonly rows: number;
  readonly seed: number;
  readonly owner: number;
  readonly recipient: number;
  readonly fractionalBits: number;
}

const SERVICE = 'mpc-node';

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

export function loadMpcNodeConfig(env: Readonly<Record<string, string | undefined>>): MpcNodeConfig {
  const issues: ConfigIssue[] = [];
  const need = (name: string): string => {
    const v = env[name]?.trim();
    if (!v) issues.push({ variable: name, problem: 'is required' });
    return v ?? '';
  };
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
      const m = /^([^:\s]+):(\d{1,5})$/.exec(e.trim());
      const port = m ? Number(m[2]) : NaN;
      if (!m || port < 1 || port > 65535) {
        issues.push({ variable: 'MPC_NODE_ENDPOINTS', problem: `entry ${i} '${e}' is not host:port` });
        return { host: '', port: 0 };
      }
      return { host: m[1]!, port };
    });
  if (parties && endpoints.length !== parties) {
    issues.push({ variable: 'MPC_NODE_ENDPOINTS', problem: `needs ${parties} entries, one per name` });
  }
  if (parties > 0 && parties < 2) issues.push({ variable: 'MPC_NODE_NAMES', problem: 'needs at least two parties' });
  const tls = { keyFile: need('MPC_NODE_TLS_KEY_FILE'), certFile: need('MPC_NODE_TLS_CERT_FILE'), caFile: need('MPC_NODE_TLS_CA_FILE') };
  let job: MpcNodeJob | undefined;
  const jobText = need('MPC_NODE_JOB');
  if (jobText) {
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
  if (issues.length > 0 || !job) throw new ConfigError(SERVICE, issues);
  return { index, names, endpoints, listenHost: env['MPC_NODE_LISTEN_HOST']?.trim() || '127.0.0.1', tls, job };
}
