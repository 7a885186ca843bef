import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFileAtomically } from '../atomic-file';
import { join } from 'node:path';
import type { Component, ComponentHealth, StackContext } from '../components/component';
import { ensureTraversable } from '../components/files';
import { postgresHealth, startPostgres, stackPostgres, stopPostgres, type PostgresInstance } from '../components/postgres';
import { redisHealth, startRedis, stackRedis, stopRedis, type RedisInstance } from '../components/redis';
import { ensureMemberPrincipal, OPERATOR_PRINCIPAL, principalFile } from '../components/kafka-principals';
import type { KafkaCredentials } from '@datawell/config';
import { StackError } from '../errors';
import { caPid, stopCa } from '../fabric/ca';
import { fabricDirs, loadRegistry, saveRegistry, type OrgRecord } from '../fabric/layout';
import { addDomainOrganisation, parkedHealth } from '../fabric/network';
import { ownChaincodeProcesses, stopOwnChaincodeServers } from '../fabric/own-chaincode';
import { ownChaincodeServerOf } from '../fabric/parties';
import { peerProcess, setPeerChannelsPaused } from '../fabric/nodes';
import { withStackLock } from '../lock';
import { chownTree, ensureSystemUser, findOsUser, osUser } from '../os-user';
import { isAlive, readPid, stopDaemon } from '../proc';
import { stopWorkloadsUnder } from '../workloads';
import { domainPaths, domainsDir, MEMBER_SERVICES, memberConsoleFiles, memberConsolePort, memberServiceFiles, memberServiceUrl, newMemberDomain, operatorDomain, OPERATOR_DOMAIN, type DomainRecord } from './domain';
import { createDomainKafkaPrincipal, type KafkaPrincipalState } from './kafka-principal';
import { writeMspPackage, type MspPackage } from './msp-package';
import { recordHold, releaseHolds } from './holds';
import { ensureDomainTrafficKey } from './traffic-key';

interface DomainsFile {
  /** Member domains; the operator's is derived from the settings. */
  members: DomainRecord[];
  /** Whether each domain's Kafka principal has been created (see kafka-principal.ts). */
  kafka: Record<string, KafkaPrincipalState>;
}

function registryFile(ctx: StackContext): string {
  return join(domainsDir(ctx.settings), 'domains.json');
}

function loadFile(ctx: StackContext): DomainsFile {
  const file = registryFile(ctx);
  if (!existsSync(file)) return { members: [], kafka: {} };
  return JSON.parse(readFileSync(file, 'utf8')) as DomainsFile;
}

function saveFile(ctx: StackContext, content: DomainsFile): void {
  mkdirSync(domainsDir(ctx.settings), { recursive: true, mode: 0o755 });
  // Names, users and ports only: nothing secret, so any domain may read where the others listen.
  // Renamed into place: services of every domain read it while the tooling adds one.
  writeFileAtomically(registryFile(ctx), `${JSON.stringify(content, null, 2)}\n`, 0o644);
}

/** Every domain of the stack: the operator's first, then the members in the order they were added. */
export function listDomains(ctx: StackContext): DomainRecord[] {
  return [operatorDomain(ctx.settings), ...loadFile(ctx).members];
}

export function findDomain(ctx: StackContext, name: string): DomainRecord {
  const d = listDomains(ctx).find((x) => x.name === name);
  if (!d) throw new StackError('UNKNOWN_DOMAIN', `unknown domain ${name} (known: ${listDomains(ctx).map((x) => x.name).join(', ')})`, 'domains');
  return d;
}

/**
 * The Kafka credentials of a member organisation's principal: a member domain's are those in its own
 * folder (made with the domain), never a second password the tooling would set for the same principal
 * (the broker keeps one: the domain's own services would be refused from then on). An organisation the
 * tooling holds itself (no domain) has its credentials in the tooling's folder, made on first use.
 */
export async function memberKafkaCredentials(ctx: StackContext, mspId: string): Promise<KafkaCredentials> {
  const d = listDomains(ctx).find((x) => x.name === mspId && x.role !== 'operator');
  return ensureMemberPrincipal(ctx, mspId, d ? { file: join(domainPaths(ctx.settings, d.name).secrets, 'kafka.json') } : {});
}

