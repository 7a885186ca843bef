import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compiledChaincodeModule } from './compiled-tree';

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
