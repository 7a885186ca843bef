import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DIST as STACK_DIST } from '@datawell/stack';
import { compiledTreeCurrent as launcherSaysCurrent } from '../../launch';
import { DIST, REPO_DIR } from '../repo-dir';
import { buildDist, compiledTreeCurrent } from './build';

/**
 * ./dev runs the CLI compiled into dist/ while that tree is current, told by tools/cli/launch.js from
 * the stamp with stat calls alone; build.ts decides the same thing before it compiles. Both must say
 * "not current" after any change that could make the compiled code differ from the sources.
 */
describe("the compiled tree's currency (tools/cli/launch.js and build.ts)", () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const current = () => {
    const says = launcherSaysCurrent(root);
    expect(compiledTreeCurrent(root)).toBe(says);
    return says;
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'datawell-launch-'));
    copyFileSync(join(REPO_DIR, '.swcrc'), join(root, '.swcrc'));
    write('libs/greet/package.json', JSON.stringify({ name: '@datawell/greet', version: '0.1.0', main: 'src/index.ts' }));
    write('libs/greet/src/index.ts', "export const greeting = (who: string): string => `hello ${who}`;\n");
    write('tools/cli/package.json', JSON.stringify({ name: '@datawell/cli', version: '0.1.0' }));
    write('tools/cli/src/main.ts', "import { greeting } from '@datawell/greet';\nprocess.stdout.write(greeting('you'));\n");
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is the same folder as the stack library names', () => {
    expect(DIST).toBe(STACK_DIST);
  });

  it('is not current before the first build, and is after it', async () => {
    expect(current()).toBe(false);
    expect((await buildDist(root)).written).toBe(2);
    expect(current()).toBe(true);
    expect((await buildDist(root)).written).toBe(0);
  });

  it('is not current after an edit, even one of the same size dated back to the old modification time', async () => {
    const file = join(root, 'libs/greet/src/index.ts');
    const before = statSync(file);
    write('libs/greet/src/index.ts', readFileSync(file, 'utf8').replace('hello', 'howdy'));
    utimesSync(file, before.atime, before.mtime);
    expect(statSync(file).size).toBe(before.size);
    expect(current()).toBe(false);
    expect((await buildDist(root)).written).toBe(1);
    expect(readFileSync(join(root, 'dist/libs/greet/src/index.js'), 'utf8')).toContain('howdy');
    expect(current()).toBe(true);
  });

  it('is not current after a source is added or deleted, a manifest changes or a package appears', async () => {
    write('libs/greet/src/extra.ts', 'export const extra = 1;\n');
    expect(current()).toBe(false);
    await buildDist(root);
    expect(current()).toBe(true);

    rmSync(join(root, 'libs/greet/src/extra.ts'));
    expect(current()).toBe(false);
    expect((await buildDist(root)).removed).toBe(2); // extra.js and its map
    expect(current()).toBe(true);

    write('libs/greet/package.json', JSON.stringify({ name: '@datawell/greet', version: '0.2.0', main: 'src/index.ts' }));
    expect(current()).toBe(false);
    await buildDist(root);
    expect(JSON.parse(readFileSync(join(root, 'dist/libs/greet/package.json'), 'utf8')).version).toBe('0.2.0');
    expect(current()).toBe(true);

    write('libs/other/package.json', JSON.stringify({ name: '@datawell/other', version: '0.1.0', main: 'src/index.ts' }));
    expect(current()).toBe(false);
    write('libs/other/src/index.ts', 'export const other = 1;\n');
    await buildDist(root);
    expect(current()).toBe(true);
  });

  it('is not current without a stamp, or with one of an older form', async () => {
    rmSync(join(root, 'dist/.build-stamp'));
    expect(current()).toBe(false);
    write('dist/.build-stamp', JSON.stringify({ fingerprint: 'abc', global: 'def' }));
    expect(current()).toBe(false);
    expect((await buildDist(root)).written).toBe(3); // the stamp's global inputs changed: everything again
    expect(current()).toBe(true);
  });
});

/**
 * The launcher itself, in a workspace of its own: the CLI there prints a library's greeting and whether
 * it ran compiled. After an edit the next start builds and runs the new code; while the build fails (a
 * syntax error anywhere) it runs the sources through swc's loader, as ./dev did before.
 */
describe("./dev's entry (tools/cli/launch.js)", () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const start = () => execFileSync(process.execPath, [join(root, 'tools/cli/launch.js'), 'one', 'two'], { cwd: root, encoding: 'utf8' });

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'datawell-launcher-'));
    copyFileSync(join(REPO_DIR, '.swcrc'), join(root, '.swcrc'));
    // The real launcher and builder.
    for (const file of ['tools/cli/launch.js', 'tools/cli/src/build/build.ts', 'tools/cli/src/build/main.ts', 'tools/cli/src/repo-dir.ts']) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      copyFileSync(join(REPO_DIR, file), join(root, file));
    }
    // The repository's packages, and the workspace's own library by its name.
    mkdirSync(join(root, 'node_modules/@datawell'), { recursive: true });
    for (const entry of readdirSync(join(REPO_DIR, 'node_modules'))) {
      if (entry !== '@datawell') symlinkSync(join(REPO_DIR, 'node_modules', entry), join(root, 'node_modules', entry));
    }
    symlinkSync(join(root, 'libs/greet'), join(root, 'node_modules/@datawell/greet'));
    write('libs/greet/package.json', JSON.stringify({ name: '@datawell/greet', version: '0.1.0', main: 'src/index.ts' }));
    write('libs/greet/src/index.ts', "export const greeting = (who: string): string => `hello ${who}`;\n");
    write('tools/cli/package.json', JSON.stringify({ name: '@datawell/cli', version: '0.1.0' }));
    write(
      'tools/cli/src/main.ts',
      "import { greeting } from '@datawell/greet';\nprocess.stdout.write(`${greeting(process.argv.slice(2).join(' '))} (${__filename.endsWith('.js') ? 'compiled' : 'sources'})`);\n",
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds dist/ at the first start and runs the compiled CLI with its arguments', () => {
    expect(start()).toBe('hello one two (compiled)');
    expect(launcherSaysCurrent(root)).toBe(true);
    expect(start()).toBe('hello one two (compiled)');
  });

  it('runs an edited source at the next start', () => {
    write('libs/greet/src/index.ts', "export const greeting = (who: string): string => `bonjour ${who}`;\n");
    expect(start()).toBe('bonjour one two (compiled)');
  });

  it('runs the sources while the build fails, and the compiled CLI again once it is fixed', () => {
    write('libs/broken/package.json', JSON.stringify({ name: '@datawell/broken', version: '0.1.0', main: 'src/index.ts' }));
    write('libs/broken/src/index.ts', 'export const = ;\n');
    write('libs/greet/src/index.ts', "export const greeting = (who: string): string => `hallo ${who}`;\n");
    expect(start()).toBe('hallo one two (sources)');
    expect(launcherSaysCurrent(root)).toBe(false);
    write('libs/broken/src/index.ts', 'export const fixed = 1;\n');
    expect(start()).toBe('hallo one two (compiled)');
  });
});