/**
 * The domain's PostgreSQL: the operator's is the stack's own cluster (the services' database
 * today); a member's is a cluster in its folder, run as its user, with its own password, sized for
 * its few member services (processes multiply with organisations, so each must be cheap at rest).
 */
export function domainPostgres(ctx: StackContext, d: DomainRecord): PostgresInstance {
  if (d.name === OPERATOR_DOMAIN) return stackPostgres(ctx);
  const p = domainPaths(ctx.settings, d.name);
  return { name: `postgres@${d.name}`, port: d.ports.postgres, user: d.osUser, home: p.postgres, password: secret(ctx, d, 'postgres.password'), logFile: join(p.logs, 'postgres.log'), pidFile: join(p.run, 'postgres.pid'), sharedBuffers: '16MB', maxConnections: 50 };
}

export function domainRedis(ctx: StackContext, d: DomainRecord): RedisInstance {
  if (d.name === OPERATOR_DOMAIN) return stackRedis(ctx);
  const p = domainPaths(ctx.settings, d.name);
  const password = secret(ctx, d, 'redis.password');
  const configFile = join(p.secrets, 'redis.conf');
  if (!existsSync(configFile)) writeOwned(d, configFile, `requirepass ${password}\n`);
  return { name: `redis@${d.name}`, port: d.ports.redis, user: d.osUser, dataDir: p.redis, configFile, password, logFile: join(p.logs, 'redis.log'), pidFile: join(p.run, 'redis.pid') };
}

/** A random secret kept in the domain's folder (mode 0600, owned by its user), made on first use. */
function secret(ctx: StackContext, d: DomainRecord, name: string): string {
  const file = join(domainPaths(ctx.settings, d.name).secrets, name);
  if (!existsSync(file)) writeOwned(d, file, randomBytes(24).toString('base64url'));
  return readFileSync(file, 'utf8').trim();
}

