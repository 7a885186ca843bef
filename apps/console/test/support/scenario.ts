import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { enrollClientIdentity, findDomain, loadHolds, loadSettings, memberServiceUrl, serviceUrl, stderrProgress, type StackContext } from '@datawell/stack';
import { login, registerDomainParticipant, tierKeepsDomain, tierKeepsOperatorServices, until, type DomainFormationResult, type DomainMember } from '@datawell/testing';
import type { Browser, Page } from 'playwright-core';
import { buildConsole } from '../../server/build';
import { launchBrowser, see } from './browser';

const REPO = resolve(__dirname, '..', '..', '..', '..');

/** `./dev <args>` in the repository, with this process's environment (the stack's settings). */
export const dev = (args: string[]) => promisify(execFile)(join(REPO, 'dev'), args, { cwd: REPO, env: process.env, maxBuffer: 16 << 20 });

/** A status command's JSON: it exits 1 when something is not healthy (or not running: a domain another file is adding), with the same JSON on stdout. */
export async function status<T>(args: string[]): Promise<T> {
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
 * Whether this test file holds domain `name` (it added it or took it up: DATAWELL_DOMAIN_HOLDER names
 * the file, tools/jest/test-file-environment.js). Outside a test file, every domain is its.
 */
function holdsDomain(name: string): boolean {
  const holder = process.env['DATAWELL_DOMAIN_HOLDER'];
  return holder === undefined || (loadHolds(stackContext())[name]?.holders.includes(holder) ?? false);
}

/**
 * What runs beside the stack now, and how to stop again what starts after: the operator's services
 * when none ran before, the member domains this file brought up since. Every file leaves the stack as
 * it found it, but for what the e2e tier keeps for its next file and stops at its end: the operator's
 * services and the member services of the domains it holds (tierKeepsOperatorServices,
 * tierKeepsDomain). Domains another file brought up meanwhile (the tier runs two at once) are that
 * file's to stop.
 */
async function stopWhatStarts(): Promise<() => Promise<void>> {
  const before = await runningBeside();
  return async () => {
    const now = await runningBeside();
    if (!before.operator && now.operator && !tierKeepsOperatorServices()) await dev(['services', 'stop']);
    const started = [...now.domains].filter((d) => !before.domains.has(d) && !tierKeepsDomain(d) && holdsDomain(d));
    if (started.length > 0) await dev(['domain', 'stop', ...started]);
  };
}

/**
 * A DAO formed among trust domains as a person forms one: `./dev scenario domains <args> --json` on
 * this stack (it starts the services that are not running; domains are reused across runs, the DAO is
 * new). `stop()` stops again what the scenario started (see stopWhatStarts).
 */
export async function formDomainsDao(args: string[]): Promise<{ formed: DomainFormationResult; stop(): Promise<void> }> {
  const stop = await stopWhatStarts();
  try {
    const { stdout } = await dev(['scenario', 'domains', ...args, '--json']);
    return { formed: JSON.parse(stdout.trim().split('\n').pop()!) as DomainFormationResult, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw scenarioFailure(e);
  }
}

/**
 * Member domains up and admitted, no DAO yet, as their organisations come to the marketplace: the
 * operator's services (`./dev services start`), each domain (`./dev domain add <MSP> --role <R>`,
 * reused across runs) with its member-mode services (`./dev domain start`), and each organisation
 * registered at the operator's marketplace without an identity (its own CA issues them) until the
 * ledger has it active. `stop()` stops again what this started (see stopWhatStarts).
 */
export async function domainsUp(ctx: StackContext, members: ReadonlyArray<readonly [mspId: string, role: 'DSP' | 'VSP']>): Promise<{ stop(): Promise<void> }> {
  const stop = await stopWhatStarts();
  try {
    await dev(['services', 'start']);
    for (const [mspId, role] of members) await dev(['domain', 'add', mspId, '--role', role]);
    await dev(['domain', 'start', ...members.map(([mspId]) => mspId)]);
    for (const [mspId, role] of members) await registerDomainParticipant(serviceUrl(ctx.settings, 'marketplace'), { mspId, role }, (m) => ctx.progress.step('domains', m), 300_000);
    return { stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
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

/**
 * The console of the member's own domain, as a person gets it: `./dev domain console <MSP>` serves it
 * as the domain's OS user on the domain's console port, with the member's own bridge, provisioner and
 * telemetry behind it. Its URL.
 */
export async function memberConsole(m: DomainMember): Promise<string> {
  const { consoles } = await status<{ consoles: Array<{ domain: string; url: string; healthy: boolean; detail: string }> }>(['domain', 'console', m.mspId, '--json']);
  const own = consoles.find((c) => c.domain === m.mspId);
  if (!own?.healthy) throw new Error(`the console of ${m.mspId} is not serving: ${own?.detail ?? 'not listed'}`);
  return own.url;
}

/**
 * Waits until every service a person of `m` signs in at knows the organisation: each learns it from
 * the ledger's ParticipantRegistered event, the member's own bridge, provisioner and telemetry from
 * the member's own peer once its bridge has joined it to `marketplace` after the admission, seconds to
 * a minute after the marketplace shows it active. A page signed in before that has no token of the
 * service that did not know it yet, and what goes through it fails: a CI rehearsal's VSP posted an
 * offer through its own bridge 40 s before that bridge knew its organisation.
 */
async function knownToItsServices(ctx: StackContext, m: DomainMember): Promise<void> {
  const domain = findDomain(ctx, m.mspId);
  const urls = [serviceUrl(ctx.settings, 'negotiation'), serviceUrl(ctx.settings, 'mpc-coordinator'), m.bridgeUrl, memberServiceUrl(ctx.settings, domain, 'provisioner'), memberServiceUrl(ctx.settings, domain, 'telemetry')];
  for (const url of urls) await until(`${m.mspId} known to ${url}`, () => login(url, m.identity), 180_000, 1000);
}

/** The stack of this run (the environment's settings), as the e2e files use it. */
export const stackContext = (): StackContext => ({ settings: loadSettings(REPO, process.env), progress: stderrProgress });

/** Member domains, their people, one browser, and their consoles: what a browser test of member domains starts from. */
export interface ConsoleDomains {
  readonly ctx: StackContext;
  /** The members asked for, by MSP id: a person of each, enrolled at its own CA. */
  readonly members: Readonly<Record<string, DomainMember>>;
  readonly browser: Browser;
  /** A console of the member's own domain (its own bridge behind it), stopped by close(): its URL. */
  consoleOf(m: DomainMember): Promise<string>;
  /** The browser, the consoles, and what the set-up started. */
  close(): Promise<void>;
}

/** A DAO formed among trust domains, its members' people, one browser, and their consoles: what a DAO page's browser test starts from. */
export interface ConsoleScenario extends ConsoleDomains {
  readonly formed: DomainFormationResult;
}

type Members = ReadonlyArray<readonly [mspId: string, role: 'DSP' | 'VSP']>;

/**
 * Builds the console, runs `start` (which brings the domains up, answers how to stop them and what it
 * made), enrolls a person of each member in `members`, and launches the browser.
 */
async function consoleDomainsAfter<T>(members: Members, start: (ctx: StackContext) => Promise<{ stop(): Promise<void>; made: T }>): Promise<ConsoleDomains & T> {
  const ctx = stackContext();
  await buildConsole();
  const started = await start(ctx);
  const consoles = new Set<string>();
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    if (consoles.size > 0) await dev(['domain', 'console', ...consoles, '--stop']);
    await started.stop();
  };
  try {
    const people: Record<string, DomainMember> = {};
    for (const [mspId, role] of members) people[mspId] = await domainMember(ctx, mspId, role);
    for (const m of Object.values(people)) await knownToItsServices(ctx, m);
    browser = await launchBrowser();
    return {
      ...started.made,
      ctx,
      members: people,
      browser,
      consoleOf: async (m) => {
        consoles.add(m.mspId);
        return memberConsole(m);
      },
      close,
    };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}

/**
 * Builds the console, forms a DAO with `./dev scenario domains <args>` (see formDomainsDao), enrolls a
 * person of each member in `members`, and launches the browser. The DAO pages' e2e files' shared set-up.
 */
export function consoleScenario(args: string[], members: Members): Promise<ConsoleScenario> {
  // As a person forms one: the CLI's scenario on this stack.
  return consoleDomainsAfter(members, async () => {
    const { formed, stop } = await formDomainsDao(args);
    return { stop, made: { formed } };
  });
}

/**
 * The same with the member domains up and admitted but no DAO (see domainsUp): for a test that forms
 * one in the browser.
 */
export function consoleDomains(members: Members): Promise<ConsoleDomains> {
  return consoleDomainsAfter(members, async (ctx) => ({ stop: (await domainsUp(ctx, members)).stop, made: {} }));
}

/** What the member's own bridge answers it, with its own token there (a JSON body; any shape). */
export async function bridgeAs(m: DomainMember, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & Array<Record<string, unknown>> }> {
  const token = await login(m.bridgeUrl, m.identity);
  const response = await fetch(`${m.bridgeUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & Array<Record<string, unknown>> };
}

/** Signs in on the console's page with the member's PEMs, as a person pastes them. */
export async function signIn(page: Page, base: string, m: DomainMember): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(m.identity.certificatePem);
  await page.getByRole('textbox', { name: 'Private key (PKCS#8 PEM)' }).fill(m.identity.privateKeyPem);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await see(page.getByTestId('signed-in-as')).toHaveText(`${m.identity.enrollmentId}@${m.mspId}`);
}

/** ppm as a page should print it, written here independently of the page's own formatting. */
export const pct = (ppm: number) => `${Number((ppm / 10_000).toFixed(4))} %`;
