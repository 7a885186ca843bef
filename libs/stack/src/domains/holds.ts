import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../atomic-file';
import type { StackContext } from '../components/component';
import { withStackLock } from '../lock';
import { isAlive } from '../proc';
import { domainsDir } from './domain';

/**
 * Who holds each member domain a test file took up (settings.domainHolder: one test file, as
 * `<pid of its jest process>:<file>`), so the file can set aside exactly its own domains when it
 * ends, and none that another file running at the same time still uses. `takenUp`: a holder created
 * the domain or took it up from parked; a domain that was in use before any holder came (a
 * developer's own) is never parked for them.
 */
export type DomainHolds = Readonly<Record<string, { readonly takenUp: boolean; readonly holders: readonly string[] }>>;

/** Whether a holder's process still runs (its file may still use the domain). */
export type HolderAlive = (holder: string) => boolean;

/** `holder` now holds domain `name`; `wasIdle`: the domain did not exist or was parked just before. */
export function hold(holds: DomainHolds, name: string, holder: string, wasIdle: boolean, alive: HolderAlive): DomainHolds {
  const current = holds[name];
  const holders = (current?.holders ?? []).filter((h) => h !== holder && alive(h));
  // A record whose holders all ended without releasing it (a killed run) keeps its takenUp.
  return { ...holds, [name]: { takenUp: wasIdle || (current?.takenUp ?? false), holders: [...holders, holder] } };
}

/**
 * `holder` lets go of domain `name`: `park` when no live holder is left and a holder took it up (the
 * record is then dropped: the next holder finds it parked, so idle).
 */
export function release(holds: DomainHolds, name: string, holder: string, alive: HolderAlive): { holds: DomainHolds; park: boolean } {
  const current = holds[name];
  if (!current) return { holds, park: false };
  const holders = current.holders.filter((h) => h !== holder && alive(h));
  if (holders.length > 0) return { holds: { ...holds, [name]: { ...current, holders } }, park: false };
  const { [name]: _dropped, ...rest } = holds;
  return { holds: rest, park: current.takenUp };
}

/** The domains `holder` holds. */
export function heldBy(holds: DomainHolds, holder: string): string[] {
  return Object.entries(holds)
    .filter(([, h]) => h.holders.includes(holder))
    .map(([name]) => name);
}

/** A holder is `<pid>:<what>`: alive while its process runs. */
export const holderProcessAlive: HolderAlive = (holder) => {
  const pid = Number(holder.split(':', 1)[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid);
};

function holdsFile(ctx: StackContext): string {
  return join(domainsDir(ctx.settings), 'holds.json');
}

export function loadHolds(ctx: StackContext): DomainHolds {
  const file = holdsFile(ctx);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DomainHolds) : {};
}

function saveHolds(ctx: StackContext, holds: DomainHolds): void {
  mkdirSync(domainsDir(ctx.settings), { recursive: true, mode: 0o755 });
  writeFileAtomically(holdsFile(ctx), `${JSON.stringify(holds, null, 2)}\n`, 0o644);
}

/**
 * `holder` holds `names` before anyone takes them up (the e2e tier's pool of domains, held by the jest
 * run: libs/testing/src/jest/pool.ts), so each file that uses one lets go of it without parking it and
 * the run's end (releaseHolds with `holder`) parks them once. `idle(name)`: the domain does not exist
 * yet or is parked now (a developer's own running domain of that name stays theirs).
 */
export async function holdAhead(ctx: StackContext, holder: string, names: readonly string[], idle: (name: string) => boolean): Promise<void> {
  await withStackLock(ctx, async () => {
    let holds = loadHolds(ctx);
    for (const name of names) holds = hold(holds, name, holder, idle(name), holderProcessAlive);
    saveHolds(ctx, holds);
  });
}

/** Records that settings.domainHolder (if any) holds `name`; called by addDomain under the stack's lock. */
export function recordHold(ctx: StackContext, name: string, wasIdle: boolean): void {
  const holder = ctx.settings.domainHolder;
  if (holder === undefined) return;
  saveHolds(ctx, hold(loadHolds(ctx), name, holder, wasIdle, holderProcessAlive));
}

/**
 * Lets go of every domain `holder` holds and parks (with `park`: parkDomain) each no live holder still
 * uses and a holder took up. One domain at a time under the stack's lock, so another file's addDomain
 * either comes first (and keeps the domain running) or finds it parked and takes it up again.
 * Resolves the domains parked.
 */
export async function releaseHolds(ctx: StackContext, holder: string, park: (name: string) => Promise<unknown>): Promise<string[]> {
  const parked: string[] = [];
  for (const name of heldBy(loadHolds(ctx), holder)) {
    await withStackLock(ctx, async () => {
      const next = release(loadHolds(ctx), name, holder, holderProcessAlive);
      saveHolds(ctx, next.holds);
      if (next.park) {
        await park(name);
        parked.push(name);
      }
    });
  }
  return parked;
}
