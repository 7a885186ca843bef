import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '@datawell/contracts';
import { withFileLock } from '@datawell/pid-files';
import { buildDist, DIST } from '../build/build';
import { binaryFor, connectionEnv, domainPaths, giveOperatorFiles, operatorToolsCache, enrollClientIdentity, isAlive, listDomains, materialiseDomain, operatorDomain, OPERATOR_DOMAIN, osUser, readPid, servicePorts, serviceUrl, startDaemon, stopDaemon, stopWorkloadsUnder, waitFor, type StackConnection, type StackContext } from '@datawell/stack';

export interface ServiceState {
  readonly name: ServiceName;
  readonly url: string;
  readonly healthy: boolean;
  readonly pid?: number;
  readonly detail: string;
  readonly logFile: string;
}

function files(ctx: StackContext, name: ServiceName) {
  return { pid: join(ctx.settings.stackDir, 'run', `service-${name}.pid`), log: join(ctx.settings.stackDir, 'logs', `service-${name}.log`) };
}

export { servicePorts, serviceUrl };

async function health(ctx: StackContext, name: ServiceName): Promise<{ ok: boolean; detail: string }> {
  return healthAt(serviceUrl(ctx.settings, name));
}

/** A service's /health at `url`: whether it is ready, and its dependencies' states. */
export async function healthAt(url: string): Promise<{ ok: boolean; detail: string }> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
  const body = (await res.json()) as { status?: string; details?: Record<string, { status: string }> };
  const deps = Object.entries(body.details ?? {}).map(([k, v]) => `${k} ${v.status}`).join(', ');
  return { ok: res.ok, detail: deps || (body.status ?? String(res.status)) };
}

/**
 * The ledger bridge is the operator's: it reaches Fabric through the operator's peer as an
 * identity enrolled at the operator's CA (kept in its wallet folder), and administers the native
 * network through the stack folder.
 */
async function ledgerBridgeEnv(ctx: StackContext, connection: StackConnection, repoDir: string): Promise<Record<string, string>> {
  const operator = connection.fabric.orgs['OperatorMSP'];
  if (!operator) throw new Error('the stack has no OperatorMSP organisation');
  const walletDir = join(ctx.settings.stackDir, 'wallet');
  const file = join(walletDir, 'OperatorMSP.json');
  if (!existsSync(file)) {
    const identity = await enrollClientIdentity(ctx, 'OperatorMSP', 'ledger-bridge');
    mkdirSync(walletDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify({ mspId: 'OperatorMSP', certificatePem: identity.certificatePem, privateKeyPem: identity.privateKeyPem }), { mode: 0o600 });
  }
  return {
    LEDGER_BRIDGE_PEER_ENDPOINT: operator.peer.endpoint,
    LEDGER_BRIDGE_PEER_HOST_ALIAS: operator.peer.hostAlias,
    LEDGER_BRIDGE_PEER_TLS_CA_FILE: operator.peer.tlsCaFile,
    LEDGER_BRIDGE_WALLET_DIR: walletDir,
    LEDGER_BRIDGE_ADMIN_STACK_DIR: ctx.settings.stackDir,
    LEDGER_BRIDGE_ADMIN_CACHE_DIR: ctx.settings.cacheDir,
    LEDGER_BRIDGE_ADMIN_REPO_DIR: repoDir,
  };
}

/**
 * The operator's MPC mesh CA under the stack folder (made once): the provisioner issues the
 * certificates of the SPDZ nodes it runs from it, and the coordinator calls them with its own.
 */
