import type { Command } from 'commander';
import { parseAmount, parseBetas } from '@datawell/domain';
import { addDomain, datasetReadingsTopic, domainPaths, ensureDomainFleet, findDomain, memberServiceUrl, osUser, seatOnChannel, unseatFromChannel, up, type DomainRecord, type StackContext } from '@datawell/stack';
import { REPO_DIR, stackContext } from '../context';
import { randomBytes, randomInt } from 'node:crypto';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bridgeCollectionApprover,
  bridgeConfigSigner,
  call,
  describeTimings,
  domainMemberOnStack,
  FormationClock,
  lifecycleMemberOnStack,
  login,
  runDomainFormation,
  runDomainGovernance,
  registerDomainParticipant,
  runLifecycle,
  runTransfer,
  until,
  type DomainFormationOptions,
  type DomainFormationResult,
  type DomainGovernanceOptions,
  type DomainGovernanceResult,
  type DomainMember,
  type LifecycleResult,
  type ScenarioTimings,
} from '@datawell/testing';
import { startMemberServices } from '../services/domain-runner';
import { registerSelfHostedWorkload, startWorkloadAgent } from './workload';
import { serviceUrl, startServices } from '../services/runner';
import { UsageError } from '../usage-error';

const DEFAULT_BETAS = [0.8, 0.75, 0.9];

