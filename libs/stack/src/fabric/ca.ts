import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackContext } from '../components/component';
import { isAlive, readPid, run, startDaemon, stopDaemon, waitForDaemon, type RunResult } from '../proc';
import { HOST, daemonBinaryOwner, daemonUser, fabricDirs, fabricPorts, loadRegistry, ownDaemonFolder, ownOrgFolder, saveRegistry, type OrgRecord } from './layout';
import { binaryFor, caBin } from './tools';

export const CA_REGISTRAR = 'admin';

export function caName(org: OrgRecord): string {
  return `ca-${org.slug}`;
}

export function caUrl(ctx: StackContext, org: OrgRecord): string {
  return `https://${HOST}:${fabricPorts(ctx.settings).ca(org).listen}`;
}

export function caTlsCert(ctx: StackContext, org: OrgRecord): string {
  return join(fabricDirs(ctx.settings).caHome(org), 'tls-cert.pem');
}

function pidFile(ctx: StackContext, org: OrgRecord): string {
  return join(fabricDirs(ctx.settings).runOf(org), `ca-${org.slug}.pid`);
}

export function caLogFile(ctx: StackContext, org: OrgRecord): string {
  return join(fabricDirs(ctx.settings).logsOf(org), `ca-${org.slug}.log`);
}

/**
 * The registrar secret of an org's CA, created once and kept in the stack registry, or, for an
 * org of a trust domain, in the domain's own folder (the operator's registry never holds it).
 */
export function caSecret(ctx: StackContext, org: OrgRecord): string {
  const dirs = fabricDirs(ctx.settings);
  if (org.domain) {
    const file = join(dirs.org(org), 'ca-registrar.secret');
    if (!existsSync(file)) {
      mkdirSync(dirs.org(org), { recursive: true });
      writeFileSync(file, randomBytes(18).toString('base64url'), { mode: 0o600, flag: 'wx' });
      ownOrgFolder(ctx.settings, org);
    }
    return readFileSync(file, 'utf8').trim();
  }
  const registry = loadRegistry(dirs);
  let secret = registry.caSecrets[org.mspId];
  if (!secret) {
    secret = randomBytes(18).toString('base64url');
    registry.caSecrets[org.mspId] = secret;
    saveRegistry(dirs, registry);
  }
  return secret;
}

/** Starts (initialising on first use) the org's Fabric CA with TLS, and waits for /cainfo. */
export async function startCa(ctx: StackContext, org: OrgRecord): Promise<void> {
  const home = fabricDirs(ctx.settings).caHome(org);
  const ports = fabricPorts(ctx.settings).ca(org);
  if (isAlive(readPid(pidFile(ctx, org)))) return;
  mkdirSync(home, { recursive: true });
  // A domain's CA runs as the domain's user and generates its own key in its home; the operator's
  // organisations' CAs as the operator's user.
  const user = daemonUser(org);
  const as = user ? { user } : {};
  ownDaemonFolder(ctx.settings, org);
  const common = [
    '--home', home,
    '--port', String(ports.listen),
    '--ca.name', caName(org),
    '--tls.enabled',
    '--csr.hosts', `${HOST},127.0.0.1`,
    '--operations.listenaddress', `127.0.0.1:${ports.operations}`,
  ];
  if (!existsSync(join(home, 'ca-cert.pem'))) {
    ctx.progress.step('fabric', `initialising Fabric CA ${caName(org)}`);
    await run(binaryFor(ctx.settings, caBin(ctx.settings, 'fabric-ca-server'), daemonBinaryOwner(org)), ['init', ...common, '--csr.cn', caName(org)], { cwd: home, ...as, env: { FABRIC_CA_SERVER_BOOT: `${CA_REGISTRAR}:${caSecret(ctx, org)}` } });
  }
  ctx.progress.step('fabric', `starting Fabric CA ${caName(org)} on ${HOST}:${ports.listen}`);
  startDaemon({ name: caName(org), cmd: binaryFor(ctx.settings, caBin(ctx.settings, 'fabric-ca-server'), daemonBinaryOwner(org)), args: ['start', ...common], cwd: home, ...as, logFile: caLogFile(ctx, org), pidFile: pidFile(ctx, org) });
  await waitForDaemon(`Fabric CA ${caName(org)}`, { pidFile: pidFile(ctx, org), logFile: caLogFile(ctx, org) }, () => caHealthy(ctx, org), 60000, caName(org));
}

export async function stopCa(ctx: StackContext, org: OrgRecord): Promise<void> {
  await stopDaemon(pidFile(ctx, org));
}

export function caPid(ctx: StackContext, org: OrgRecord): number | undefined {
  const pid = readPid(pidFile(ctx, org));
  return isAlive(pid) ? pid : undefined;
}

