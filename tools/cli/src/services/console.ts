import { join } from 'node:path';
import { isAlive, readPid, run, startDaemon, stopDaemon, waitFor, type StackContext } from '@datawell/stack';
import { serviceUrl } from './runner';


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
  const response = await fetch(consoleUrl(ctx), { signal: AbortSignal.timeout(3000) });
  return response.ok;
}

/**
 * Builds the console when its sources changed (Vite; a content fingerprint, see server/build.ts) and
 * serves it on the stack's console port with /api/marketplace and /api/negotiation proxied to those services, and /api/operator
 * to the operator's ledger bridge (the operator's page, for its administrators) (a running server serves a new build as it is).
 */
export async function startConsole(ctx: StackContext, repoDir: string): Promise<void> {
  const built = await run(process.execPath, [...entry(repoDir), 'build'], { cwd: repoDir });
  const { built: changed } = JSON.parse(built.stdout.trim().split('\n').pop() ?? '{}') as { built?: boolean };
  if (changed) ctx.progress.step('console', 'built the console');
  const f = files(ctx);
  if (!isAlive(readPid(f.pid))) {
    ctx.progress.step('console', `serving the console on ${consoleUrl(ctx)}`);
    startDaemon({
      name: 'console',
      cmd: process.execPath,
      args: [...entry(repoDir), 'serve', '--port', String(ctx.settings.ports.console), '--marketplace', serviceUrl(ctx.settings, 'marketplace'), '--negotiation', serviceUrl(ctx.settings, 'negotiation'), '--operator', serviceUrl(ctx.settings, 'ledger-bridge')],
      cwd: repoDir,
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
