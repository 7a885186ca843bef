import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomically } from './atomic-file';
import { dirname, join } from 'node:path';
import type { Component, ComponentHealth, StackContext } from './components/component';
import { kafka, kafkaBrokers } from './components/kafka';
import { kafkaSaslEnabled, OPERATOR_PRINCIPAL, principalFile } from './components/kafka-principals';
import { POSTGRES_DATABASE, POSTGRES_PASSWORD, POSTGRES_USER, postgres, postgresUrl } from './components/postgres';
import { redis } from './components/redis';
import { domains, domainsStatus, materialiseDomain, type DomainStatus } from './domains/domains';
import { operatorDomain } from './domains/domain';
import { giveOperatorFiles } from './domains/operator-files';
import type { StackConnection } from './connection';
import { StackError } from './errors';
import { peerAdminEnv } from './fabric/admin';
import { caName, caTlsCert, caSecret, caUrl, CA_REGISTRAR } from './fabric/ca';
import { HOST, fabricDirs, fabricPorts, findOrg, loadRegistry, ORDERER_ORG } from './fabric/layout';
import { fabric } from './fabric/network';
import { fabricBin } from './fabric/tools';
import { ordererProcess, peerProcess } from './fabric/nodes';
import { nodeNames } from './fabric/org';
import { installDebianPackages } from './install/debian';
import { goBinDir, installGoComponent } from './install/go-build';
import { installKafka } from './install/kafka';
import { withFileLock } from '@datawell/pid-files';
import { withStackLock } from './lock';
import { recordSettings } from './settings';
import { run } from './proc';

/** In start order; `down` stops them in reverse. `domains` holds the member domains' own stores. */
export const COMPONENTS: readonly Component[] = [postgres, redis, kafka, fabric, domains];

/**
 * Installs every component; idempotent, and quick once the machine-wide cache holds the builds. One
 * install at a time per cache (stacks of other folders share it: two builds of one binary, or two
 * apt runs, at once would collide); a process that waited finds the builds done.
 */