/** --revenue: a positive amount of minor units, or exit 2 with one line. */
function positiveRevenue(text: string): bigint {
  let revenue: bigint;
  try {
    revenue = parseAmount(text, '--revenue');
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (revenue <= 0n) throw new UsageError('--revenue must be positive');
  return revenue;
}

/** --org-prefix: the start of MSP ids (and, for domains, of OS user names, hence the length). */
export function checkOrgPrefix(prefix: string, max: number): void {
  if (!new RegExp(`^[A-Z][A-Za-z0-9]{0,${max}}$`).test(prefix)) throw new UsageError(`--org-prefix must be a capital letter and up to ${max} letters or digits, got "${prefix}"`);
}

export function registerScenarioCommands(program: Command): void {
  const scenario = program.command('scenario').description('whole life cycles against the running stack, through the services');

  scenario
    .command('formation')
    .description("a DSP and n VSPs, each in its own trust domain, form a DAO and grow it version by version (the first VSP founds it with the DSP, each other VSP joins alone as the next version: CH_i = D ∪ J_1 … J_i); the DSP records revenue on the top channel through its own bridge, the allocations are relayed down to CH_1, and each member reads its payout through its own bridge")
    .option('--vsps <n>', 'number of VSPs (one DAO version each)', '3')
    .option('--revenue <amount>', 'revenue in minor units', '1000000')
    .option('--betas <list>', 'β_1,…,β_n as decimals (default 0.8,0.75,0.9 for three VSPs)')
    .option('--org-prefix <prefix>', 'domains are <prefix>DspMSP, <prefix>Vsp1MSP, … (reused across runs)', 'Fm')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { vsps: string; revenue: string; betas?: string; orgPrefix: string; json?: boolean }) => {
      if (!/^\d+$/.test(opts.vsps) || Number(opts.vsps) < 1 || Number(opts.vsps) > 5) throw new UsageError(`--vsps must be a whole number from 1 to 5, got "${opts.vsps}"`);
      const vsps = Number(opts.vsps);
      const revenue = positiveRevenue(opts.revenue);
      let betasPpm: number[];
      try {
        betasPpm = parseBetas(opts.betas ?? DEFAULT_BETAS.slice(0, vsps).join(','), '--betas');
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
      }
      if (betasPpm.length !== vsps) throw new UsageError(`--betas has ${betasPpm.length} values, --vsps is ${vsps}${opts.betas ? '' : ' (give --betas for other sizes than 3)'}`);
      checkOrgPrefix(opts.orgPrefix, 11);
      const result = await runDomainsOnStack({ vsps: 1, joiners: vsps - 1, joinEach: true, betasPpm, orgPrefix: opts.orgPrefix, revenue });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(result)}\n`);
      process.stdout.write(describeDomains(result));
    });

  scenario
    .command('lifecycle')
    .description(
      "the whole DAO life cycle with every participant in its own trust domain, through the services' public APIs: a DSP and two VSPs (each its OS user, stores, CA, peer and member-mode services) post offers through their own bridges, negotiate and sign a formation and a join, each member's own provisioner builds its workload in its domain and its own telemetry records the heartbeats, one VSP's workload is killed and the chaincode finds it abandoned, its own provisioner destroys it, and revenue the DSP records is split without it",
    )
    .option('--revenue <amount>', 'revenue in minor units', '1000000')
    .option('--org-prefix <prefix>', 'domains are <prefix>DspMSP, <prefix>Vsp1MSP, <prefix>Vsp2MSP (reused across runs)', 'Lc')
    .option('--compute', "every founder's workload is an MPC node in its member's domain; the DSP's sensors publish readings sealed to its node and VSP_1 asks for their mean, which only VSP_1's domain receives")
    .option('--readings <n>', "with --compute: readings the DSP's sensors publish", '64')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { revenue: string; orgPrefix: string; compute?: boolean; readings: string; json?: boolean }) => {
      const revenue = positiveRevenue(opts.revenue);
      const readings = readingsCount(opts.readings);
      checkOrgPrefix(opts.orgPrefix, 11);
      const result = await runLifecycleOnStack(revenue, opts.orgPrefix, opts.compute ? { readings } : undefined);
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(describeLifecycle(result));
    });

  scenario
    .command('domains')
    .description("a DAO of participants in their own trust domains, through the services: each domain (its OS user, stores, CA, peer and member-mode bridge) registers without an identity; the parties negotiate and sign with identities of their own CAs; the operator forms each version's channel from their MSP packages; each member's own bridge joins, approves and (the DSP) initialises it; a VSP joins as version 2; the DSP records revenue through its own bridge and each member reads its entitlement through its own")
    .option('--vsps <n>', 'VSP domains founding version 1', '1')
    .option('--join <n>', 'VSP domains joining as version 2 (0: no join)', '1')
    .option('--org-prefix <prefix>', 'domains are <prefix>DspMSP, <prefix>Vsp1MSP, … (reused across runs)', 'Dm')
    .option('--revenue <amount>', 'revenue the DSP records through its own bridge, in minor units', '1000000')
    .option('--managed', "each member's workload is built by its own provisioner in its domain, which reports its part of the infrastructure as the member (default: self-hosted)")
    .option('--mpc-mesh', "with --managed: every founder's workload is an MPC node, run in its member's domain with a TLS identity from the member's own CA; the nodes form their mesh from the members' parts on the ledger")
    .option('--compute', "with --mpc-mesh: the DSP's sensors publish readings sealed to its node on its own topic, and the first VSP asks the coordinator for their mean; the result goes to the recipients' own bridges only")
    .option('--readings <n>', 'with --compute: readings the DSP\'s sensors publish', '64')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { vsps: string; join: string; orgPrefix: string; revenue: string; managed?: boolean; mpcMesh?: boolean; compute?: boolean; readings: string; json?: boolean }) => {
      if (opts.mpcMesh && !opts.managed) throw new UsageError('--mpc-mesh needs --managed: the nodes are built by the members\' own provisioners');
      if (opts.compute && !opts.mpcMesh) throw new UsageError('--compute needs --mpc-mesh: the computation runs on the members\' own nodes');
      const readings = readingsCount(opts.readings);
      if (!/^\d+$/.test(opts.vsps) || Number(opts.vsps) < 1 || Number(opts.vsps) > 4) throw new UsageError(`--vsps must be a whole number from 1 to 4, got "${opts.vsps}"`);
      if (!/^\d+$/.test(opts.join) || Number(opts.join) > 4) throw new UsageError(`--join must be a whole number from 0 to 4, got "${opts.join}"`);
      checkOrgPrefix(opts.orgPrefix, 11);
      const revenue = positiveRevenue(opts.revenue);
      const result = await runDomainsOnStack({ vsps: Number(opts.vsps), joiners: Number(opts.join), orgPrefix: opts.orgPrefix, revenue, ...(opts.managed ? { placement: 'managed' as const } : {}), ...(opts.mpcMesh ? { mpcMesh: true } : {}), ...(opts.compute ? { compute: { readings } } : {}) });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(result)}\n`);
      process.stdout.write(describeDomains(result));
    });

  scenario
    .command('governance')
    .description(
      "a DAO of a DSP and three VSPs in their own trust domains, governed through the members' own bridges: a change of infrastructure voted and applied by the members' provisioners, pay-per-use computations on the managed members' own MPC nodes metered into revenue by the recipient's bridge, a self-hosted workload heartbeating, a VSP admitted (the join negotiation opened by the bridges), a change of terms voted on chain, a late vote refused, a proposal past its deadline closed by the bridges, a VSP's voluntary exit with notice, a VSP's transfer of rights to a newcomer, feedback between co-members, every revenue event (each metered computation, the revenue the DSP records at the end) split as `./dev economics split` says",
    )
    .option('--org-prefix <prefix>', 'domains are <prefix>DspMSP, <prefix>Vsp1MSP … <prefix>Vsp3MSP, the candidate <prefix>Vsp4MSP and the newcomer <prefix>NewMSP (reused across runs)', 'Gv')
    .option('--revenue <amount>', 'revenue the DSP records at the end, in minor units', '1000000')
    .option('--computations <n>', "pay-per-use computations VSP_1 asks for on the managed members' own MPC nodes (the DSP's and its own), each metered into revenue by its own bridge at the terms' price", '2')
    .option('--readings <n>', "readings the DSP's sensors publish for them", '64')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { orgPrefix: string; revenue: string; computations: string; readings: string; json?: boolean }) => {
      checkOrgPrefix(opts.orgPrefix, 11);
      const revenue = positiveRevenue(opts.revenue);
      if (!/^[1-5]$/.test(opts.computations)) throw new UsageError(`--computations must be a whole number from 1 to 5, got "${opts.computations}"`);
      const readings = readingsCount(opts.readings);
      const result = await runGovernanceOnStack({ orgPrefix: opts.orgPrefix, revenue, computations: Number(opts.computations), readings });
      const summary = governanceSummary(result);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(summary)}\n`);
      process.stdout.write(describeGovernance(summary));
    });

  scenario
    .command('compute')
    .description(
      "a secure computation in a DAO of trust domains (as `scenario domains --vsps 1 --join 0 --managed --mpc-mesh --compute`): each member's own provisioner runs its MPC node in its domain; the DSP's sensors publish readings sealed to its node on its own topic; the VSP asks the coordinator for their mean, which goes only to the VSP's own bridge, with ComputationCompleted and the DSP's usage trail on the ledger",
    )
    .option('--readings <n>', "readings the DSP's sensors publish", '500')
    .option('--org-prefix <prefix>', 'domains are <prefix>DspMSP and <prefix>Vsp1MSP (reused across runs)', 'Cm')
    .option('--json', 'one JSON object on stdout')
    .action(async (opts: { readings: string; orgPrefix: string; json?: boolean }) => {
      const readings = readingsCount(opts.readings);
      checkOrgPrefix(opts.orgPrefix, 11);
      const result = await runDomainsOnStack({ vsps: 1, joiners: 0, orgPrefix: opts.orgPrefix, placement: 'managed', mpcMesh: true, compute: { readings } });
      if (opts.json) return void process.stdout.write(`${JSON.stringify(computeSummary(result, readFileSync(result.computation!.dataset.file, 'utf8')))}\n`);
      process.stdout.write(describeDomains(result));
    });
}

/** What `./dev scenario compute --json` prints (issue 12): the computation as the VSP received it, its reference in the clear, and the DSP's usage trail. */
export interface ComputeSummary {
  readonly daoId: string;
  readonly dataset: { readonly name: string; readonly owner: string; readonly topic: string; readonly published: number };
  readonly computation: string;
  readonly status: string;
  /** The mean the recipient's own bridge keeps (absent when the computation did not complete). */
  readonly mean?: number;
  /** The mean of the readings the DSP's sensors sent, computed in the clear by the tooling in the DSP's domain. */
  readonly reference: number;
  readonly resultDigest?: string;
  /** Whether the recipient's bridge recorded ComputationCompleted with that digest (its transaction id). */
  readonly recordedOnLedger: boolean;
  readonly usage: Array<{ txId: string; requester: string; computation: string; recipients: string[]; outcome: string; check?: string }>;
}

/** The compute scenario's summary from the DAO of domains it ran and the readings file the DSP's sensors published (JSON lines). */
export function computeSummary(result: DomainFormationResult, readings: string): ComputeSummary {
  const c = result.computation;
  if (!c) throw new Error('the scenario ran no computation');
  const column = c.dataset.column;
  const values = readings.split('\n').filter((l) => l.trim() !== '').map((l) => Number((JSON.parse(l) as Record<string, unknown>)[column]));
  const [recipient] = c.recipients;
  const kept = recipient === undefined ? undefined : c.atRecipients[recipient];
  const mean = kept?.result['mean'];
  return {
    daoId: result.daoId,
    dataset: { name: c.dataset.name, owner: Object.keys(result.readBy)[0] ?? '', topic: c.dataset.topic, published: c.published },
    computation: c.id,
    status: c.atCoordinator.status,
    ...(typeof mean === 'number' ? { mean } : {}),
    reference: values.reduce((a, b) => a + b, 0) / values.length,
    ...(c.atCoordinator.resultDigest ? { resultDigest: c.atCoordinator.resultDigest } : {}),
    recordedOnLedger: kept !== undefined && kept.resultDigest === c.atCoordinator.resultDigest && /^[0-9a-f]{64}$/.test(kept.txId),
    usage: (result.usage ?? []).map((u) => ({ txId: u.txId, requester: u.requester, computation: u.computation, recipients: u.recipients, outcome: u.outcome, ...(u.check !== undefined ? { check: u.check } : {}) })),
  };
}

/** --readings: a whole number 1-100000, or exit 2 with one line. */
function readingsCount(text: string): number {
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > 100_000) throw new UsageError(`--readings must be an integer 1-100000, got "${text}"`);
  return Number(text);
}

/**
 * Creates (or reuses) the member domains, starts what is not running, the domains' member-mode
 * services included, and forms a DAO of them through the services (see runDomainFormation).
 */
export async function runDomainsOnStack(opts: {
  vsps: number;
  joiners: number;
  /** Each joiner alone as the next version (runDomainFormation's `joinEach`). */
  joinEach?: boolean;
  /** β_1, β_2, … (ppm; runDomainFormation's defaults otherwise). */
  betasPpm?: readonly number[];
  orgPrefix?: string;
  revenue?: bigint;
  placement?: 'self-hosted' | 'managed';
  placements?: Record<string, 'self-hosted' | 'managed'>;
  changeInfrastructure?: boolean;
  mpcMesh?: boolean;
  /**
   * With `mpcMesh`: the DSP's sensors publish `readings` readings sealed to its node on a topic of its own
   * (a fleet principal of its domain), and the first VSP asks for their mean (runDomainFormation's `compute`).
   */
  compute?: { readings: number; runs?: number };
}): Promise<DomainFormationResult & { timings: ScenarioTimings }> {
  const prefix = opts.orgPrefix ?? 'Dm';
  const vsp = (i: number) => ({ mspId: `${prefix}Vsp${i}MSP`, role: 'VSP' as const });
  const founders = [{ mspId: `${prefix}DspMSP`, role: 'DSP' as const }, ...Array.from({ length: opts.vsps }, (_, i) => vsp(i + 1))];
  const joining = Array.from({ length: opts.joiners }, (_, i) => vsp(opts.vsps + i + 1));
  const plan = [...founders, ...joining];
  const ctx = await domainsOnStack(plan);
  const member = (m: { mspId: string; role: 'DSP' | 'VSP' }) => domainMemberOnStack(ctx, m);
  const members = [];
  for (const m of founders) members.push(await member(m));
  const joiners = [];
  for (const m of joining) joiners.push(await member(m));
  const clock = new FormationClock();
  const result = await runDomainFormation({
    urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation') },
    members,
    joiners,
    ...(opts.joinEach ? { joinEach: true } : {}),
    ...(opts.betasPpm ? { betasPpm: opts.betasPpm } : {}),
    ...(opts.revenue !== undefined ? { revenue: opts.revenue } : {}),
    ...(opts.changeInfrastructure ? { changeInfrastructure: true } : {}),
    // With a mesh, the joiners' nodes join it: version 2's mesh of every member's node, the founders' shared with version 1.
    ...(opts.mpcMesh ? { mpcMesh: true, joinersInMesh: true, coordinatorTls: coordinatorTls(ctx) } : {}),
    ...(opts.compute ? { compute: { ...(await fleetDataset(ctx, findDomain(ctx, founders[0]!.mspId), opts.compute.readings)), ...(opts.compute.runs !== undefined ? { runs: opts.compute.runs } : {}) } } : {}),
    ...(opts.placements ? { placements: opts.placements } : {}),
    ...(opts.placement || opts.placements ? { ...(opts.placement ? { placement: opts.placement } : {}), provisionerUrls: Object.fromEntries(plan.map((m) => [m.mspId, memberServiceUrl(ctx.settings, findDomain(ctx, m.mspId), 'provisioner')])) } : {}),
    ...clock.hooks(),
    progress: (m) => ctx.progress.step('domains', m),
  });
  return { ...result, timings: { formationMs: clock.formationMs() } };
}

/**
 * Starts what is not running of the stack and the operator's services, creates (or reuses) a member
 * domain for each of `plan` and starts their member-mode services: where the scenarios, the e2e tests
 * and `./dev bench ledger` put their organisations.
 */
export async function domainsOnStack(plan: ReadonlyArray<{ mspId: string; role: 'DSP' | 'VSP' }>): Promise<StackContext> {
  const ctx = stackContext();
  const connection = await up(ctx);
  await startServices(ctx, connection, REPO_DIR);
  for (const m of plan) await addDomain(ctx, m.mspId, m.role);
  await startMemberServices(ctx, connection, REPO_DIR, plan.map((m) => m.mspId));
  return ctx;
}

/**
 * A dataset of the DSP's sensors, in its own domain: `count` readings (column `pm25`, two decimals) and
 * one planted reading of four decimals (`planted`, a value no other reading can spell, for the
 * no-plaintext scan), as JSON lines under the domain's folder, owned by its OS user, mode 0600: what
 * its sensors send. They publish it sealed to a topic of the DSP's own (one per dataset: a node refuses
 * readings sealed to another), through a fleet principal of the DSP's domain that may only write there.
 */
async function fleetDataset(ctx: StackContext, dsp: DomainRecord, count: number): Promise<NonNullable<DomainFormationOptions['compute']>> {
  const dir = join(domainPaths(ctx.settings, dsp.name).root, 'datasets');
  const { uid, gid } = osUser(dsp.osUser);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, uid, gid);
  const id = randomBytes(4).toString('hex');
  const file = join(dir, `readings-${id}.jsonl`);
  const values = Array.from({ length: count }, () => (5 + randomInt(0, 9_000) / 100).toFixed(2));
  const planted = `${randomInt(100, 999)}.${randomInt(1000, 9999)}7`;
  values.splice(randomInt(0, values.length), 0, planted);
  writeFileSync(file, values.map((v) => `{"pm25":${v}}\n`).join(''), { mode: 0o600 });
  chownSync(file, uid, gid);
  const topic = datasetReadingsTopic(dsp.mspId, `pm25-${id}`);
  const fleet = await ensureDomainFleet(ctx, dsp.mspId, topic);
  return { coordinatorUrl: serviceUrl(ctx.settings, 'mpc-coordinator'), dataset: { name: 'readings', topic, file, column: 'pm25', planted }, fleet: { brokers: fleet.brokers, credentials: fleet.credentials } };
}

/**
 * The operator's coordinator identity (made by `./dev up` under the stack's mpc-pki/): the mesh scenario
 * calls each member's node with it, as the coordinator does.
 */
export function coordinatorTls(ctx: StackContext): { cert: string; key: string } {
  const dir = join(ctx.settings.stackDir, 'mpc-pki');
  return { cert: readFileSync(join(dir, 'coordinator.crt'), 'utf8'), key: readFileSync(join(dir, 'coordinator.key'), 'utf8') };
}

/** What the governance scenario adds around runDomainGovernance: the change of infrastructure and the self-hosted workload. */
export interface GovernanceOnStackResult {
  readonly daoId: string;
  readonly versions: DomainFormationResult['versions'];
  readonly governance: DomainGovernanceResult;
  /** The change-infrastructure proposal (the first VSP's, the DSP's vote) and the revision each managed member's provisioner applied. */
  readonly changeInfrastructure: { proposal: { proposalId: string; kind: string; status: string; yesPpm: number; noPpm: number }; applied: NonNullable<DomainFormationResult['infrastructure']> };
  /** The second VSP's self-hosted workload: registered through its own bridge, heartbeating with its agent; the heartbeat the channel holds for it. */
  readonly selfHosted: { mspId: string; workloadId: string; txId: string; sent: number; lastHeartbeatMs: number };
  /**
   * The pay-per-use computations on version 1 (before the governance): the mesh of the managed
   * members' own nodes, the DSP's sealed readings, and each job VSP_1 asked for, with
   * ComputationCompleted as each recipient's own bridge recorded it (which metered it).
   */
  readonly computations: { mesh: string[]; dataset: string; published: number; requester: string; recipients: string[]; jobs: NonNullable<DomainFormationResult['jobs']>; usage: NonNullable<DomainFormationResult['usage']> };
}

/**
 * A DAO of a DSP and three VSPs in their own domains (runDomainsOnStack): the DSP's and the first
 * VSP's workloads MPC nodes managed by their own provisioners (their mesh), the other VSPs'
 * self-hosted; the first VSP's change of infrastructure voted and applied; `computations` (default 2)
 * pay-per-use computations on the nodes, the first VSP asking for the mean of `readings` (default 64)
 * readings of the DSP's sensors to itself, each metered into revenue by its own bridge (throws
 * unless every one completed); the second VSP's self-hosted workload registered and heartbeating
 * with its agent; then governed through the members' own bridges (runDomainGovernance): an
 * admission, a change of terms, a late vote, the sweep, the third VSP's exit, the second VSP's
 * transfer of rights to a newcomer in its own domain (runTransfer, unless `transfer` replaces it),
 * feedback between co-members, and every revenue event (the metered computations, the DSP's revenue
 * at the end) split as the economics library says. `requestExit`/`completeExit`/`openJoin` drive
 * those steps otherwise (the CLI).
 */
export async function runGovernanceOnStack(
  opts: { orgPrefix?: string; revenue?: bigint; computations?: number; readings?: number } & Pick<DomainGovernanceOptions, 'requestExit' | 'completeExit' | 'openJoin' | 'transfer'>,
): Promise<GovernanceOnStackResult> {
  const ctx = stackContext();
  const prefix = opts.orgPrefix ?? 'Gv';
  const ids = [`${prefix}DspMSP`, `${prefix}Vsp1MSP`, `${prefix}Vsp2MSP`, `${prefix}Vsp3MSP`];
  // The managed members' workloads are MPC nodes (their mesh); VSP_1 asks for the mean of the DSP's readings, to itself, on them.
  const formed = await runDomainsOnStack({
    vsps: 3,
    joiners: 0,
    orgPrefix: prefix,
    placements: { [ids[0] as string]: 'managed', [ids[1] as string]: 'managed' },
    changeInfrastructure: true,
    mpcMesh: true,
    compute: { readings: opts.readings ?? 64, runs: opts.computations ?? 2 },
  });
  const c = formed.computation;
  if (!c || !formed.jobs || formed.jobs.some((j) => j.status !== 'completed')) {
    throw new Error(`the computations of ${formed.daoId} did not complete: ${(formed.jobs ?? []).map((j) => `${j.id} ${j.status}`).join(', ') || 'none ran'}${c?.atCoordinator.error ? ` (${c.atCoordinator.error.code}: ${c.atCoordinator.error.message})` : ''}`);
  }
  const computations = { mesh: (formed.mesh ?? []).map((n) => n.mspId), dataset: c.dataset.name, published: c.published, requester: c.requester, recipients: c.recipients, jobs: formed.jobs, usage: formed.usage ?? [] };
  const members = [];
  for (const [i, mspId] of ids.entries()) members.push(await domainMemberOnStack(ctx, { mspId, role: i === 0 ? 'DSP' : 'VSP' }));
  const [dsp, vsp1, vsp2] = members as [DomainMember, DomainMember, DomainMember];
  const progress = (m: string) => ctx.progress.step('governance', m);

  const proposal = await readAsMember(vsp1, `/daos/${formed.daoId}/versions/1/proposals/infra-${formed.daoId}`);
  const changeInfrastructure = { proposal: proposal as GovernanceOnStackResult['changeInfrastructure']['proposal'], applied: (formed.infrastructure ?? []).filter((v) => (v.revision ?? 1) > 1) };

  // The second VSP runs its workload itself: its key registered through its own bridge, its agent heartbeating to its own topic.
  const workloadId = `${vsp2.mspId.toLowerCase()}-agent`;
  progress(`${vsp2.mspId} registers its self-hosted workload ${workloadId} through its own bridge and starts its agent`);
  const registered = await registerSelfHostedWorkload(ctx, { mspId: vsp2.mspId, daoId: formed.daoId, version: 1, workloadId });
  let sent = 0;
  const agent = await startWorkloadAgent(ctx, { mspId: vsp2.mspId, daoId: formed.daoId, version: 1, workloadId, intervalMs: 2000, onSent: () => void sent++, log: () => undefined });
  let lastHeartbeatMs: number;
  try {
    lastHeartbeatMs = await until(
      `a heartbeat of ${workloadId} on the channel, as ${vsp2.mspId} reads it`,
      async () => {
        const state = (await readAsMember(vsp2, `/daos/${formed.daoId}/versions/1/state`)) as { memberStates: Array<{ mspId: string; lastHeartbeatMs?: number }> };
        return state.memberStates.find((m) => m.mspId === vsp2.mspId)?.lastHeartbeatMs;
      },
      600_000,
      1000,
    );
  } finally {
    // It has shown it heartbeats; its member hands its position over below.
    await agent.stop();
  }
  const selfHosted = { mspId: vsp2.mspId, workloadId, txId: registered.txId, sent, lastHeartbeatMs };

  // The candidate an admit-member proposal admits: a VSP in its own domain, registered, in no DAO yet.
  const candidate = { mspId: `${prefix}Vsp4MSP`, role: 'VSP' as const };
  await addDomain(ctx, candidate.mspId, candidate.role);
  await startMemberServices(ctx, await up(ctx), REPO_DIR, [candidate.mspId]);
  // The newcomer VSP_2 hands its position to: in its own domain, registered, in no DAO yet.
  const newcomer = { mspId: `${prefix}NewMSP`, role: 'VSP' as const };
  await addDomain(ctx, newcomer.mspId, newcomer.role);
  await startMemberServices(ctx, await up(ctx), REPO_DIR, [newcomer.mspId]);
  await registerDomainParticipant(serviceUrl(ctx.settings, 'marketplace'), newcomer, progress, 600_000);
  const to = await domainMemberOnStack(ctx, newcomer);
  const transfer: NonNullable<DomainGovernanceOptions['transfer']> =
    opts.transfer ??
    (async (from, at) =>
      runTransfer({
        daoId: at.daoId,
        from,
        to,
        consenting: [dsp, vsp1],
        // Each member domain signs the config updates through its own bridge, after its own check of the update against the transfer.
        seat: async (mspId, channels, transferId) => {
          for (const channel of channels) await seatOnChannel(ctx, channel, mspId, ['dao'], { transferId, signer: bridgeConfigSigner(ctx), collection: bridgeCollectionApprover(ctx) });
        },
        unseat: async (mspId, channels, transferId) => {
          for (const channel of channels) await unseatFromChannel(ctx, channel, mspId, { transferId, signer: bridgeConfigSigner(ctx), collection: bridgeCollectionApprover(ctx) });
        },
        progress,
      }));
  const governance = await runDomainGovernance({
    daoId: formed.daoId,
    version: 1,
    members,
    candidate: await domainMemberOnStack(ctx, candidate),
    urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation') },
    progress,
    feedback: true,
    meteredJobs: computations.jobs.map((j) => j.id),
    revenue: opts.revenue ?? 1_000_000n,
    ...(opts.requestExit ? { requestExit: opts.requestExit } : {}),
    ...(opts.completeExit ? { completeExit: opts.completeExit } : {}),
    ...(opts.openJoin ? { openJoin: opts.openJoin } : {}),
    transfer,
  });
  return { daoId: formed.daoId, versions: formed.versions, governance, changeInfrastructure, selfHosted, computations };

  async function readAsMember(m: DomainMember, path: string): Promise<unknown> {
    return call(`${m.bridgeUrl}${path}`, { token: await login(m.bridgeUrl, m.identity) });
  }
}

// The member domains of this stack as the scenarios act for them (the benches too).
export { domainMemberOnStack, lifecycleMemberOnStack };

/**
 * Creates (or reuses) the life cycle's three member domains (`<prefix>DspMSP`, `<prefix>Vsp1MSP`,
 * `<prefix>Vsp2MSP`), starts what is not running, their member-mode services included, and runs the
 * life-cycle scenario (runLifecycle) with every participant in its own domain. With `compute`, every
 * founder's workload is an MPC node and VSP_1 asks for the mean of `compute.readings` readings the
 * DSP's sensors publish sealed to its node (as `./dev scenario domains --compute`).
 */
export async function runLifecycleOnStack(revenue: bigint, orgPrefix = 'Lc', compute?: { readings: number }): Promise<LifecycleResult> {
  const plan = [
    { mspId: `${orgPrefix}DspMSP`, role: 'DSP' as const },
    { mspId: `${orgPrefix}Vsp1MSP`, role: 'VSP' as const },
    { mspId: `${orgPrefix}Vsp2MSP`, role: 'VSP' as const },
  ];
  const ctx = await domainsOnStack(plan);
  const member = (m: (typeof plan)[number]) => lifecycleMemberOnStack(ctx, m);
  const [dsp, vsp1, vsp2] = [await member(plan[0]!), await member(plan[1]!), await member(plan[2]!)];
  return runLifecycle({
    urls: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation') },
    members: { dsp, vsp1, vsp2 },
    revenue,
    ...(compute ? { mpc: { mpcMesh: true, coordinatorTls: coordinatorTls(ctx), compute: await fleetDataset(ctx, findDomain(ctx, dsp.mspId), compute.readings) } } : {}),
    progress: (m) => ctx.progress.step('lifecycle', m),
  });
}

/** The governance scenario's outcome as `./dev scenario governance --json` prints it. */
export function governanceSummary(r: GovernanceOnStackResult) {
  const g = r.governance;
  const proposals = [r.changeInfrastructure.proposal, ...(g.admission ? [g.admission.proposal] : []), g.changeTerms.proposal, g.late.closed].map((p) => ({ proposalId: p.proposalId, kind: p.kind, outcome: p.status, yesPpm: p.yesPpm, noPpm: p.noPpm }));
  return {
    daoId: r.daoId,
    proposals,
    infrastructure: r.changeInfrastructure.applied.map((v) => ({ version: v.version, revision: v.revision ?? 1, status: v.status, builtBy: v.builtBy })),
    selfHosted: r.selfHosted,
    ...(g.admission ? { joinSession: g.admission.asked.session.id } : {}),
    ...(g.transfer ? { transfer: { from: g.transfer.from, to: g.transfer.to, channels: g.transfer.channels } } : {}),
    refused: { voteAfterDecision: g.voteAfterDecision.code, lateVote: g.late.lateVote.code, secondNotice: g.exit.again.code, proposeAfterExit: g.exit.proposeAfterExit.code, ...(g.feedback ? { secondRating: g.feedback.again.code } : {}) },
    exited: [g.exit.mspId],
    reputation: g.feedback?.reputation ?? {},
    computations: r.computations.jobs.map((j) => ({ jobId: j.id, status: j.status, requester: r.computations.requester, recipients: Object.fromEntries(Object.entries(j.atRecipients).map(([msp, kept]) => [msp, { mean: kept.result['mean'], txId: kept.txId }])) })),
    // Every revenue event of the version in the order it was recorded: each metered computation, then what the DSP recorded; each split on the ledger and by the economics library.
    revenue: [
      ...(g.metered ?? []).map((e) => ({ revenueId: e.revenueId, jobId: e.jobId, kind: e.kind, amount: e.amount, txId: e.txId, recordedBy: e.recordedBy, metered: true, betaPpm: e.betaPpm, payouts: e.payouts, expected: e.expected })),
      ...(g.revenue ? [{ revenueId: g.revenue.revenueId, kind: 'use', amount: g.revenue.amount, txId: g.revenue.txId, recordedBy: g.revenue.recordedBy, metered: false, betaPpm: g.revenue.betaPpm, payouts: g.revenue.payouts, expected: g.revenue.expected }] : []),
    ],
    // Each member's entitlement over every event, on the ledger; expectedPayouts: the economics split of each event, summed.
    payouts: g.revenue?.totals.payouts ?? {},
    expectedPayouts: g.revenue?.totals.expected ?? {},
  };
}

export function describeGovernance(s: ReturnType<typeof governanceSummary>): string {
  const lines = [`DAO ${s.daoId}`, ...s.proposals.map((p) => `  ${p.proposalId} (${p.kind}): ${p.outcome}, yes ${p.yesPpm} ppm, no ${p.noPpm} ppm`)];
  for (const v of s.infrastructure) lines.push(`  infrastructure of version ${v.version} at revision ${v.revision}: ${v.status}`);
  lines.push(`  self-hosted ${s.selfHosted.workloadId} of ${s.selfHosted.mspId}: ${s.selfHosted.sent} heartbeats sent, last on the channel at ${new Date(s.selfHosted.lastHeartbeatMs).toISOString()}`);
  if (s.transfer) lines.push(`  transfer: ${s.transfer.from} to ${s.transfer.to} on ${s.transfer.channels.join(', ')}`);
  lines.push(`  refused: ${Object.entries(s.refused).map(([k, v]) => `${k} ${v}`).join(', ')}`, `  exited: ${s.exited.join(', ')}`);
  lines.push(`  reputation: ${Object.entries(s.reputation).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const c of s.computations) lines.push(`  computation ${c.jobId} (${c.requester}, the mean of the DSP's readings): ${c.status}; ${Object.entries(c.recipients).map(([msp, k]) => `${msp} received ${String(k.mean)} (ComputationCompleted tx ${k.txId})`).join(', ')}`);
  const split = (p: Record<string, string>) => Object.entries(p).map(([msp, amount]) => `${msp} ${amount}`).join(', ') || 'nobody';
  for (const r of s.revenue) {
    lines.push(`  revenue ${r.revenueId} ${r.amount}${r.metered ? ", metered at the terms' price" : ''}, recorded by ${r.recordedBy} (tx ${r.txId}), β ${r.betaPpm} ppm: ${split(r.payouts)} (economics split: ${split(r.expected)})`);
  }
  lines.push("  payouts over every revenue event (each event's economics split, summed):");
  for (const [msp, amount] of Object.entries(s.payouts)) lines.push(`    ${msp.padEnd(16)} ${amount} (${s.expectedPayouts[msp] ?? '0'})`);
  return `${lines.join('\n')}\n`;
}