function writeOwned(d: DomainRecord, file: string, content: string): void {
  const { uid, gid } = osUser(d.osUser);
  const dir = join(file, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chownSync(dir, uid, gid);
  writeFileSync(file, content, { mode: 0o600 });
  chownSync(file, uid, gid);
}

/**
 * The domain's OS user and its folder: mode 0700, owned by the user, its parents traversable (not
 * readable) so the user can reach it; and the world-readable folder of its public material.
 */
export function materialiseDomain(ctx: StackContext, d: DomainRecord): void {
  const p = domainPaths(ctx.settings, d.name);
  const user = ensureSystemUser(d.osUser, p.root);
  mkdirSync(domainsDir(ctx.settings), { recursive: true });
  // Anyone may read the registry and the public folders; each domain's own folder is closed.
  chmodSync(domainsDir(ctx.settings), 0o755);
  mkdirSync(p.root, { recursive: true, mode: 0o700 });
  chmodSync(p.root, 0o700);
  chownSync(p.root, user.uid, user.gid);
  ensureTraversable(p.root, ctx.progress);
  mkdirSync(p.publicDir, { recursive: true });
  chmodSync(join(p.publicDir, '..'), 0o755);
  chmodSync(p.publicDir, 0o755);
  chownSync(p.publicDir, user.uid, user.gid);
}

export interface AddedDomain {
  readonly domain: DomainRecord;
  readonly mspPackage: MspPackage;
}

/**
 * Creates (idempotently) a participant's domain and starts its processes: its OS user and folder,
 * its traffic key, its PostgreSQL and Redis, its Kafka principal, its Fabric CA, MSP, admin and peer (keys generated
 * in the domain by its own user), and its public MSP package for registration.
 */
export async function addDomain(ctx: StackContext, mspId: string, role: string): Promise<AddedDomain> {
  return withStackLock(ctx, async () => {
    const file = loadFile(ctx);
    let d = file.members.find((x) => x.name === mspId);
    if (d && d.role !== role) throw new StackError('BAD_SETTING', `domain ${mspId} exists already with role ${d.role}, not ${role}`, 'domains');
    const wasIdle = !d || isParked(ctx, mspId);
    if (!d) {
      d = newMemberDomain(ctx.settings, listDomains(ctx), mspId, role);
      const existingOrg = loadRegistry(fabricDirs(ctx.settings)).orgs.find((o) => o.mspId === mspId);
      if (existingOrg && !existingOrg.domain) throw new StackError('BAD_SETTING', `${mspId} exists already as an organisation held by the operator's tooling; choose another MSP id`, 'domains');
    }
    materialiseDomain(ctx, operatorDomain(ctx.settings));
    materialiseDomain(ctx, d);
    ensureDomainTrafficKey(ctx, d);
    if (!file.members.some((x) => x.name === mspId)) {
      file.members.push(d);
      saveFile(ctx, file);
    }
    // Before its processes start: a file whose addDomain fails half way still sets the domain aside.
    recordHold(ctx, d.name, wasIdle);
    ctx.progress.step('domains', `domain ${d.name}: user ${d.osUser}, folder ${domainPaths(ctx.settings, d.name).root}`);
    await startDomainStores(ctx, d);
    const p = domainPaths(ctx.settings, d.name);
    file.kafka[d.name] = await createDomainKafkaPrincipal(ctx, { domain: d, credentialsFile: join(p.secrets, 'kafka.json') });
    saveFile(ctx, file);
    const org = await addDomainOrganisation(ctx, mspId);
    const mspPackage = writeMspPackage(ctx, org, d);
    chownTree(p.publicDir, osUser(d.osUser).uid, osUser(d.osUser).gid);
    return { domain: d, mspPackage };
  });
}

/**
 * Sets a member domain aside: stops its member services, the workloads its provisioner runs, its CA,
 * Redis and PostgreSQL, and marks its organisation parked so `up` leaves them stopped. Its folder,
 * keys, ledger and databases stay; `addDomain` (`./dev domain add`, a scenario) takes it up again. A
 * machine running many organisations (an e2e tier, a demo) keeps only those in use busy.
 *
 * Its peer runs on: the peers of a channel keep each other's gossip state for twenty minutes after
 * one stops answering, and Fabric's gossip (3.1, channel.go handleStateInfSnapshot) drops a whole
 * state-info snapshot at the first entry from a peer whose identity it never learned. A peer joining
 * after a member's peer stopped therefore learned no live peer either (seen in the e2e tier: 0 peers
 * known for minutes, so its gateway found no endorser). But it pauses every channel it holds (Fabric's
 * `peer node pause`): running on, it would still pull and validate every block of `marketplace` and
 * of its DAOs' channels, 5–7 % of a core each while the marketplace is busy, the most of a machine
 * that has run dozens of organisations (an e2e tier). Taken up again, its channels resume and catch up.
 * Resolves whether anything was running.
 */
export async function parkDomain(ctx: StackContext, name: string): Promise<boolean> {
  return withStackLock(ctx, async () => {
    const d = findDomain(ctx, name);
    if (d.name === OPERATOR_DOMAIN) throw new StackError('BAD_SETTING', "the operator's domain runs the network itself and cannot be parked", 'domains');
    const p = domainPaths(ctx.settings, d.name);
    let stopped = false;
    // All at once, as stopMemberServices does: each takes seconds to leave its Kafka groups (parking a
    // domain whose services ran took 20-25 s one after another), and none waits for another.
    const pidFiles = [...MEMBER_SERVICES.map((service) => memberServiceFiles(ctx.settings, d.name, service).pidFile), memberConsoleFiles(ctx.settings, d.name).pidFile];
    stopped = (await Promise.all(pidFiles.map((f) => stopDaemon(f)))).some(Boolean) || stopped;
    stopped = (await stopWorkloadsUnder(join(p.run, 'provisioner', 'workloads'))) > 0 || stopped;
    const dirs = fabricDirs(ctx.settings);
    const registry = loadRegistry(dirs);
    const org = registry.orgs.find((o) => o.domain === d.name);
    if (org) {
      stopped = (await stopOwnChaincodeServers(ownChaincodeServerOf(ctx, org))) || stopped;
      stopped = caPid(ctx, org) !== undefined || stopped;
      await stopCa(ctx, org);
      registry.orgs = registry.orgs.map((o) => (o.mspId === org.mspId ? { ...o, parked: true } : o));
      saveRegistry(dirs, registry);
    }
    stopped = isAlive(readPid(join(p.run, 'postgres.pid'))) || isAlive(readPid(join(p.run, 'redis.pid'))) || stopped;
    await stopRedis(domainRedis(ctx, d));
    await stopPostgres(domainPostgres(ctx, d));
    if (org) await setPeerChannelsPaused(ctx, org, true);
    ctx.progress.step('domains', `domain ${d.name} parked: its services, workloads, CA and stores are stopped and its peer's channels paused until it is added again (the peer runs on for the channels' gossip)`);
    return stopped;
  });
}

/**
 * Sets aside the member domains `holder` (a test file: settings.domainHolder) took up with addDomain
 * and no other live holder still uses (domains/holds.ts); those in use before a holder came stay.
 * Resolves the domains set aside.
 */
export function parkHeldDomains(ctx: StackContext, holder: string): Promise<string[]> {
  return releaseHolds(ctx, holder, async (name) => {
    if (!isParked(ctx, name)) await parkDomain(ctx, name);
  });
}

/** The parked organisation of domain `name` among `orgs`, if it is parked (parkDomain). */
function parkedOrgOf(orgs: readonly OrgRecord[], name: string): OrgRecord | undefined {
  return orgs.find((o) => o.domain === name && o.parked === true);
}

/** Whether the domain's organisation is parked (parkDomain). */
export function isParked(ctx: StackContext, name: string): boolean {
  return parkedOrgOf(loadRegistry(fabricDirs(ctx.settings)).orgs, name) !== undefined;
}

async function startDomainStores(ctx: StackContext, d: DomainRecord): Promise<void> {
  await startPostgres(ctx, domainPostgres(ctx, d));
  await startRedis(ctx, domainRedis(ctx, d));
}

function members(ctx: StackContext): DomainRecord[] {
  return loadFile(ctx).members;
}

export interface DomainProcess {
  readonly name: string;
  readonly pid?: number;
  /** The OS user the process runs as, read from /proc/<pid>/status. */
  readonly user?: string;
}

export interface DomainStatus {
  readonly name: string;
  readonly role: DomainRecord['role'];
  readonly mspId: string;
  readonly osUser: string;
  /** Whether the OS user exists yet (the operator's is made with the first member domain). */
  readonly osUserExists: boolean;
  readonly folder: string;
  readonly publicDir: string;
  readonly processes: readonly DomainProcess[];
  /** Set aside with `./dev domain park`: its processes are stopped until it is added again. */
  readonly parked: boolean;
  readonly database: { readonly host: string; readonly port: number; readonly database: string };
  readonly redis: { readonly host: string; readonly port: number };
  readonly kafka: { readonly principal: string; readonly credentials: KafkaPrincipalState };
  /** The domain's services by name: a member's member-mode services; filled by the CLI for the operator (it knows the services). */
  readonly serviceUrls: Readonly<Record<string, string>>;
}

/** Per domain: who it is, its folder, its processes (pid and OS user) and where its stores listen. */
export function domainsStatus(ctx: StackContext, operatorProcesses: readonly ComponentHealth[]): DomainStatus[] {
  const file = loadFile(ctx);
  const orgs = loadRegistry(fabricDirs(ctx.settings)).orgs;
  const memberProcesses = new Map<string, DomainProcess[]>();
  for (const d of file.members) {
    const p = domainPaths(ctx.settings, d.name);
    const org = orgs.find((o) => o.domain === d.name);
    memberProcesses.set(d.name, [
      described(`postgres@${d.name}`, livePid(join(p.run, 'postgres.pid'))),
      described(`redis@${d.name}`, livePid(join(p.run, 'redis.pid'))),
      ...(org ? fabricProcesses(ctx, org) : []),
      ...MEMBER_SERVICES.map((s) => described(`${s}@${d.name}`, livePid(memberServiceFiles(ctx.settings, d.name, s).pidFile))),
      described(`console@${d.name}`, livePid(memberConsoleFiles(ctx.settings, d.name).pidFile)),
    ]);
  }
  const ofMembers = new Set([...memberProcesses.values()].flat().map((x) => x.name));
  return listDomains(ctx).map((d) => {
    const p = domainPaths(ctx.settings, d.name);
    // The operator's: the stack's own components here (as dw-operator, PostgreSQL as postgres); the CLI adds its services and console.
    const processes = memberProcesses.get(d.name) ?? operatorProcesses.filter((c) => c.pid !== undefined && !ofMembers.has(c.name)).map((c) => described(c.name, c.pid));
    return {
      name: d.name,
      role: d.role,
      mspId: d.mspId,
      osUser: d.osUser,
      osUserExists: findOsUser(d.osUser) !== undefined,
      folder: p.root,
      publicDir: p.publicDir,
      processes,
      parked: parkedOrgOf(orgs, d.name) !== undefined,
      database: { host: '127.0.0.1', port: d.ports.postgres, database: 'datawell' },
      redis: { host: '127.0.0.1', port: d.ports.redis },
      kafka: { principal: d.kafkaPrincipal, credentials: d.name === OPERATOR_DOMAIN ? operatorKafka(ctx) : (file.kafka[d.name] ?? 'pending') },
      serviceUrls: d.name === OPERATOR_DOMAIN ? {} : { ...Object.fromEntries(MEMBER_SERVICES.map((s) => [s, memberServiceUrl(ctx.settings, d, s)])), console: `http://127.0.0.1:${memberConsolePort(ctx.settings, d.index)}` },
    };
  });
}

/** The operator's principal is the Kafka tooling's own, kept in the stack's Kafka folder. */
function operatorKafka(ctx: StackContext): KafkaPrincipalState {
  return existsSync(principalFile(ctx, OPERATOR_PRINCIPAL)) ? 'created' : 'pending';
}

function fabricProcesses(ctx: StackContext, org: OrgRecord): DomainProcess[] {
  const peer = peerProcess(ctx, org);
  const chaincodes = ownChaincodeProcesses(ownChaincodeServerOf(ctx, org)).map((cc) => described(`chaincode-${cc.record.name}@${org.domain ?? org.mspId}`, cc.pid));
  return [described(`ca-${org.slug}`, caPid(ctx, org)), described(peer.name, livePid(peer.pidFile)), ...chaincodes];
}

function livePid(pidFile: string): number | undefined {
  const pid = readPid(pidFile);
  return isAlive(pid) ? pid : undefined;
}

function described(name: string, pid: number | undefined): DomainProcess {
  if (pid === undefined) return { name };
  return { name, pid, ...(processUser(pid) ? { user: processUser(pid) as string } : {}) };
}

/** The real user of a process, by its uid in /proc/<pid>/status. */
export function processUser(pid: number): string | undefined {
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (uid === undefined) return undefined;
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === uid);
    return line?.split(':')[0] ?? uid;
  } catch {
    return undefined;
  }
}