async function mpcPkiEnv(ctx: StackContext): Promise<{ provisioner: Record<string, string>; coordinator: Record<string, string> }> {
  const dir = join(ctx.settings.stackDir, 'mpc-pki');
  const file = (name: string) => join(dir, name);
  if (!['ca.crt', 'ca.key', 'coordinator.crt', 'coordinator.key'].every((f) => existsSync(file(f)))) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // @datawell/mpc (its index loads the X.509 library) only here, once per stack: every command that
    // reads the services' state (stack, domain, dao…) loaded it at each ./dev start otherwise.
    const { createMpcCa, issueMpcCertificate } = await import('./mpc-lazy');
    const ca = await createMpcCa('datawell-mpc-ca');
    const coordinator = await issueMpcCertificate(ca, 'mpc-coordinator', 3650);
    writeFileSync(file('ca.key'), ca.key, { mode: 0o600 });
    writeFileSync(file('ca.crt'), ca.cert);
    writeFileSync(file('coordinator.key'), coordinator.key, { mode: 0o600 });
    writeFileSync(file('coordinator.crt'), coordinator.cert);
  }
  return {
    provisioner: { PROVISIONER_MPC_CA_CERT_FILE: file('ca.crt'), PROVISIONER_MPC_CA_KEY_FILE: file('ca.key') },
    coordinator: {
      MPC_COORDINATOR_NODE_TLS_CA_FILE: file('ca.crt'),
      MPC_COORDINATOR_NODE_TLS_CERT_FILE: file('coordinator.crt'),
      MPC_COORDINATOR_NODE_TLS_KEY_FILE: file('coordinator.key'),
    },
  };
}

/**
 * Compiles the services and workload programs into dist/ when their sources changed since the last
 * build (a stat-only fingerprint; see build.ts), so every process runs JavaScript rather than
 * transpiling TypeScript at each start.
 */
export async function buildServices(ctx: StackContext, repoDir: string): Promise<void> {
  const report = await buildDist(repoDir, (message) => ctx.progress.step('build', message));
  if (report.written > 0 || report.removed > 0) ctx.progress.step('build', `${report.written} file(s) compiled, ${report.removed} removed in ${report.ms} ms`);
}

/** A service's environment against the stack, as `./dev` starts it. */
export async function serviceEnv(ctx: StackContext, connection: StackConnection, repoDir: string, name: ServiceName): Promise<Record<string, string>> {
  return {
    ...connectionEnv(connection),
    ...(name === 'ledger-bridge' ? await ledgerBridgeEnv(ctx, connection, repoDir) : {}),
    ...(name === 'provisioner' ? (await mpcPkiEnv(ctx)).provisioner : {}),
    ...(name === 'mpc-coordinator' ? (await mpcPkiEnv(ctx)).coordinator : {}),
    [SERVICES[name].portVariable]: String(servicePorts(ctx.settings, name).http),
    [SERVICES[name].grpcPortVariable]: String(servicePorts(ctx.settings, name).grpc),
    DATAWELL_LOG_LEVEL: 'log',
    NODE_ENV: 'development',
  };
}

/**
 * The operator's services, all of which run as the operator domain's OS user (`dw-operator`), not
 * as the tooling's: they hold no key of a member. Most need none of the stack's own files, only the
 * operator's Kafka credentials and (the coordinator) its client certificate for the nodes, which
 * are given to them in the operator's domain folder (mode 0700, the user's). The ledger bridge
 * administers the operator's part of the native network and the provisioner keeps its work folder
 * in the stack folder: those paths, and only those, are the operator's (giveOperatorFiles,
 * docs/security.md "What runs as whom"). None of them can read a member domain's folder.
 */
export const OPERATOR_USER_SERVICES: readonly ServiceName[] = SERVICE_NAMES;

/**
 * A service's own settings (`MARKETPLACE_…` for the marketplace, and so on) from the tooling's
 * environment, for a process of another OS user (it starts with a clean environment): what a person
 * sets for `./dev up`, e.g. `MARKETPLACE_ADMISSION`, still reaches the service.
 */
export function ownSettings(name: ServiceName, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const prefix = SERVICES[name].portVariable.replace(/HTTP_PORT$/, '');
  // NODE_OPTIONS too, and the test run's mark (./dev test finds what a run left running by it).
  const passed = new Set(['NODE_OPTIONS', 'DATAWELL_TEST_RUN_MARK']);
  return Object.fromEntries(Object.entries(from).filter((e): e is [string, string] => e[1] !== undefined && (e[0].startsWith(prefix) || passed.has(e[0]))));
}

