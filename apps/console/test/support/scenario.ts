import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { DomainFormationResult } from '@datawell/testing';

const REPO = resolve(__dirname, '..', '..', '..', '..');

/** `./dev <args>` in the repository, with this process's environment (the stack's settings). */
export const dev = (args: string[]) => promisify(execFile)(join(REPO, 'dev'), args, { cwd: REPO, env: process.env, maxBuffer: 16 << 20 });

/** A status command's JSON: it exits 1 when something is not healthy (or not running), with the same JSON on stdout. */
async function status<T>(args: string[]): Promise<T> {
  const stdout = await dev(args).then(
    (r) => r.stdout,
    (error: unknown) => {
      const out = (error as { stdout?: unknown }).stdout;
      if (typeof out === 'string' && out.trim().startsWith('{')) return out;
      throw error;
    },
  );
  return JSON.parse(stdout) as T;
}

interface Running {
  readonly operator: boolean;
  readonly domains: Set<string>;
}

/** What runs beside the stack now: the operator's services and the member domains with a service up. */
async function runningBeside(): Promise<Running> {
  const operator = await status<{ services: Array<{ pid?: number }> }>(['services', 'status', '--json']);
  const members = await status<{ services: Array<{ domain: string; pid?: number }> }>(['domain', 'services', '--json']);
  return { operator: operator.services.some((s) => s.pid !== undefined), domains: new Set(members.services.filter((s) => s.pid !== undefined).map((s) => s.domain)) };
}

/**
 * A DAO formed among trust domains as a person forms one: `./dev scenario domains <args> --json` on
 * this stack (it starts the services that are not running; domains are reused across runs, the DAO is
 * new). `stop()` stops again what the scenario started (the operator's services when none ran
 * before, the member domains it brought up), as every e2e file leaves the stack for the next.
 */
export async function formDomainsDao(args: string[]): Promise<{ formed: DomainFormationResult; stop(): Promise<void> }> {
  const before = await runningBeside();
  const stop = async () => {
    const now = await runningBeside();
    if (!before.operator && now.operator) await dev(['services', 'stop']);
    const started = [...now.domains].filter((d) => !before.domains.has(d));
    if (started.length > 0) await dev(['domain', 'stop', ...started]);
  };
  try {
    const { stdout } = await dev(['scenario', 'domains', ...args, '--json']);
    return { formed: JSON.parse(stdout.trim().split('\n').pop()!) as DomainFormationResult, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
