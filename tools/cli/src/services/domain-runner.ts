import {
  isAlive,
  isParked,
  listDomains,
  MEMBER_SERVICES,
  memberServiceFiles,
  memberServiceGrpcAddress,
  memberServiceLaunch,
  memberServiceUrl,
  readPid,
  StackError,
  startDaemon,
  stopDaemon,
  waitFor,
  type MemberServiceName,
  type StackConnection,
  type StackContext,
} from '@datawell/stack';
import { buildServices, healthAt, ownedLog, serviceEntry } from './runner';

/** A member service of a member domain, as `./dev domain services` reports it. */
export interface MemberServiceState {
  readonly domain: string;
  readonly name: MemberServiceName;
  readonly url: string;
  /** host:port of its gRPC where it serves it at a fixed port (the ledger bridge's usage trail). */
  readonly grpcAddress?: string;
  readonly healthy: boolean;
  readonly pid?: number;
  readonly detail: string;
  readonly logFile: string;
}

/** The member domains (all, or those named: an unknown name is an UNKNOWN_DOMAIN error). */
export function memberDomains(ctx: StackContext, only?: readonly string[]) {
  const members = listDomains(ctx).filter((d) => d.role !== 'operator');
  if (!only) return members;
  return only.map((name) => {
    const d = members.find((x) => x.name === name);
    if (!d) throw new StackError('UNKNOWN_DOMAIN', `no member domain ${name} (members: ${members.map((x) => x.name).join(', ') || 'none'})`, 'domains');
    return d;
  });
}

/**
 * Starts the member-mode services of member domains (all, or those named) that are not running:
 * each as its domain's OS user, from the compiled entry points, with the domain's own settings
 * (see memberServiceLaunch), and waits for their /health.
 */
export async function startMemberServices(ctx: StackContext, connection: StackConnection, repoDir: string, only?: readonly string[]): Promise<void> {
  // A parked domain's stores are stopped: its services wait until it is added again.
  const parked = (only ?? []).filter((name) => isParked(ctx, name));
  if (parked.length > 0) throw new StackError('DOMAIN_PARKED', `domain ${parked.join(', ')} is parked; ./dev domain add takes it up again`, 'domains');
  const domains = memberDomains(ctx, only).filter((d) => !isParked(ctx, d.name));
  if (domains.length === 0) return;
  await buildServices(ctx, repoDir);
  const started: Array<{ domain: string; service: MemberServiceName; url: string; pidFile: string; logFile: string }> = [];
  for (const d of domains) {
    for (const service of MEMBER_SERVICES) {
      const files = memberServiceFiles(ctx.settings, d.name, service);
      if (isAlive(readPid(files.pidFile))) continue;
      const launch = await memberServiceLaunch(ctx, connection, d.mspId, service);
      ctx.progress.step('domains', `starting ${service} of ${d.name} on ${launch.url} as ${launch.user}`);
      ownedLog(launch.logFile, launch.user);
      startDaemon({ name: `${service}@${d.name}`, cmd: process.execPath, args: ['--enable-source-maps', serviceEntry(repoDir, service)], cwd: repoDir, env: launch.env, user: launch.user, logFile: launch.logFile, pidFile: launch.pidFile });
      started.push({ domain: d.name, service, url: launch.url, ...files });
    }
  }
  for (const s of started) {
    await waitFor(`${s.service} of ${s.domain}`, async () => {
      if (!isAlive(readPid(s.pidFile))) throw new Error(`it exited; see ${s.logFile}`);
      return (await healthAt(s.url)).ok;
    }, 120_000, 'domains');
  }
}

export async function stopMemberServices(ctx: StackContext, only?: readonly string[]): Promise<void> {
  // All at once: each takes seconds to leave its Kafka groups, and none waits for another.
  await Promise.all(
    memberDomains(ctx, only).flatMap((d) =>
      MEMBER_SERVICES.map(async (service) => {
        if (await stopDaemon(memberServiceFiles(ctx.settings, d.name, service).pidFile)) ctx.progress.step('domains', `stopped ${service} of ${d.name}`);
      }),
    ),
  );
}

export async function memberServicesStatus(ctx: StackContext, only?: readonly string[]): Promise<MemberServiceState[]> {
  const out: MemberServiceState[] = [];
  // Parked domains are listed only when named: their services are stopped on purpose.
  for (const d of memberDomains(ctx, only).filter((x) => only !== undefined || !isParked(ctx, x.name))) {
    for (const name of MEMBER_SERVICES) {
      const files = memberServiceFiles(ctx.settings, d.name, name);
      const pid = readPid(files.pidFile);
      const grpcAddress = memberServiceGrpcAddress(ctx.settings, d, name);
      const base = { domain: d.name, name, url: memberServiceUrl(ctx.settings, d, name), ...(grpcAddress ? { grpcAddress } : {}), logFile: files.logFile };
      if (!isAlive(pid)) {
        out.push({ ...base, healthy: false, detail: isParked(ctx, d.name) ? 'parked (./dev domain add takes it up again)' : 'not running' });
        continue;
      }
      try {
        const h = await healthAt(base.url);
        out.push({ ...base, healthy: h.ok, pid: pid as number, detail: h.detail });
      } catch (e) {
        out.push({ ...base, healthy: false, pid: pid as number, detail: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  return out;
}

/** Stops one member service of a domain (SIGTERM, as a deploy would) and starts it again, waiting for its /health. */
export async function restartMemberService(ctx: StackContext, connection: StackConnection, repoDir: string, domain: string, service: MemberServiceName): Promise<void> {
  await stopDaemon(memberServiceFiles(ctx.settings, domain, service).pidFile);
  await startMemberServices(ctx, connection, repoDir, [domain]);
}
