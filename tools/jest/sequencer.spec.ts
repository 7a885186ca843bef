// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sequencer = require('./sequencer.js') as new (options: unknown) => { sort(tests: FakeTest[]): FakeTest[] };

interface FakeTest {
  path: string;
  context: { config: { cache: boolean; displayName?: { name: string } }; hasteFS: { getSize(path: string): number } };
}

/** A context without jest's cache (a fresh clone, as on CI): the order is by file size. */
function project(name: string, sizes: Record<string, number>): (path: string) => FakeTest {
  const context = { config: { cache: false, displayName: { name } }, hasteFS: { getSize: (path: string) => sizes[path] ?? 0 } };
  return (path) => ({ path, context });
}

describe('the stack-first test sequencer', () => {
  it('starts every file against the stack before any unit spec, each group largest first, when no durations are cached', () => {
    const sizes = { 'big.spec.ts': 30_000, 'small.spec.ts': 1_000, 'short.test.ts': 4_000, 'long.test.ts': 20_000, 'life.e2e.test.ts': 9_000 };
    const unit = project('unit', sizes);
    const integration = project('integration', sizes);
    const e2e = project('e2e', sizes);
    const sorted = new Sequencer({}).sort([unit('small.spec.ts'), integration('short.test.ts'), unit('big.spec.ts'), e2e('life.e2e.test.ts'), integration('long.test.ts')]);
    expect(sorted.map((t) => t.path)).toEqual(['long.test.ts', 'life.e2e.test.ts', 'short.test.ts', 'big.spec.ts', 'small.spec.ts']);
  });
});