/** The operator domain's OS user (`dw-operator`), with its folder made (idempotent). */
export function operatorUser(ctx: StackContext): string {
  const d = operatorDomain(ctx.settings);
  materialiseDomain(ctx, d);
  return d.osUser;
}

/** The log file exists and belongs to `user` before its process writes to it. */
export function ownedLog(file: string, user: string): void {
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const { uid, gid } = osUser(user);
  chownSync(file, uid, gid);
}

/**
 * The operator's domain (its OS user and folder) and the secrets its services read, copied from the
 * tooling's folders into its own `secrets/` (mode 0600, the user's) when they differ: the operator's
 * Kafka credentials and the coordinator's node TLS files. Returns the settings that point at them.
 */
function operatorDomainSecrets(ctx: StackContext, connection: StackConnection, env: Record<string, string>): Record<string, string> {
  const { uid, gid } = osUser(operatorUser(ctx));
  const secrets = domainPaths(ctx.settings, OPERATOR_DOMAIN).secrets;
  mkdirSync(secrets, { recursive: true, mode: 0o700 });
  chownSync(secrets, uid, gid);
  const own = (source: string, name: string): string => {
    const target = join(secrets, name);
    const bytes = readFileSync(source);
    if (!existsSync(target) || !readFileSync(target).equals(bytes)) writeFileSync(target, bytes, { mode: 0o600 });
    chownSync(target, uid, gid);
    return target;
  };
  const out: Record<string, string> = {};
  if (connection.kafka.credentialsFile) out['DATAWELL_KAFKA_CREDENTIALS_FILE'] = own(connection.kafka.credentialsFile, 'kafka.json');
  for (const [variable, name] of [
    ['MPC_COORDINATOR_NODE_TLS_CA_FILE', 'mpc-ca.crt'],
    ['MPC_COORDINATOR_NODE_TLS_CERT_FILE', 'mpc-coordinator.crt'],
    ['MPC_COORDINATOR_NODE_TLS_KEY_FILE', 'mpc-coordinator.key'],
    // The provisioner's: the operator's MPC mesh CA, which issues the certificates of the nodes it runs.
    ['PROVISIONER_MPC_CA_CERT_FILE', 'mpc-ca.crt'],
    ['PROVISIONER_MPC_CA_KEY_FILE', 'mpc-ca.key'],
  ] as const) {
    if (env[variable]) out[variable] = own(env[variable], name);
  }
  return out;
}

/**
 * What the ledger bridge and the provisioner need besides their secrets, as `dw-operator`: the
 * operator's paths of the stack folder given to it (giveOperatorFiles), the Fabric tools in a cache
 * it may enter (the bridge), and OpenTofu where it may run it (the provisioner).
 */
function operatorDomainFiles(ctx: StackContext, connection: StackConnection, name: ServiceName): Record<string, string> {
  if (name !== 'ledger-bridge' && name !== 'provisioner') return {};
  giveOperatorFiles(ctx.settings);
  if (name === 'ledger-bridge') return { LEDGER_BRIDGE_ADMIN_CACHE_DIR: operatorToolsCache(ctx.settings, osUser(operatorUser(ctx))) };
  return { PROVISIONER_TOFU_BINARY: binaryFor(ctx.settings, connection.opentofu.binary, { domain: OPERATOR_DOMAIN }) };
}

/** A service's compiled entry point. */
export function serviceEntry(repoDir: string, name: ServiceName): string {
  return join(repoDir, DIST, 'services', name, 'src', 'main.js');
}

/** Starts every service that is not running as a native process against the stack, and waits for /health. */
/**
 * Starts the operator's services that are not running, and waits until each is healthy. Two callers
 * at once (two e2e files, a person's `./dev services start` beside a test run) take turns on
 * `run/services.lock`: both saw a service down and started it twice, and the second lost its port.
 */