export async function install(ctx: StackContext): Promise<void> {
  mkdirSync(ctx.settings.cacheDir, { recursive: true });
  await withFileLock(
    join(ctx.settings.cacheDir, 'install.lock'),
    async () => {
      // All at once: on a fresh machine the Go builds are most of the install, and one build alone
      // leaves a core idle for much of its time (module downloads, single-threaded steps): one after
      // the other they kept 1.37 of 2 cores busy (338 s). Each waits for the others to end before a
      // failure is reported, so none runs on after the command has failed.
      const results = await Promise.allSettled([
        (async () => {
          await installDebianPackages(ctx.progress);
          await installKafka(ctx.settings.cacheDir, ctx.progress);
        })(),
        installGoComponent(ctx.settings.cacheDir, 'fabric', ctx.progress),
        installGoComponent(ctx.settings.cacheDir, 'fabricCa', ctx.progress),
        ctx.settings.terraformBinary
          ? Promise.resolve(ctx.progress.step('opentofu', `using ${ctx.settings.terraformBinary} (DATAWELL_TERRAFORM_BINARY)`))
          : installGoComponent(ctx.settings.cacheDir, 'opentofu', ctx.progress),
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    {
      timeoutMs: 90 * 60_000,
      onWait: (owner) => ctx.progress.step('install', `waiting for process ${owner}, which is installing into ${ctx.settings.cacheDir}`),
      busy: (owner) => new StackError('INSTALL_FAILED', `process ${owner} has been installing into ${ctx.settings.cacheDir} for 90 minutes`),
    },
  );
}

export function tofuBinary(ctx: StackContext): string {
  return ctx.settings.terraformBinary ?? join(goBinDir(ctx.settings.cacheDir, 'opentofu'), 'tofu');
}

export function connectionFile(ctx: StackContext): string {
  return join(ctx.settings.stackDir, 'connection.json');
}

/** Installs what is missing, starts every component in order and waits until each is healthy. */
export async function up(ctx: StackContext, only?: readonly string[]): Promise<StackConnection> {
  const components = select(only);
  return withStackLock(ctx, async () => {
    await install(ctx);
    recordSettings(ctx.settings);
    // The operator's domain (its OS user and folder) first: its processes run as its user.
    if (process.getuid?.() === 0) {
      materialiseDomain(ctx, operatorDomain(ctx.settings));
      giveOperatorFiles(ctx.settings);
    }
    for (const c of components) await c.start(ctx);
    const connection = buildConnection(ctx);
    writeFileAtomically(connectionFile(ctx), `${JSON.stringify(connection, null, 2)}\n`, 0o600);
    return connection;
  });
}

export async function down(ctx: StackContext, only?: readonly string[]): Promise<void> {
  await withStackLock(ctx, async () => {
    for (const c of [...select(only)].reverse()) {
      ctx.progress.step(c.name, 'stopping');
      await c.stop(ctx);
    }
  });
}

export interface StackStatus {
  readonly healthy: boolean;
  readonly stackDir: string;
  readonly components: readonly ComponentHealth[];
  /** The trust domains: the operator's and one per participant added with `./dev domain add`. */
  readonly domains: readonly DomainStatus[];
}

export async function status(ctx: StackContext): Promise<StackStatus> {
  const components: ComponentHealth[] = [];
  for (const c of COMPONENTS) components.push(...(await c.health(ctx)));
  components.push(await tofuHealth(ctx));
  return { healthy: components.every((c) => c.healthy), stackDir: ctx.settings.stackDir, components, domains: domainsStatus(ctx, components) };
}

async function tofuHealth(ctx: StackContext): Promise<ComponentHealth> {
  const bin = tofuBinary(ctx);
  if (!existsSync(bin)) return { name: 'opentofu', healthy: false, detail: `not installed (${bin})` };
  try {
    const { stdout } = await run(bin, ['version', '-json']);
    const v = (JSON.parse(stdout) as { terraform_version?: string }).terraform_version ?? 'unknown';
    return { name: 'opentofu', healthy: true, detail: `${bin.endsWith('tofu') ? 'OpenTofu' : 'Terraform'} ${v} at ${bin}` };
  } catch (e) {
    return { name: 'opentofu', healthy: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** Stops everything and deletes the project-local runtime folder (data, crypto material, logs). */
export async function reset(ctx: StackContext): Promise<void> {
  await down(ctx);
  // The lock file lives in the folder being removed, so no lock is held here.
  rmSync(ctx.settings.stackDir, { recursive: true, force: true });
  ctx.progress.step('stack', `removed ${ctx.settings.stackDir}`);
}

/** Log files by process name: `postgres`, `kafka`, `orderer0.orderer`, `peer0.operator`, … */
export function logFiles(ctx: StackContext): Record<string, string> {
  return Object.assign({}, ...COMPONENTS.map((c) => c.logs(ctx))) as Record<string, string>;
}

export function readLog(ctx: StackContext, name: string, lines = 200): string {
  const files = logFiles(ctx);
  const file = files[name];
  if (!file) throw new StackError('UNKNOWN_COMPONENT', `no log named "${name}"; known: ${Object.keys(files).join(', ')}`);
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
}

export function select(only?: readonly string[]): Component[] {
  if (!only || only.length === 0) return [...COMPONENTS];
  const unknown = only.filter((n) => !COMPONENTS.some((c) => c.name === n));
  if (unknown.length) throw new StackError('UNKNOWN_COMPONENT', `unknown component ${unknown.join(', ')}; known: ${COMPONENTS.map((c) => c.name).join(', ')}`);
  return COMPONENTS.filter((c) => only.includes(c.name));
}

export function buildConnection(ctx: StackContext): StackConnection {
  const dirs = fabricDirs(ctx.settings);
  const registry = loadRegistry(dirs);
  const orgs: Record<string, StackConnection['fabric']['orgs'][string]> = {};
  // A domain's organisation is its own: its registrar secret and admin keys are not the tooling's to hand out.
  for (const org of registry.orgs.filter((o) => o.kind === 'peer' && !o.domain)) {
    const peer = peerProcess(ctx, org);
    orgs[org.mspId] = {
      mspId: org.mspId,
      peer: { name: peer.name, endpoint: peer.endpoint, hostAlias: HOST, tlsCaFile: join(dirs.orgMsp(org), 'tlscacerts', 'ca.pem') },
      caUrl: caUrl(ctx, org),
      caName: caName(org),
      caTlsCertFile: caTlsCert(ctx, org),
      adminMspDir: dirs.adminMsp(org),
      registrar: { id: CA_REGISTRAR, secret: caSecret(ctx, org) },
    };
  }
  const orderers = nodeNames(ctx, ORDERER_ORG).map((_, i) => {
    const o = ordererProcess(ctx, i);
    return { name: o.name, endpoint: o.endpoint, hostAlias: HOST, tlsCaFile: join(o.home, 'tls', 'ca.crt'), adminEndpoint: `${HOST}:${fabricPorts(ctx.settings).orderer(i).admin}` };
  });
  return {
    stackDir: ctx.settings.stackDir,
    postgres: { host: '127.0.0.1', port: ctx.settings.ports.postgres, user: POSTGRES_USER, password: POSTGRES_PASSWORD, database: POSTGRES_DATABASE, url: postgresUrl(ctx) },
    redis: { host: '127.0.0.1', port: ctx.settings.ports.redis, url: `redis://127.0.0.1:${ctx.settings.ports.redis}` },
    kafka: { brokers: kafkaBrokers(ctx), ...(kafkaSaslEnabled(ctx) ? { credentialsFile: principalFile(ctx, OPERATOR_PRINCIPAL) } : {}) },
    fabric: { orderers, orgs, channels: Object.keys(registry.channels) },
    opentofu: { binary: tofuBinary(ctx) },
  };
}

/** Shell exports that let Fabric's own `peer` CLI act as the org's admin. */
export function envExports(ctx: StackContext, mspId: string): string {
  const org = findOrg(loadRegistry(fabricDirs(ctx.settings)), mspId);
  if (org.kind !== 'peer') throw new StackError('UNKNOWN_ORG', `${mspId} runs orderers, not a peer; use osnadmin with the ORDERER_ADMIN_* variables of a peer org`, 'fabric');
  const lines = Object.entries(peerAdminEnv(ctx, org)).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  // Fabric's own binaries first on PATH, so `peer`, `osnadmin` and `configtxlator` are the pinned ones.
  lines.push(`export PATH=${shellQuote(dirname(fabricBin(ctx.settings, 'peer')))}:"$PATH"`);
  return lines.join('\n');
}

function shellQuote(v: string): string {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}
