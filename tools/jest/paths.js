// Maps the tsconfig path aliases (@datawell/x) to sources for jest.
const { compilerOptions } = require('../../tsconfig.base.json');
const path = require('node:path');

function pathsToModuleNameMapper() {
  const map = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    map[`^${alias.replace('/', '\\/')}$`] = path.join(__dirname, '..', '..', target);
  }
  // The console imports browser-safe modules of libs by name (its own tsconfig's paths), e.g. @datawell/domain/proposal-signing.
  const consolePaths = require('../../apps/console/tsconfig.json').compilerOptions.paths;
  for (const [alias, [target]] of Object.entries(consolePaths)) {
    map[`^${alias.replace(/\//g, '\\/')}$`] = path.join(__dirname, '..', '..', 'apps', 'console', target);
  }
  return map;
}
module.exports = { pathsToModuleNameMapper };
