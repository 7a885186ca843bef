import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_DIR } from '@datawell/testing';
import { compiledChaincodeModule } from '@datawell/stack';
import { buildDist } from '../../src/build/build';

/**
 * The compiled tree on a small workspace of its own: a library with a decorated class and a .proto,
 * a service that imports it by its workspace name. Plain `node` must run the service from dist/,
 * resolving the compiled library; an unchanged tree compiles nothing; a changed file is compiled
 * alone; a deleted source's output goes.
 */
describe('buildDist', () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const run = () => execFileSync(process.execPath, [join(root, 'dist/services/echo/src/main.js')], { cwd: root, encoding: 'utf8' }).trim();

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'datawell-build-'));
    copyFileSync(join(REPO_DIR, '.swcrc'), join(root, '.swcrc'));
    write('libs/greet/package.json', JSON.stringify({ name: '@datawell/greet', version: '0.1.0', main: 'src/index.ts', types: 'src/index.ts' }));
    write('libs/greet/proto/greet.proto', 'syntax = "proto3";\n');
    write('libs/greet/src/index.ts', "export { Greeter, greeting } from './greeter';\n");
    write(
      'libs/greet/src/greeter.ts',
      [
        'const tag = (): ClassDecorator => () => undefined;',
        'export class Name { constructor(readonly value: string) {} }',
        '@tag()',
        'export class Greeter { constructor(readonly name: Name) {} }',
        "export const greeting = (who: string): string => `hello ${who}`;",
        '',
      ].join('\n'),
    );
    write('libs/greet/src/greeter.spec.ts', 'it("is not compiled", () => undefined);\n');
    write('services/echo/package.json', JSON.stringify({ name: '@datawell/echo', version: '0.1.0' }));
    write('services/echo/src/main.ts', "import { greeting } from '@datawell/greet';\nprocess.stdout.write(greeting('compiled'));\n");
    write('services/echo/src/extra.ts', 'export const extra = 1;\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('compiles every runtime source, with decorator metadata, and node runs the service resolving the compiled library', async () => {
    const first = await buildDist(root);
    expect(first.written).toBe(5); // 4 sources and the .proto; not the spec
    expect(existsSync(join(root, 'dist/libs/greet/src/greeter.spec.js'))).toBe(false);
    expect(readFileSync(join(root, 'dist/libs/greet/proto/greet.proto'), 'utf8')).toContain('proto3');
    expect(readFileSync(join(root, 'dist/libs/greet/src/greeter.js'), 'utf8')).toContain('design:paramtypes');
    expect(JSON.parse(readFileSync(join(root, 'dist/libs/greet/package.json'), 'utf8')).main).toBe('src/index.js');
    expect(run()).toBe('hello compiled');
  });

  it('compiles nothing when nothing changed, only the changed file when one did, and removes outputs of deleted sources', async () => {
    expect((await buildDist(root)).written).toBe(0);
    write('libs/greet/src/greeter.ts', readFileSync(join(root, 'libs/greet/src/greeter.ts'), 'utf8').replace('hello', 'hi'));
    // A later mtime than the output's, even on a coarse clock.
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'libs/greet/src/greeter.ts'), later, later);
    expect((await buildDist(root)).written).toBe(1);
    expect(run()).toBe('hi compiled');
    rmSync(join(root, 'services/echo/src/extra.ts'));
    const after = await buildDist(root);
    expect(after.removed).toBe(2); // extra.js and its map
    expect(existsSync(join(root, 'dist/services/echo/src/extra.js'))).toBe(false);
  });

  it("compiles chaincodes too, and a chaincode server is given the compiled module while the build is current", async () => {
    write('chaincode/ping/package.json', JSON.stringify({ name: '@datawell/chaincode-ping', version: '0.1.0', main: 'src/index.ts' }));
    write('chaincode/ping/src/index.ts', "import { greeting } from '@datawell/greet';\nexport const contracts = [greeting('chaincode')];\n");
    // The earlier test's edit was dated ahead of the clock: back to the past, so the next build's stamp is newer.
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'libs/greet/src/greeter.ts'), earlier, earlier);
    expect(compiledChaincodeModule(root, join(root, 'chaincode/ping'))).toBeUndefined();
    await buildDist(root);
    const compiled = compiledChaincodeModule(root, join(root, 'chaincode/ping'));
    expect(compiled).toBe(join(root, 'dist/chaincode/ping'));
    // What fabric-shim's server does with --module-path: require the package, which resolves the compiled library.
    const loaded = execFileSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(compiled)}).contracts))`], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(loaded)).toEqual(['hi chaincode']);
    // A library source changed after the build: the sources again, until the next build.
    const after = new Date(Date.now() + 20_000);
    utimesSync(join(root, 'libs/greet/src/greeter.ts'), after, after);
    expect(compiledChaincodeModule(root, join(root, 'chaincode/ping'))).toBeUndefined();
  });
});
