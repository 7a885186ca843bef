import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { enrollClientIdentity, findDomain, memberServiceUrl, serviceUrl, type StackContext } from '@datawell/stack';
import type { DomainFormationResult, DomainMember } from '@datawell/testing';
import { DIST_DIR } from '../../server/build';
import { startConsoleServer, type ConsoleServer } from '../../server/serve';

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
    throw scenarioFailure(e);
  }
}

/**
 * The scenario's failure with the end of its log first: what went wrong is in its last lines, and a
 * long message is cut from its end when a CI log shows it.
 */
function scenarioFailure(e: unknown): Error {
  const { stderr, code } = e as { stderr?: unknown; code?: unknown };
  if (typeof stderr !== 'string') return e instanceof Error ? e : new Error(String(e));
  const tail = stderr.trimEnd().split('\n').slice(-40).join('\n');
  return new Error(`./dev scenario domains failed (exit ${String(code)}); the last lines of its log:\n${tail}`);
}

/** A person of the member organisation, enrolled at its own CA in its domain (a new identity each run). */
export async function domainMember(ctx: StackContext, mspId: string, role: 'DSP' | 'VSP'): Promise<DomainMember> {
  const person = await enrollClientIdentity(ctx, mspId, 'owner');
  const identity = { mspId, enrollmentId: person.id, certificatePem: person.certificatePem, privateKeyPem: person.privateKeyPem };
  return { mspId, role, identity, bridgeUrl: memberServiceUrl(ctx.settings, findDomain(ctx, mspId), 'ledger-bridge') };
}

/** A console of the member's own domain: the operator's marketplace and negotiation, its own bridge. */
export function memberConsole(ctx: StackContext, m: DomainMember): Promise<ConsoleServer> {
  return startConsoleServer({ distDir: DIST_DIR, upstreams: { marketplace: serviceUrl(ctx.settings, 'marketplace'), negotiation: serviceUrl(ctx.settings, 'negotiation'), member: m.bridgeUrl } });
}
