import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { MpcMeshMember, WorkloadConfig } from '@datawell/contracts';
import { canonicalJson } from '@datawell/domain';
import type { SharedNodes } from './shared-nodes';
import { activeWorkloads, workloadId, workspaceName, type DesiredVersion } from './spec';

/** Where and how workloads of this provisioner run: fixed per process, not per DAO. */
export interface RenderContext {
  /** Root of the workload folders (`<workRoot>/<workloadId>/`). */
  readonly workloadsRoot: string;
  /** The working directory of the launcher: the repository (where `@swc-node/register` resolves for sources). */
  readonly repoDir: string;
  /** The Node binary that runs launcher, supervisor and workload. */
  readonly nodeBinary: string;
  /** Node arguments that run the workload launcher (workloads/supervisor), compiled or from sources (workloadProgramArgs). */
  readonly launcher: readonly string[];
  readonly kafkaBrokers: readonly string[];
  /** The Kafka credentials file the workloads authenticate with (the provisioner's principal's, until member domains). */
  readonly kafkaCredentialsFile?: string;
  readonly telemetryTopic: string;
  /** A member domain's traffic key file, handed on (never its content) so workloads seal their heartbeats on the member's topic. */
  readonly trafficKeyFile?: string;
  /** PostgreSQL schema of the `pg` backend. */
  readonly backendSchema: string;
}

export type { MpcMeshMember, WorkloadConfig } from '@datawell/contracts';

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

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function assertNoTemplate(s: string): string {
  // Strings in *.tf.json are templates: a "${" or "%{" in a path would be evaluated.
  if (/[$%]\{/.test(s)) throw new Error(`refusing a path with a template sequence: ${s}`);
  return s;
}

/**
 * The managed workloads of a DAO version and the OpenTofu JSON configuration that runs them. `shared`
 * (member mode): MPC nodes the member already runs keep their workload id and folder, and those a
 * later version runs now are not this version's.
 */
export function renderTofuConfiguration(desired: DesiredVersion, context: RenderContext, mesh: ReadonlyMap<string, MpcMeshMember> = new Map(), shared?: SharedNodes): RenderedConfiguration {
  const workloads = activeWorkloads(desired).filter((w) => !shared?.handedOver.has(w.name)).map((w): RenderedWorkload => {
    const id = shared?.ids.get(w.name) ?? workloadId(desired.daoId, desired.version, w.name);
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
      ...(context.kafkaCredentialsFile ? { kafkaCredentialsFile: context.kafkaCredentialsFile } : {}),
      telemetryTopic: context.telemetryTopic,
      ...(context.trafficKeyFile ? { trafficKeyFile: context.trafficKeyFile } : {}),
      keyFile: join(dir, 'key.pem'),
      ...(mesh.has(id) ? { mpc: mesh.get(id)! } : {}),
    };
    return { config, dir, digest: createHash('sha256').update(canonicalJson(config)).digest('hex') };
  });
  // `stop` names the version: a node a later version took over (its folder's config names that one) is left running.
  const launcher = (action: 'start' | 'stop', dir: string) =>
    [context.nodeBinary, ...context.launcher, action, dir, ...(action === 'stop' ? [String(desired.version)] : [])].map((p) => quote(assertNoTemplate(p))).join(' ');
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
