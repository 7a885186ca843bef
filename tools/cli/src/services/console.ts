import { join } from 'node:path';
import {
  isAlive,
  isParked,
  memberConsoleFiles,
  memberConsolePort,
  memberServiceUrl,
  readPid,
  run,
  StackError,
  startDaemon,
  stopDaemon,
  waitFor,
  type DomainRecord,
  type StackContext,
} from '@datawell/stack';
import { memberDomains } from './domain-runner';
import { operatorUser, ownedLog, serviceUrl } from './runner';


export interface ConsoleState {
  readonly name: 'console';
  readonly url: string;
  readonly healthy: boolean;
  readonly pid?: number;
  readonly detail: string;
  readonly logFile: string;
}

/** Where ./dev serves the console: the stack's console port (4200 by default; it moves with DATAWELL_FABRIC_PORT_BASE, or DATAWELL_CONSOLE_PORT). */
export const consoleUrl = (ctx: StackContext): string => `http://127.0.0.1:${ctx.settings.ports.console}`;

function files(ctx: StackContext) {
  return { pid: join(ctx.settings.stackDir, 'run', 'console.pid'), log: join(ctx.settings.stackDir, 'logs', 'console.log') };
}

/** The console's own entry point (apps/console/server/main.ts: build | serve), run as a process: ./dev does not import the app. */
function entry(repoDir: string): string[] {
  return ['--enable-source-maps', '-r', '@swc-node/register', join(repoDir, 'apps', 'console', 'server', 'main.ts')];
}

async function answers(ctx: StackContext): Promise<boolean> {
  return answersAt(consoleUrl(ctx));
}

async function answersAt(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return response.ok;
}

/** Builds the console when its sources changed (server/main.ts build, as a process); whether it did. */
export async function buildConsoleBundle(ctx: StackContext, repoDir: string): Promise<boolean> {
  const built = await run(process.execPath, [...entry(repoDir), 'build'], { cwd: repoDir });
  const { built: changed } = JSON.parse(built.stdout.trim().split('\n').pop() ?? '{}') as { built?: boolean };
  if (changed) ctx.progress.step('console', 'built the console');
  return changed === true;
}

/**
 * Builds the console when its sources changed (Vite; a content fingerprint, see server/build.ts) and
 * serves it on the stack's console port with /api/marketplace and /api/negotiation proxied to those services, and /api/operator
 * to the operator's ledger bridge (the operator's page, for its administrators) (a running server serves a new build as it is).
 */
export async function startConsole(ctx: StackContext, repoDir: string): Promise<void> {
  await buildConsoleBundle(ctx, repoDir);
  const f = files(ctx);
  if (!isAlive(readPid(f.pid))) {
    // The operator's console holds no key and reads no stack file: it runs as the operator domain's user.
    const user = operatorUser(ctx);
    ctx.progress.step('console', `serving the console on ${consoleUrl(ctx)} as ${user}`);
    ownedLog(f.log, user);
    startDaemon({
      name: 'console',
      cmd: process.execPath,
      args: [...entry(repoDir), 'serve', '--port', String(ctx.settings.ports.console), '--marketplace', serviceUrl(ctx.settings, 'marketplace'), '--negotiation', serviceUrl(ctx.settings, 'negotiation'), '--operator', serviceUrl(ctx.settings, 'ledger-bridge')],
      cwd: repoDir,
      user,
      logFile: f.log,
      pidFile: f.pid,
    });
  }
  await waitFor('console', async () => {
    if (!isAlive(readPid(f.pid))) throw new Error(`it exited; see ${f.log}`);
    return answers(ctx);
  }, 30_000, 'console');
}

export async function stopConsole(ctx: StackContext): Promise<void> {
  if (await stopDaemon(files(ctx).pid)) ctx.progress.step('console', 'stopped the console');
}

export async function consoleStatus(ctx: StackContext): Promise<ConsoleState> {
  const f = files(ctx);
  const pid = readPid(f.pid);
  const base = { name: 'console' as const, url: consoleUrl(ctx), logFile: f.log };
  if (!isAlive(pid)) return { ...base, healthy: false, detail: 'not running' };
  try {
    const ok = await answers(ctx);
    return { ...base, healthy: ok, pid: pid as number, detail: ok ? 'serving' : 'not answering' };
  } catch (e) {
    return { ...base, healthy: false, pid: pid as number, detail: e instanceof Error ? e.message : String(e) };
  }
}

