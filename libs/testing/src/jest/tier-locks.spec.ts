import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { e2eOrderOf, E2E_FIRST_FILES_ENV, holdFileLock, parseClaims, takeE2eLocks } from './tier-locks';

const dir = mkdtempSync(join(tmpdir(), 'tier-locks-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves 'taken' if `p` settles within `ms`, else 'waiting' (the lock is still asked for). */
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p.then(() => 'taken' as const), new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), ms))]);

/**
 * Whether `line` is among `said` within `ms`. A file says it waits a second after it asks for a lock,
 * and it asks for its claims' locks only once it holds `gate` and `all`, each a `flock` process to
 * start: on a loaded machine (the unit tier beside others) that took long enough for a fixed wait to
 * end, and the lock to be let go, before the file had said anything.
 */
async function heard(said: readonly string[], line: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (said.includes(line)) return true;
  return said.includes(line);
}

describe("the e2e tier's file locks", () => {
  it('reads the claims of a pragma, and refuses an unknown one', () => {
    expect(parseClaims(undefined, 'a.test.ts')).toEqual([]);
    expect(parseClaims('pool', 'a.test.ts')).toEqual(['pool']);
    expect(parseClaims(['console', 'pool'], 'a.test.ts')).toEqual(['pool', 'console']);
    expect(() => parseClaims('pool everything', 'a.test.ts')).toThrow('a.test.ts: @e2eLock takes exclusive, pool, console; got everything');
  });

  it('lets shared holders in together and keeps an exclusive one out until they let go', async () => {
    const file = join(dir, 'plain.lock');
    const [a, b] = [await holdFileLock(file, 'shared'), await holdFileLock(file, 'shared')];
    const waits: string[] = [];
    const x = holdFileLock(file, 'exclusive', () => waits.push('x'));
    expect(await within(x, 1500)).toBe('waiting');
    expect(waits).toEqual(['x']);
    await a.release();
    expect(await within(x, 500)).toBe('waiting');
    await b.release();
    expect(await within(x, 2000)).toBe('taken');
    const s = holdFileLock(file, 'shared');
    expect(await within(s, 500)).toBe('waiting');
    await (await x).release();
    await (await s).release();
  });

  it('runs an exclusive file alone, before files that ask after it, and one pool file at a time', async () => {
    const locks = join(dir, 'tier');
    const said: string[] = [];
    const say = (line: string) => said.push(line);
    const first = await takeE2eLocks(locks, 'first.test.ts', ['pool'], say);
    const beside = await takeE2eLocks(locks, 'beside.test.ts', [], say);
    const alone = takeE2eLocks(locks, 'alone.test.ts', ['exclusive'], say);
    expect(await heard(said, 'alone.test.ts runs alone: it waits for the files running now to end', 8_000)).toBe(true);
    expect(await within(alone, 200)).toBe('waiting');
    // Asked after the exclusive one: it waits behind it, though only shared holders hold `all` now.
    const later = takeE2eLocks(locks, 'later.test.ts', [], say);
    expect(await heard(said, 'later.test.ts waits for a file that runs alone to start', 8_000)).toBe(true);
    expect(await within(later, 200)).toBe('waiting');
    await first();
    await beside();
    const releaseAlone = await alone;
    expect(await within(later, 500)).toBe('waiting');
    await releaseAlone();
    const releaseLater = await later;
    // The pool, one file at a time.
    const pool1 = await takeE2eLocks(locks, 'pool1.test.ts', ['pool'], say);
    const pool2 = takeE2eLocks(locks, 'pool2.test.ts', ['pool'], say);
    expect(await heard(said, "pool2.test.ts waits for the file using the tier's pool of member domains to end", 8_000)).toBe(true);
    expect(await within(pool2, 200)).toBe('waiting');
    await pool1();
    await (await pool2)();
    await releaseLater();
    expect(said).toEqual(expect.arrayContaining(['alone.test.ts runs alone: it waits for the files running now to end', 'later.test.ts waits for a file that runs alone to start', "pool2.test.ts waits for the file using the tier's pool of member domains to end"]));
  });

  it("reads a file's place in the run's order from the sequencer's list", () => {
    const env = { [E2E_FIRST_FILES_ENV]: JSON.stringify(['/r/upgrade.test.ts']) };
    expect(e2eOrderOf('/r/upgrade.test.ts', env)).toEqual({ first: true, firsts: 1 });
    expect(e2eOrderOf('/r/lifecycle.test.ts', env)).toEqual({ first: false, firsts: 1 });
    expect(e2eOrderOf('/r/lifecycle.test.ts', {})).toEqual({ first: false, firsts: 0 });
    expect(e2eOrderOf('/r/lifecycle.test.ts', { [E2E_FIRST_FILES_ENV]: 'not json' })).toEqual({ first: false, firsts: 0 });
  });

  it('runs the @e2eFirst file before an exclusive file that asked for the lock before it', async () => {
    const locks = join(dir, 'first');
    const said: string[] = [];
    const say = (line: string) => said.push(line);
    // The other exclusive file asks first, and would win the lock without the order (next test).
    const other = takeE2eLocks(locks, 'lifecycle.test.ts', ['exclusive'], say, { first: false, firsts: 1 });
    expect(await heard(said, 'lifecycle.test.ts waits for the file with @e2eFirst to take the lock', 8_000)).toBe(true);
    expect(await within(other, 500)).toBe('waiting');
    const upgrade = await takeE2eLocks(locks, 'upgrade.test.ts', ['exclusive'], say, { first: true, firsts: 1 });
    // Now behind it on `all`, as any file behind one that runs alone.
    expect(await heard(said, 'lifecycle.test.ts runs alone: it waits for the files running now to end', 8_000)).toBe(true);
    expect(await within(other, 300)).toBe('waiting');
    await upgrade();
    await (await other)();
  });

  it('lets an exclusive file that asks first win the lock when the run has no @e2eFirst file (the control), and goes on when one never takes it', async () => {
    const locks = join(dir, 'no-first');
    const said: string[] = [];
    const say = (line: string) => said.push(line);
    const releaseOther = await takeE2eLocks(locks, 'lifecycle.test.ts', ['exclusive'], say);
    const upgrade = takeE2eLocks(locks, 'upgrade.test.ts', ['exclusive'], say);
    expect(await heard(said, 'upgrade.test.ts runs alone: it waits for the files running now to end', 8_000)).toBe(true);
    await releaseOther();
    await (await upgrade)();
    // The @e2eFirst file's worker died before it took the lock: the wait ends.
    const orphan = await takeE2eLocks(join(dir, 'orphan'), 'lifecycle.test.ts', ['exclusive'], say, { first: false, firsts: 1 }, 300);
    expect(said).toContain('lifecycle.test.ts goes on: the file with @e2eFirst did not take the lock within 0 s');
    await orphan();
  });
});
