import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { domainPaths, holdAhead, isParked, listDomains, loadHolds, loadSettings, parkDomain, releaseHolds, stderrProgress, type StackContext } from '@datawell/stack';
import { stopWorkload } from '@datawell/workload-runtime';
import { runDev } from '../dev-cli';
import { REPO_DIR } from '../stack-context';

/**
 * The e2e tier's pool of trust domains: one DSP and three VSPs every e2e file may form its own DAOs
 * with (new DAO ids each time), as a real member belongs to many DAOs. Made once in the tier (by the
 * first file that adds them: `./dev scenario … --org-prefix Pool` or addDomain) instead of once per
 * file: creating and registering a domain took 20-25 s of each file's time, and parking it 5 s.
 */
export const E2E_POOL_PREFIX = 'Pool';
export const E2E_POOL = { dsp: `${E2E_POOL_PREFIX}DspMSP`, vsps: [1, 2, 3].map((i) => `${E2E_POOL_PREFIX}Vsp${i}MSP`) } as const;
/**
 * The console's browser files share member domains of their own (`Cn…`: four files form their DAOs
 * with them; apps/console/test/support/scenario.ts), which the tier holds ahead too: each file took
 * them up from parked and started their member services (10-20 s a domain), then parked them again.
 */
export const E2E_CONSOLE_DOMAINS = ['CnDspMSP', 'CnVsp1MSP', 'CnVsp2MSP'] as const;
const POOL_NAMES: readonly string[] = [E2E_POOL.dsp, ...E2E_POOL.vsps, ...E2E_CONSOLE_DOMAINS];

/** Set by the e2e tier's global setup for its files and its teardown: the jest run's holder of the pool. */
export const POOL_HOLDER_ENV = 'DATAWELL_DOMAIN_POOL_HOLDER';

/**
 * The integration tier's member domains, one set per jest worker: a worker runs one file at a time,
 * so a file has its worker's domains to itself, as a member has its own services for whichever DAO
 * it is in. Made by the first file of the worker that adds them (`addDomain`), held by the jest run
 * (`<jest pid>:integration pool`) so a file's end does not park them, parked once when the tier
 * ends. Each domain a file made for itself cost its creation (CA, enrolments, PostgreSQL, Redis, a
 * Kafka credential, its peer catching up on `marketplace`, a config block every peer processed) and a
 * parked peer for the rest of the tier: 37 were made per CI run (docs/stack.md "Where a CI run's CPU
 * goes"). Files that test a domain's making, parking, scanning or its exact channels keep their own.
 * A file run alone (no tier holder) still uses them, and parks them at its end as its own.
 */
export const INTEGRATION_POOL_HOLDER_ENV = 'DATAWELL_INTEGRATION_POOL_HOLDER';
/** Workers whose pool the integration tier holds ahead (./dev test runs it with three: DATAWELL_INTEGRATION_WORKERS). */
const INTEGRATION_POOL_WORKERS = 4;

export interface IntegrationPool {
  readonly dsp: string;
  readonly vsps: readonly [string, string, string];
}

/** The integration pool of jest worker `worker` (JEST_WORKER_ID: 1, 2, …; 1 in band): W<n>DspMSP, W<n>Vsp1MSP … W<n>Vsp3MSP. */
export function integrationPool(worker: string | undefined = process.env['JEST_WORKER_ID']): IntegrationPool {
  const n = worker && /^[1-9][0-9]*$/.test(worker) ? worker : '1';
  return { dsp: `W${n}DspMSP`, vsps: [`W${n}Vsp1MSP`, `W${n}Vsp2MSP`, `W${n}Vsp3MSP`] };
}

const integrationPoolNames = (): string[] =>
  Array.from({ length: INTEGRATION_POOL_WORKERS }, (_, i) => integrationPool(String(i + 1))).flatMap((p) => [p.dsp, ...p.vsps]);

/** The integration tier's global setup (tools/jest/global-setup.js): the jest run holds every worker's pool ahead of its files. */
export const holdIntegrationPool = (): Promise<void> => holdForRun('integration pool', integrationPoolNames(), INTEGRATION_POOL_HOLDER_ENV);