/** A member domain's console, as `./dev domain consoles` and `./dev up` report it. */
export interface MemberConsoleState {
  readonly domain: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly pid?: number;
  readonly detail: string;
  readonly logFile: string;
}

const memberConsoleUrl = (ctx: StackContext, d: DomainRecord) => `http://127.0.0.1:${memberConsolePort(ctx.settings, d.index)}`;

/**
 * The console of each member domain (all, or those named) that is not running, served in the
 * member's own domain: a process of the domain's OS user on the domain's console port, with the
 * operator's marketplace, negotiation and MPC coordinator (which only schedules) and the domain's own
 * ledger bridge, provisioner and telemetry behind it, so the private pages (its DAOs, infrastructure, workloads, governance, usage
 * trail) talk to the member's own services only. The bundle is the operator's console's (built here
 * when its sources changed); the console holds no key (a person's key stays in the browser).
 */
export async function startMemberConsoles(ctx: StackContext, repoDir: string, only?: readonly string[]): Promise<void> {
  const parked = (only ?? []).filter((name) => isParked(ctx, name));
  if (parked.length > 0) throw new StackError('DOMAIN_PARKED', `domain ${parked.join(', ')} is parked; ./dev domain add takes it up again`, 'domains');
  const domains = memberDomains(ctx, only).filter((d) => !isParked(ctx, d.name));
  if (domains.length === 0) return;
  await buildConsoleBundle(ctx, repoDir);
  const started: Array<{ domain: string; url: string; pidFile: string; logFile: string }> = [];
  for (const d of domains) {
    const f = memberConsoleFiles(ctx.settings, d.name);
    if (isAlive(readPid(f.pidFile))) continue;
    const url = memberConsoleUrl(ctx, d);
    ctx.progress.step('console', `serving ${d.name}'s console on ${url} as ${d.osUser}`);
    ownedLog(f.logFile, d.osUser);
    startDaemon({
      name: `console@${d.name}`,
      cmd: process.execPath,
      args: [
        ...entry(repoDir),
        'serve',
        '--port', String(memberConsolePort(ctx.settings, d.index)),
        '--marketplace', serviceUrl(ctx.settings, 'marketplace'),
        '--negotiation', serviceUrl(ctx.settings, 'negotiation'),
        '--member', memberServiceUrl(ctx.settings, d, 'ledger-bridge'),
        '--provisioner', memberServiceUrl(ctx.settings, d, 'provisioner'),
        '--telemetry', memberServiceUrl(ctx.settings, d, 'telemetry'),
        '--coordinator', serviceUrl(ctx.settings, 'mpc-coordinator'),
      ],
      cwd: repoDir,
      user: d.osUser,
      logFile: f.logFile,
      pidFile: f.pidFile,
    });
    started.push({ domain: d.name, url, ...f });
  }
  for (const s of started) {
    await waitFor(`the console of ${s.domain}`, async () => {
      if (!isAlive(readPid(s.pidFile))) throw new Error(`it exited; see ${s.logFile}`);
      return answersAt(s.url).catch(() => false);
    }, 60_000, 'console');
  }
}

export async function stopMemberConsoles(ctx: StackContext, only?: readonly string[]): Promise<void> {
  await Promise.all(
    memberDomains(ctx, only).map(async (d) => {
      if (await stopDaemon(memberConsoleFiles(ctx.settings, d.name).pidFile)) ctx.progress.step('console', `stopped ${d.name}'s console`);
    }),
  );
}

export async function memberConsolesStatus(ctx: StackContext, only?: readonly string[]): Promise<MemberConsoleState[]> {
  const out: MemberConsoleState[] = [];
  // Parked domains are listed only when named: their consoles are stopped on purpose.
  for (const d of memberDomains(ctx, only).filter((x) => only !== undefined || !isParked(ctx, x.name))) {
    const f = memberConsoleFiles(ctx.settings, d.name);
    const pid = readPid(f.pidFile);
    const base = { domain: d.name, url: memberConsoleUrl(ctx, d), logFile: f.logFile };
    if (!isAlive(pid)) {
      out.push({ ...base, healthy: false, detail: isParked(ctx, d.name) ? 'parked (./dev domain add takes it up again)' : 'not running' });
      continue;
    }
    const ok = await answersAt(base.url).catch(() => false);
    out.push({ ...base, healthy: ok, pid: pid as number, detail: ok ? 'serving' : 'not answering' });
  }
  return out;
}