export async function caHealthy(ctx: StackContext, org: OrgRecord): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${fabricPorts(ctx.settings).ca(org).operations}/healthz`);
  return res.ok;
}

/**
 * fabric-ca-client as the user of the org's daemons (its domain's, or, for an organisation the
 * operator holds, `dw-operator`): an enrollment's key is generated where it will stay, by the user
 * who keeps it, never by the tooling (root). Secrets (an enrollment URL's, a registered identity's) go
 * in the environment, which only the process's own user can read, never on the command line, which
 * every user can (/proc/<pid>/cmdline).
 */
export function caClient(ctx: StackContext, org: OrgRecord, args: string[], home: string, secretEnv: Record<string, string> = {}): Promise<RunResult> {
  const user = daemonUser(org);
  // What the tooling made for the run (the client's home, the enrollment's parent folder) becomes that user's first.
  ownDaemonFolder(ctx.settings, org);
  return run(binaryFor(ctx.settings, caBin(ctx.settings, 'fabric-ca-client'), daemonBinaryOwner(org)), [...args, '--caname', caName(org), '--tls.certfiles', caTlsCert(ctx, org), '-H', home], { env: secretEnv, ...(user ? { user, cwd: home } : {}) });
}

function clientUrl(ctx: StackContext, org: OrgRecord, id: string, secret: string): string {
  const { listen } = fabricPorts(ctx.settings).ca(org);
  return `https://${encodeURIComponent(id)}:${encodeURIComponent(secret)}@${HOST}:${listen}`;
}

/** Enrolls the CA's bootstrap registrar, whose identity registers everyone else. */
export async function enrollRegistrar(ctx: StackContext, org: OrgRecord): Promise<void> {
  const home = fabricDirs(ctx.settings).caAdmin(org);
  if (existsSync(join(home, 'msp', 'signcerts', 'cert.pem'))) return;
  mkdirSync(home, { recursive: true });
  await caClient(ctx, org, ['enroll'], home, { FABRIC_CA_CLIENT_URL: clientUrl(ctx, org, CA_REGISTRAR, caSecret(ctx, org)) });
}

export type IdentityType = 'peer' | 'orderer' | 'client' | 'admin';

/** Registers an identity at the org's CA (no-op if it exists) with the given secret. */
export async function register(ctx: StackContext, org: OrgRecord, id: string, secret: string, type: IdentityType): Promise<void> {
  const home = fabricDirs(ctx.settings).caAdmin(org);
  try {
    await caClient(ctx, org, ['register', '--id.name', id, '--id.type', type, '-u', `https://${HOST}:${fabricPorts(ctx.settings).ca(org).listen}`], home, { FABRIC_CA_CLIENT_ID_SECRET: secret });
  } catch (e) {
    if (!(e instanceof Error && /already registered/i.test(e.message))) throw e;
  }
}

/**
 * Enrolls an identity into an MSP folder; with `tls` it enrolls a TLS certificate for the local
 * host names instead and lays it out as tls/{server.crt,server.key,ca.crt}.
 */
export async function enroll(ctx: StackContext, org: OrgRecord, id: string, secret: string, dir: string, tls = false): Promise<void> {
  const marker = tls ? join(dir, 'server.crt') : join(dir, 'signcerts', 'cert.pem');
  if (existsSync(marker)) return;
  const home = join(dir, '..', `.ca-client-${tls ? 'tls' : 'msp'}`);
  mkdirSync(home, { recursive: true });
  const target = tls ? join(home, 'tls-msp') : dir;
  rmSync(target, { recursive: true, force: true });
  const args = ['enroll', '-M', target];
  if (tls) args.push('--enrollment.profile', 'tls', '--csr.hosts', `${HOST},127.0.0.1`);
  await caClient(ctx, org, args, home, { FABRIC_CA_CLIENT_URL: clientUrl(ctx, org, id, secret) });
  if (tls) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(target, 'signcerts', 'cert.pem'), join(dir, 'server.crt'));
    // Moved, not copied: the key stays the file its user's client wrote (a copy would be the tooling's).
    renameSync(onlyFile(join(target, 'keystore')), join(dir, 'server.key'));
    copyFileSync(onlyFile(join(target, 'tlscacerts')), join(dir, 'ca.crt'));
  } else {
    // Stable file names make the MSP folders easy to point at from tools.
    copyFileSync(onlyFile(join(dir, 'cacerts')), join(dir, 'cacerts', 'ca.pem'));
    for (const f of readdirSync(join(dir, 'cacerts'))) if (f !== 'ca.pem') rmSync(join(dir, 'cacerts', f));
    writeNodeOus(dir);
  }
}

export function onlyFile(dir: string): string {
  const files = readdirSync(dir);
  if (files.length !== 1) throw new Error(`expected exactly one file in ${dir}, found ${files.length}`);
  return join(dir, files[0] as string);
}

/** NodeOUs let the MSP tell admins, peers, orderers and clients apart by their certificate's OU. */
export function writeNodeOus(mspDir: string): void {
  const ou = (name: string) => `  ${name}:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${name.replace('OUIdentifier', '').toLowerCase()}\n`;
  writeFileSync(
    join(mspDir, 'config.yaml'),
    `NodeOUs:\n  Enable: true\n${ou('ClientOUIdentifier')}${ou('PeerOUIdentifier')}${ou('AdminOUIdentifier')}${ou('OrdererOUIdentifier')}`,
  );
}