export async function startServices(ctx: StackContext, connection: StackConnection, repoDir: string): Promise<void> {
  await buildServices(ctx, repoDir);
  await withFileLock(join(ctx.settings.stackDir, 'run', 'services.lock'), () => startMissingServices(ctx, connection, repoDir), {
    timeoutMs: 300_000,
    onWait: (owner) => ctx.progress.step('services', `waiting for process ${owner}, which is starting the services`),
    busy: (owner) => new Error(`the operator's services are being started by process ${owner} for more than five minutes`),
  });
}

async function startMissingServices(ctx: StackContext, connection: StackConnection, repoDir: string): Promise<void> {
  for (const name of SERVICE_NAMES) {
    const f = files(ctx, name);
    if (isAlive(readPid(f.pid))) continue;
    const env = await serviceEnv(ctx, connection, repoDir, name);
    const user = OPERATOR_USER_SERVICES.includes(name) ? operatorUser(ctx) : undefined;
    ctx.progress.step('services', `starting ${name} on ${serviceUrl(ctx.settings, name)}${user ? ` as ${user}` : ''}`);
    if (user) ownedLog(f.log, user);
    startDaemon({
      name,
      cmd: process.execPath,
      args: ['--enable-source-maps', serviceEntry(repoDir, name)],
      cwd: repoDir,
      env: user ? { ...ownSettings(name), ...env, ...operatorDomainSecrets(ctx, connection, env), ...operatorDomainFiles(ctx, connection, name) } : env,
      ...(user ? { user } : {}),
      logFile: f.log,
      pidFile: f.pid,
    });
  }
  for (const name of SERVICE_NAMES) {
    await waitFor(`service ${name}`, async () => {
      if (!isAlive(readPid(files(ctx, name).pid))) throw new Error(`it exited; see ${files(ctx, name).log}`);
      return (await health(ctx, name)).ok;
    }, 90000, name);
  }
}

export async function stopServices(ctx: StackContext): Promise<void> {
  // All at once: each takes seconds to leave its Kafka groups (a CI run spent ~35 s per e2e file
  // stopping them one after another), and they talk only through Kafka, which keeps what one sent.
  await Promise.all(
    SERVICE_NAMES.map(async (name) => {
      if (await stopDaemon(files(ctx, name).pid)) ctx.progress.step('services', `stopped ${name}`);
    }),
  );
}

/**
 * Stops the managed workloads the provisioners run (detached supervisors that outlive the services):
 * the operator's provisioner's under the stack folder, and each member domain's provisioner's in that
 * domain's folder. SIGTERM to each supervisor's process group, which ends its workload. Their folders
 * and keys stay, so each provisioner starts them again when it next boots.
 */
export async function stopWorkloads(ctx: StackContext): Promise<number> {
  const roots = [
    join(ctx.settings.stackDir, 'provisioner', 'workloads'),
    ...listDomains(ctx)
      .filter((d) => d.role !== 'operator')
      .map((d) => join(domainPaths(ctx.settings, d.name).run, 'provisioner', 'workloads')),
  ];
  let stopped = 0;
  for (const root of roots) stopped += await stopWorkloadsUnder(root);
  if (stopped > 0) ctx.progress.step('services', `stopped ${stopped} provisioned workload(s)`);
  return stopped;
}

export async function servicesStatus(ctx: StackContext): Promise<ServiceState[]> {
  const out: ServiceState[] = [];
  for (const name of SERVICE_NAMES) {
    const f = files(ctx, name);
    const pid = readPid(f.pid);
    const base = { name, url: serviceUrl(ctx.settings, name), logFile: f.log };
    if (!isAlive(pid)) {
      out.push({ ...base, healthy: false, detail: 'not running' });
      continue;
    }
    try {
      const h = await health(ctx, name);
      out.push({ ...base, healthy: h.ok, pid: pid as number, detail: h.detail });
    } catch (e) {
      out.push({ ...base, healthy: false, pid: pid as number, detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

/** Stops one service (SIGTERM, then its shutdown hooks) and starts it again against the same stack. */
export async function restartService(ctx: StackContext, connection: StackConnection, repoDir: string, name: ServiceName): Promise<void> {
  await stopDaemon(files(ctx, name).pid);
  await startServices(ctx, connection, repoDir);
}
