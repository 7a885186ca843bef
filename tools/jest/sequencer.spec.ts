import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sequencer = require('./sequencer.js') as new (options: unknown) => { sort(tests: FakeTest[]): FakeTest[] };

interface FakeTest {
  path: string;
  context: { config: { cache: boolean; displayName?: { name: string } }; hasteFS: { getSize(path: string): number } };
}

const dir = mkdtempSync(join(tmpdir(), 'sequencer-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A test file on disk (the sequencer reads e2e files' `@e2eLock` and `@e2eFirst` pragmas) whose size stands for jest's order. */
function file(name: string, bytes: number, pragma?: string, first = false): string {
  const path = join(dir, name);
  const head = pragma === undefined ? '' : `/**\n * @e2eLock ${pragma}${first ? '\n * @e2eFirst' : ''}\n */\n`;
  writeFileSync(path, head + '/'.repeat(Math.max(0, bytes - head.length)));
  return path;
}

/** A context without jest's cache (a fresh clone, as on CI): the order is by file size. */
function project(name: string): (path: string) => FakeTest {
  const context = { config: { cache: false, displayName: { name } }, hasteFS: { getSize: (path: string) => readFileSync(path).length } };
  return (path) => ({ path, context });
}

const names = (tests: FakeTest[]) => tests.map((t) => t.path.slice(dir.length + 1));

describe('the stack-first test sequencer', () => {
  it('starts every file against the stack before any unit spec, each group largest first, when no durations are cached', () => {
    const [unit, integration, e2e] = [project('unit'), project('integration'), project('e2e')];
    const sorted = new Sequencer({}).sort([unit(file('small.spec.ts', 1_000)), integration(file('short.test.ts', 4_000)), unit(file('big.spec.ts', 30_000)), e2e(file('life.e2e.test.ts', 9_000)), integration(file('long.test.ts', 20_000))]);
    expect(names(sorted)).toEqual(['life.e2e.test.ts', 'long.test.ts', 'short.test.ts', 'big.spec.ts', 'small.spec.ts']);
  });

  it("orders the e2e tier's files: those that run alone first, then the others taking turns by the lock they claim (none, pool, console), each group largest first", () => {
    const e2e = project('e2e');
    const tests = [
      e2e(file('own-small.test.ts', 2_000)),
      e2e(file('pool-big.test.ts', 9_000, 'pool')),
      e2e(file('alone.test.ts', 1_000, 'exclusive')),
      e2e(file('own-big.test.ts', 8_000)),
      e2e(file('console-a.test.ts', 5_000, 'console')),
      e2e(file('pool-small.test.ts', 3_000, 'pool')),
      e2e(file('own-mid.test.ts', 4_000)),
      e2e(file('alone-too.test.ts', 6_000, 'exclusive')),
    ];
    expect(names(new Sequencer({}).sort(tests))).toEqual([
      'alone-too.test.ts',
      'alone.test.ts',
      'own-big.test.ts',
      'pool-big.test.ts',
      'console-a.test.ts',
      'own-mid.test.ts',
      'pool-small.test.ts',
      'own-small.test.ts',
    ]);
  });

  it('starts an exclusive file with an @e2eFirst pragma before the other exclusive files, whatever their sizes', () => {
    const e2e = project('e2e');
    const tests = [e2e(file('big-alone.test.ts', 9_000, 'exclusive')), e2e(file('own.test.ts', 20_000)), e2e(file('small-first.test.ts', 1_000, 'exclusive', true)), e2e(file('mid-alone.test.ts', 5_000, 'exclusive'))];
    delete process.env['DATAWELL_E2E_FIRST_FILES'];
    const sorted = new Sequencer({}).sort(tests);
    expect(names(sorted)).toEqual(['small-first.test.ts', 'big-alone.test.ts', 'mid-alone.test.ts', 'own.test.ts']);
    // The workers inherit the list, and the other exclusive files wait for it to take the lock (tier-locks.ts).
    expect(JSON.parse(process.env['DATAWELL_E2E_FIRST_FILES'] ?? 'null')).toEqual([sorted[0]!.path]);
  });
});
