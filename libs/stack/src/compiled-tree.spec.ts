import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compiledChaincodeModule, repoRootOf } from './compiled-tree';

describe("a chaincode server's module", () => {
  let root: string;
  const write = (path: string, at: number) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), '{}');
    utimesSync(join(root, path), at / 1000, at / 1000);
  };
  const T = 1_800_000_000_000;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'compiled-tree-'));
    write('chaincode/dao/package.json', T);
    write('chaincode/dao/src/index.ts', T);
    write('chaincode/common/src/index.ts', T);
    write('libs/domain/src/index.ts', T);
  });

  it('is the compiled package when the build is newer than every source', () => {
    write('dist/chaincode/dao/package.json', T + 1000);
    write('dist/.build-stamp', T + 1000);
    expect(compiledChaincodeModule(root, join(root, 'chaincode/dao'))).toBe(join(root, 'dist/chaincode/dao'));
  });

  it('is the sources when a chaincode or library source changed since the build, or there is no build', () => {
    expect(compiledChaincodeModule(root, join(root, 'chaincode/dao'))).toBeUndefined();
    write('dist/chaincode/dao/package.json', T + 1000);
    expect(compiledChaincodeModule(root, join(root, 'chaincode/dao'))).toBeUndefined(); // no stamp: a build that did not finish
    write('dist/.build-stamp', T + 1000);
    write('libs/domain/src/economics.ts', T + 2000);
    expect(compiledChaincodeModule(root, join(root, 'chaincode/dao'))).toBeUndefined();
    write('dist/.build-stamp', T + 3000);
    write('chaincode/common/src/args.ts', T + 4000);
    expect(compiledChaincodeModule(root, join(root, 'chaincode/dao'))).toBeUndefined();
  });

  it('is the sources for a module outside the chaincode folder, or one the build does not have', () => {
    write('dist/.build-stamp', T + 1000);
    write('dist/chaincode/dao/package.json', T + 1000);
    expect(compiledChaincodeModule(root, '/elsewhere/dao')).toBeUndefined();
    expect(compiledChaincodeModule(root, join(root, 'chaincode'))).toBeUndefined();
    expect(compiledChaincodeModule(root, join(root, 'chaincode/marketplace'))).toBeUndefined();
  });
});

describe('the repository root of a module', () => {
  it('is the same from the sources and from the compiled tree, and a checkout named dist is its own root', () => {
    const root = mkdtempSync(join(tmpdir(), 'repo-root-'));
    mkdirSync(join(root, 'dist'));
    expect(repoRootOf(join(root, 'tools/cli/src'), 3)).toBe(root);
    // The compiled tree, told by its stamp.
    writeFileSync(join(root, 'dist/.build-stamp'), '{}');
    expect(repoRootOf(join(root, 'dist/tools/cli/src'), 3)).toBe(root);
    expect(repoRootOf(join(root, 'dist/tools/cli/src/commands'), 4)).toBe(root);
    expect(repoRootOf(join(root, 'dist/libs/testing/src'), 3)).toBe(root);
    // A checkout in a folder named dist, with a build of its own (dist/dist/.build-stamp).
    const parent = mkdtempSync(join(tmpdir(), 'repo-root-'));
    mkdirSync(join(parent, 'dist/dist'), { recursive: true });
    writeFileSync(join(parent, 'dist/dist/.build-stamp'), '{}');
    expect(repoRootOf(join(parent, 'dist/libs/testing/src'), 3)).toBe(join(parent, 'dist'));
    expect(repoRootOf(join(parent, 'dist/dist/libs/testing/src'), 3)).toBe(join(parent, 'dist'));
    for (const dir of [root, parent]) rmSync(dir, { recursive: true, force: true });
  });
});