/**
 * The member domains' own stores (PostgreSQL, Redis) as a stack component, so `up` restarts and
 * `down` stops them; their CAs and peers are the Fabric component's, which runs them as the
 * domain's user.
 */
export const domains: Component = {
  name: 'domains',
  async start(ctx) {
    for (const d of members(ctx)) if (!isParked(ctx, d.name)) await startDomainStores(ctx, d);
  },
  async stop(ctx) {
    for (const d of members(ctx).reverse()) {
      await stopRedis(domainRedis(ctx, d));
      await stopPostgres(domainPostgres(ctx, d));
    }
  },
  async health(ctx) {
    const out: ComponentHealth[] = [];
    const orgs = loadRegistry(fabricDirs(ctx.settings)).orgs;
    for (const d of members(ctx)) {
      const parked = parkedOrgOf(orgs, d.name);
      if (parked) out.push(parkedHealth(`postgres@${d.name}`, parked), parkedHealth(`redis@${d.name}`, parked));
      else out.push(await postgresHealth(domainPostgres(ctx, d)), await redisHealth(domainRedis(ctx, d)));
    }
    return out;
  },
  logs(ctx) {
    const logs: Record<string, string> = {};
    for (const d of members(ctx)) {
      const p = domainPaths(ctx.settings, d.name);
      logs[`postgres@${d.name}`] = join(p.logs, 'postgres.log');
      logs[`redis@${d.name}`] = join(p.logs, 'redis.log');
    }
    return logs;
  },
};