export function describeDomains(result: DomainFormationResult & { timings?: ScenarioTimings }): string {
  const lines = [`DAO ${result.daoId}`];
  for (const v of result.versions) lines.push(`  version ${v.version} on ${v.channel}: ${v.members.join(', ')}`);
  for (const [msp, v] of Object.entries(result.readBy)) lines.push(`  ${msp.padEnd(16)} reads the top version through its own bridge: ${v.status}, members ${v.members.join(', ')}`);
  const metered = result.computation?.atCoordinator.status === 'completed';
  if (result.revenueTxId || metered) {
    const sources = [
      ...(result.revenueTxId ? [`revenue recorded by the DSP in its own domain (tx ${result.revenueTxId})`] : []),
      ...(metered ? ["the computation, metered at the terms' price by its recipient's bridge"] : []),
    ];
    lines.push(`  ${sources.join(' and ')}; each member's payout as it reads it through its own bridge:`);
    for (const [msp, amount] of Object.entries(result.payouts)) lines.push(`    ${msp.padEnd(16)} ${amount}`);
  }
  lines.push(`  another member's identity at the DSP's bridge: ${result.otherMemberAtBridge.status} ${result.otherMemberAtBridge.code}`);
  for (const v of result.infrastructure ?? []) {
    lines.push(`  infrastructure of version ${v.version}${v.revision ? ` revision ${v.revision}` : ''}: ${v.status}, each part built by its member's own provisioner:`);
    for (const [msp, workloads] of Object.entries(v.builtBy)) lines.push(`    ${msp.padEnd(16)} ${workloads.map((w) => `${w.workloadId} (${w.status})`).join(', ') || 'nothing to build'}`);
  }
  // The mesh and the computation are the top version's (one node per member per DAO, shared by its versions).
  const top = result.versions[result.versions.length - 1]?.version ?? 1;
  if (result.mesh) {
    lines.push(`  MPC mesh of version ${top}, from the members' parts on the ledger (each node in its member's domain, certified by the member's own CA):`);
    for (const n of result.mesh) lines.push(`    party ${n.partyIndex} of ${n.parties}  ${n.mspId.padEnd(16)} ${n.workloadId} at ${n.controlUrl}`);
  }
  const c = result.computation;
  if (c) {
    lines.push(`  the DSP's sensors published ${c.published} readings of ${c.dataset.name} to ${c.dataset.topic}, each sealed to the DSP's node (Kafka holds only ciphertext)`);
    lines.push(`  computation ${c.id}: ${c.requester} asked for the mean of ${c.dataset.name}; each node checked its own ledger`);
    lines.push(`    at the coordinator (it only schedules): ${c.atCoordinator.status}, digest ${c.atCoordinator.resultDigest ?? 'none'}; the result itself: ${c.atCoordinator.resultAnswer.status} ${c.atCoordinator.resultAnswer.code}`);
    for (const [msp, r] of Object.entries(c.atRecipients)) {
      lines.push(`    ${msp.padEnd(16)} received it in its own domain: ${JSON.stringify(r.result)} (ComputationCompleted tx ${r.txId}); ./dev result --dao ${result.daoId} --version ${top} --id ${c.id} --as ${msp}`);
    }
  }
  if (c && result.usage) {
    // The scenario's first member is its DSP (runDomainFormation checks it), and readBy keeps that order.
    const owner = Object.keys(result.readBy)[0] ?? '<the DSP>';
    lines.push(`  usage trail of ${c.dataset.name}, as the DSP reads it through its own bridge (./dev usage --dataset ${c.dataset.name} --dao ${result.daoId} --as ${owner}):`);
    for (const u of result.usage) lines.push(`    tx ${u.txId}: ${u.requester} ${u.computation} to ${u.recipients.join(', ')}: ${u.outcome}${u.check ? ` (${u.check})` : ''}, recorded by ${u.recordedBy}`);
  }
  if (result.timings) lines.push(describeTimings(result.timings).trimEnd());
  return `${lines.join('\n')}\n`;
}

/** The life cycle in domains: its formation as describeDomains tells it, then offers, workloads, the abandonment and the payouts after it. */
export function describeLifecycle(result: LifecycleResult): string {
  const lines = [describeDomains(result.formation).trimEnd()];
  lines.push("  offers, each posted through its owner's own bridge (PostOffer signed in its domain):");
  for (const o of result.offers) lines.push(`    ${o.offerId.padEnd(40)} ${o.owner.padEnd(16)} ${o.kind} (tx ${o.txId})`);
  lines.push("  workloads, as each owner's own provisioner reports them:");
  for (const w of result.workloads) lines.push(`    ${w.id.padEnd(40)} ${w.member.padEnd(16)} version ${w.version}: ${w.status}`);
  lines.push(`  abandoned: ${result.abandoned.join(', ') || 'none'}`);
  lines.push(`  revenue after the abandonment, recorded by the DSP in its own domain (tx ${result.revenueTxId}); each member's payout as it reads it through its own bridge:`);
  for (const [msp, amount] of Object.entries(result.payouts)) lines.push(`    ${msp.padEnd(16)} ${amount}`);
  lines.push(describeTimings(result.timings).trimEnd());
  return `${lines.join('\n')}\n`;
}