/** The integration tier's global teardown: the pools' domains the files made are parked once. */
export const releaseIntegrationPool = (): Promise<string[]> => releaseForRun(INTEGRATION_POOL_HOLDER_ENV);

function stackCtx(): StackContext {
  return { settings: loadSettings(REPO_DIR), progress: stderrProgress };
}

const exists = (ctx: StackContext, name: string) => listDomains(ctx).some((d) => d.name === name);

/**
 * The jest run (`<jest pid>:<what>`) holds `names` ahead of its files, so a file's end lets go of them
 * without parking them, and names itself in `env` for its files and its teardown.
 */
async function holdForRun(what: string, names: readonly string[], env: string): Promise<void> {
  const ctx = stackCtx();
  const holder = `${process.pid}:${what}`;
  await holdAhead(ctx, holder, names, (name) => !exists(ctx, name) || isParked(ctx, name));
  process.env[env] = holder;
}

/** The run's teardown: lets go of what the run (named in `env`) held, parking each domain nobody else holds, once. */
async function releaseForRun(env: string): Promise<string[]> {
  const holder = process.env[env];
  if (!holder) return [];
  const ctx = stackCtx();
  return releaseHolds(ctx, holder, async (name) => {
    if (exists(ctx, name) && !isParked(ctx, name)) await parkDomain(ctx, name);
  });
}

/**
 * The e2e tier's global setup (tools/jest/e2e-global-setup.js): the jest run holds the pool's domains
 * ahead of its files (`<jest pid>:e2e pool`), so a file's end lets go of them without parking them.
 */
export const holdPool = (): Promise<void> => holdForRun('e2e pool', POOL_NAMES, POOL_HOLDER_ENV);

/** The e2e tier's global teardown: the pool's domains are parked once, when the tier has ended. */
export const releasePool = (): Promise<string[]> => releaseForRun(POOL_HOLDER_ENV);

/**
 * Whether the e2e tier runs the operator's services for its files (its global setup holds the pool):
 * a file then leaves them running for the next one, and the tier's teardown stops them once
 * (stopTierOperatorServices). Starting them took 17-39 s of each file, stopping them 8-13 s. A file
 * run outside the tier stops what it started.
 */
export function tierKeepsOperatorServices(): boolean {
  return process.env[POOL_HOLDER_ENV] !== undefined;
}

/** Whether the e2e tier holds domain `name` for its files (the pool, the console's shared domains): a file's end leaves it and its member services up. */
export function tierKeepsDomain(name: string): boolean {
  return tierKeepsOperatorServices() && POOL_NAMES.includes(name);
}

/** The e2e tier's global teardown: the operator's services its files left running stop (`./dev services stop`). */
export async function stopTierOperatorServices(): Promise<void> {
  if (!tierKeepsOperatorServices()) return;
  const stopped = await runDev(['services', 'stop']);
  if (stopped.status !== 0) throw new Error(`./dev services stop exited ${stopped.status}: ${stopped.stderr.trim().split('\n').pop() ?? ''}`);
}

/**
 * After a file let go of its domains: those only the pool still holds stay up for the next file, but
 * the workloads their provisioners ran for the file's DAOs stop (each with its `stop` mark, so neither
 * its supervisor nor the provisioner's resume at its next start brings it back). Left running, every
 * file's MPC nodes would pile up (15-30 % of a core each). Their member services run on for the next
 * file. Resolves the domains whose workloads were stopped.
 */
export async function stopPoolWorkloadsOfFile(ctx: StackContext, held: readonly string[]): Promise<string[]> {
  const holder = process.env[POOL_HOLDER_ENV] ?? process.env[INTEGRATION_POOL_HOLDER_ENV];
  if (!holder) return [];
  const holds = loadHolds(ctx);
  const onlyPool = held.filter((name) => holds[name]?.holders.length === 1 && holds[name]?.holders[0] === holder && exists(ctx, name));
  for (const name of onlyPool) {
    const root = join(domainPaths(ctx.settings, name).run, 'provisioner', 'workloads');
    for (const id of existsSync(root) ? readdirSync(root) : []) await stopWorkload(join(root, id));
  }
  return onlyPool;
}
