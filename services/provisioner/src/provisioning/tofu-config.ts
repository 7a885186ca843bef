import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { canonicalJson, type IntegerJson } from '@datawell/domain';
import { activeWorkloads, workloadId, workspaceName, type DesiredVersion } from './spec';

/** Where and how workloads of this provisioner run: fixed per process, not per DAO. */
export interface RenderContext {
  /** Root of the workload folders (`<workRoot>/<workloadId>/`). */
  readonly workloadsRoot: string;
  /** Repository root: the working directory of the launcher (where `@swc-node/register` resolves). */
  readonly repoDir: string;
  /** The Node binary that runs launcher, supervisor and workload. */
  readonly nodeBinary: string;
  readonly kafkaBrokers: readonly string[];
  readonly telemetryTopic: string;
  /** PostgreSQL schema of the `pg` backend. */
  readonly backendSchema: string;
}

/** What a workload process reads from `workload.json` in its own folder. */
export interface WorkloadConfig {
  readonly workloadId: string;
  readonly daoId: string;
  readonly version: number;
  readonly name: string;
  readonly owner: string;
  readonly kind: string;
  readonly parameters: Readonly<Record<string, IntegerJson>>;
  /** Set for an MPC node of a mesh: how to run the SPDZ node (otherwise the heartbeating placeholder runs). */
  readonly mpc?: MpcNodeConfig;
  readonly heartbeatIntervalSeconds: number;
  readonly kafkaBrokers: readonly string[];
  readonly telemetryTopic: string;
  /** The workload's private key (PKCS#8 PEM, mode 0600), in its folder. */
  readonly keyFile: string;
}

/** One node of a version's MPC mesh (`services/mpc-coordinator/src/node/main.ts` reads it as MPC_NODE_*). */
export interface MpcNodeConfig {
  /** The node program. */
  readonly entry: string;
  readonly partyIndex: number;
  /** Every party's certificate CN and mesh endpoint, in party order. */
  readonly names: readonly string[];
  readonly endpoints: readonly string[];
  /** The coordinator's HTTPS control API (mutual TLS) of this node, on 127.0.0.1. */
  readonly controlPort: number;
  readonly controlClientNames: readonly string[];
  readonly tls: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  /** The datasets this node's member owns (the workload's `datasets` parameter), as the node reads them. */
  readonly datasets?: IntegerJson;
}

export interface RenderedWorkload {
  readonly config: WorkloadConfig;
  readonly dir: string;
  /** sha256 of the canonical config: a changed config replaces the resource (restarts the process). */
  readonly digest: string;
}

export interface RenderedConfiguration {
  readonly workspace: string;
  readonly workloads: readonly RenderedWorkload[];
  /** The `main.tf.json` document. */
  readonly document: Record<string, unknown>;
}

export const LAUNCHER = join('services', 'provisioner', 'src', 'workload', 'launch.main.ts');

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function assertNoTemplate(s: string): string {
  // Strings in *.tf.json are templates: a "${" or "%{" in a path would be evaluated.
  if (/[$%]\{/.test(s)) throw new Error(`refusing a path with a template sequence: ${s}`);
  return s;
}

/** The managed workloads of a DAO version and the OpenTofu JSON configuration that runs them. */
export function renderTofuConfiguration(desired: DesiredVersion, context: RenderContext, mesh: ReadonlyMap<string, MpcNodeConfig> = new Map()): RenderedConfiguration {
  const workloads = activeWorkloads(desired).map((w): RenderedWorkload => {
    const id = workloadId(desired.daoId, desired.version, w.name);
    const dir = assertNoTemplate(join(context.workloadsRoot, id));
    const config: WorkloadConfig = {
      workloadId: id,
      daoId: desired.daoId,
      version: desired.version,
      name: w.name,
      owner: w.owner,
      kind: w.kind,
      parameters: w.parameters ?? {},
      heartbeatIntervalSeconds: desired.heartbeatIntervalSeconds,
      kafkaBrokers: context.kafkaBrokers,
      telemetryTopic: context.telemetryTopic,
      keyFile: join(dir, 'key.pem'),
      ...(mesh.has(id) ? { mpc: mesh.get(id)! } : {}),
    };
    return { config, dir, digest: createHash('sha256').update(canonicalJson(config)).digest('hex') };
  });
  const launcher = (action: 'start' | 'stop', dir: string) =>
    [context.nodeBinary, '-r', '@swc-node/register', join(context.repoDir, LAUNCHER), action, dir].map((p) => quote(assertNoTemplate(p))).join(' ');
  const entries = Object.fromEntries(
    workloads.map((w) => [
      w.config.workloadId,
      {
        workload_id: w.config.workloadId,
        owner: w.config.owner,
        kind: w.config.kind,
        dir: w.dir,
        digest: w.digest,
        cwd: assertNoTemplate(context.repoDir),
        start: launcher('start', w.dir),
        stop: launcher('stop', w.dir),
      },
    ]),
  );
  const document: Record<string, unknown> = {
    terraform: { backend: { pg: { schema_name: context.backendSchema } } },
    locals: { workloads: entries },
    output: {
      workspace: { value: workspaceName(desired.daoId, desired.version) },
      workloads: { value: '${{ for id, w in terraform_data.workload : id => { owner = w.output.owner, kind = w.output.kind, digest = w.output.digest } }}' },
    },
  };
  // The resource block stays even with no instances: removing it would drop its destroy-time
  // provisioner, and the processes of removed workloads would keep running.
  document['resource'] = {
    terraform_data: {
      workload: {
        for_each: '${local.workloads}',
        input: '${each.value}',
        triggers_replace: '${each.value.digest}',
        provisioner: [
          // Destroy-time provisioners may only refer to self, so the commands travel in the input.
          { 'local-exec': { command: '${self.input.start}', working_dir: '${self.input.cwd}' } },
          { 'local-exec': { when: 'destroy', command: '${self.input.stop}', working_dir: '${self.input.cwd}' } },
        ],
      },
    },
  };
  return { workspace: workspaceName(desired.daoId, desired.version), workloads, document };
}
